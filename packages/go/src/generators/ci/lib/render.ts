import { render } from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGIN_NAME } from '../../../utils/constants';
import { CI_CONFIGURATION, type NormalizedCiOptions } from './normalize-options';

/** govulncheck the pipelines install (built from the Go module proxy, kept in the scanner cache). */
export const GOVULNCHECK_VERSION = 'v1.9.0';
/** Node major of the jobs (setup-node, and the GitLab gitops image) when the workspace pins none. */
export const NODE_VERSION = '24';

/** The scripts the pipelines run, as the installed plugin ships them. */
export const CI_SCRIPTS = {
  gitops: `node_modules/${PLUGIN_NAME}/src/ci/gitops-update.js`,
  affectedBase: `node_modules/${PLUGIN_NAME}/src/ci/affected-base.js`,
  registryLogin: `node_modules/${PLUGIN_NAME}/src/ci/registry-login.js`,
};

/** `$CI_COMMIT_REF_SLUG` of a branch: lowercased, other characters as `-`, at most 63, no `-` at the ends. */
export function refSlug(branch: string): string {
  return branch
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '-')
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
}

/** The pipeline file's content. */
export function renderPipeline(options: NormalizedCiOptions): string {
  const template = readFileSync(join(__dirname, '..', 'templates', `${options.provider}.yml.ejs`), 'utf8');
  return render(template, {
    ...options,
    mainBranchSlug: refSlug(options.mainBranch),
    ciConfiguration: CI_CONFIGURATION,
    govulncheckVersion: GOVULNCHECK_VERSION,
    nodeVersion: NODE_VERSION,
    gitopsScript: CI_SCRIPTS.gitops,
    affectedBaseScript: CI_SCRIPTS.affectedBase,
    registryLoginScript: CI_SCRIPTS.registryLogin,
  });
}
