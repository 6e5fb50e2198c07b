import { logger, readNxJson, updateNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { ciNxJson } from './lib/nx-json';
import { CI_CONFIGURATION, normalizeOptions, type NormalizedCiOptions } from './lib/normalize-options';
import { renderPipeline } from './lib/render';
import type { CiGeneratorSchema } from './schema';

/**
 * `nx g @org/go:ci --provider=github|gitlab`: a pipeline that lints, tests, builds and scans the
 * affected projects, pushes their images from the main branch, uploads the SARIF reports and, with
 * --gitops, rolls the pushed tags out to deploy/k8s. Every check runs before the first write.
 */
export async function ciGenerator(tree: Tree, schema: CiGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const content = renderPipeline(options);
  const nxJson = readNxJson(tree);
  const updatedNxJson = nxJson ? ciNxJson(nxJson, options, options.warnings) : undefined;
  if (!nxJson) options.warnings.push(`There is no nx.json: add targetDefaults["${options.targets.dockerScan}"].configurations.${CI_CONFIGURATION} = { "format": "sarif" } once there is one.`);

  tree.write(options.filePath, content);
  if (updatedNxJson) updateNxJson(tree, updatedNxJson);
  report(options, updatedNxJson !== undefined);
  return () => undefined;
}

function report(options: NormalizedCiOptions, nxJsonChanged: boolean): void {
  const provider = options.provider === 'github' ? 'GitHub Actions' : 'GitLab CI';
  const secrets =
    options.provider === 'github'
      ? ['repository secrets REGISTRY_USERNAME and REGISTRY_PASSWORD', ...(options.gitops ? ['optionally GITOPS_TOKEN (when branch protection blocks the workflow token)'] : [])]
      : ['CI/CD variables REGISTRY_USERNAME, REGISTRY_PASSWORD and NX_BASE_TOKEN (read_api)', ...(options.gitops ? ['GITOPS_TOKEN (write_repository)'] : [])];
  logger.info(
    [
      `Wrote ${options.filePath} (${provider}): nx affected on every change, images pushed from ${options.mainBranch}${options.gitops ? ', deploy/k8s updated after each push' : ''}.`,
      `  registry:   ${options.registry}${options.registryKnown ? ` (from ${options.registrySource === 'option' ? '--registry' : 'nx.json'})` : ' (placeholder: FILL IN)'}`,
      `  Go:         ${options.goVersionFile ? `${options.goVersionFile} (go ${options.goVersion})` : `${options.goVersion} (the installed Go)`}`,
      `  nx.json:    ${nxJsonChanged ? `targetDefaults updated (${options.targets.dockerScan} --configuration=${CI_CONFIGURATION} writes SARIF${options.writeRegistryToNxJson ? `; ${options.targets.dockerTag} registry` : ''})` : 'unchanged'}`,
      `  fill in:    the lines marked FILL IN; ${secrets.join('; ')}`,
    ].join('\n'),
  );
  for (const warning of options.warnings) logger.warn(warning);
}

export default ciGenerator;
