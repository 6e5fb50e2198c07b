/**
 * Where the CI generator's specs find the linters of tools/ci-lint/install.sh. Not a spec (jest runs
 * *.spec.ts) and not shipped (the build leaves *.test.ts out).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const ACTIONLINT_VERSION = 'v1.7.12';
export const CHECK_JSONSCHEMA_VERSION = '0.39.0';
const INSTALL = 'bash tools/ci-lint/install.sh';

const mustRun = ['true', '1'].includes(process.env.CI ?? '') || process.env.ORG_GO_REQUIRE_CI_LINT === '1';

export function toolsCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.ORG_GO_TOOLS_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'org-go', 'tools');
}

function onPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The path, or undefined locally when missing (with a note); under CI a missing tool is an error that says how to install it. */
function required(what: string, path: string | undefined): string | undefined {
  if (path) return path;
  if (mustRun) throw new Error(`${what} is missing, and under CI the pipeline-lint specs never skip. Run "${INSTALL}" (it caches everything in ${toolsCache()}).`);
  // eslint-disable-next-line no-console
  console.warn(`${what} is missing: skipping the specs that need it. Install: ${INSTALL}`);
  return undefined;
}

/** actionlint v1.7.12 as the install script builds it (a different actionlint on PATH is not used: rules change between releases). */
export function actionlintForSpecs(): string | undefined {
  const cached = join(toolsCache(), `actionlint-${ACTIONLINT_VERSION}`, 'actionlint');
  return required(`actionlint ${ACTIONLINT_VERSION}`, existsSync(cached) ? cached : undefined);
}

/** shellcheck, which actionlint runs on every `run:` script (and the GitLab spec on the job scripts). */
export function shellcheckForSpecs(): string | undefined {
  return required('shellcheck', onPath('shellcheck'));
}

/** A JSON schema vendored in check-jsonschema: `gitlab-ci` or `github-workflows`. */
export function schemaForSpecs(name: 'gitlab-ci' | 'github-workflows'): string | undefined {
  const file = join(toolsCache(), 'schemas', `check-jsonschema-${CHECK_JSONSCHEMA_VERSION}`, `${name}.json`);
  return required(`The ${name} JSON schema (check-jsonschema ${CHECK_JSONSCHEMA_VERSION})`, existsSync(file) ? file : undefined);
}
