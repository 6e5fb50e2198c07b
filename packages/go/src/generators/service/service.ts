import {
  generateFiles,
  logger,
  joinPathFragments,
  runTasksInSerial,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { join } from 'node:path';
import { renderDockerfile, renderDockerignore } from '../../dockerfile/render';
import { addToGoWork } from '../shared/add-to-go-work';
import { applyImageChoices } from '../shared/pin-images';
import { normalizeOptions, type NormalizedServiceOptions } from './lib/normalize-options';
import type { ServiceGeneratorSchema } from './schema';
import { registerPluginIfMissing } from '../shared/register-plugin';

/** `nx g @org/go:service orders`: a Go service with Dockerfile, .dockerignore and probes. */
export async function serviceGenerator(tree: Tree, schema: ServiceGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const dockerVariables = { name: options.name, goVersion: options.goVersion, port: options.port, baseImage: options.baseImage };
  // Checked (and, with --pinImages, resolved through the engine) before anything is written.
  const { dockerfile, pinned } = await applyImageChoices(renderDockerfile(dockerVariables), { builderImage: schema.builderImage, pinImages: schema.pinImages });
  const tasks = await registerPluginIfMissing(tree, { goVersion: options.goVersion });
  addFiles(tree, options, dockerfile);
  addToGoWork(tree, options.projectRoot, options.goVersion);
  if (pinned.length > 0) logger.info(`Base images pinned by digest: ${pinned.join(', ')}`);
  return runTasksInSerial(...tasks);
}

function addFiles(tree: Tree, options: NormalizedServiceOptions, dockerfile: string): void {
  const variables = {
    name: options.name,
    modulePath: options.modulePath,
    goVersion: options.goVersion,
    port: options.port,
    tmpl: '',
  };
  generateFiles(tree, join(__dirname, 'files'), options.projectRoot, variables);
  if (options.k8s) {
    generateFiles(tree, join(__dirname, 'files-k8s'), options.projectRoot, variables);
  }
  const dockerVariables = { name: options.name, goVersion: options.goVersion, port: options.port, baseImage: options.baseImage };
  tree.write(joinPathFragments(options.projectRoot, 'Dockerfile'), dockerfile);
  tree.write(joinPathFragments(options.projectRoot, '.dockerignore'), renderDockerignore(dockerVariables));
  const waitScript = joinPathFragments(options.projectRoot, 'scripts/wait-for-ready.sh');
  if (tree.exists(waitScript)) tree.changePermissions(waitScript, '755');
}

export default serviceGenerator;
