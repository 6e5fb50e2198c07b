import { logger, runTasksInSerial, type GeneratorCallback, type Tree } from '@nx/devkit';
import { normalizeOptions, type NormalizedDockerOptions } from './lib/normalize-options';
import type { DockerGeneratorSchema } from './schema';
import { applyImageChoices } from '../shared/pin-images';
import { registerPluginIfMissing } from '../shared/register-plugin';

/**
 * `nx g @org/go:docker --project=orders`: a Dockerfile and .dockerignore for an existing Go service,
 * with the Go version, port and healthcheck read from its go.mod and source. The Go code is not changed.
 */
export async function dockerGenerator(tree: Tree, schema: DockerGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  // Checked (and, with --pinImages, resolved through the engine) before anything is written.
  let pinned: string[] = [];
  for (const file of options.files) {
    if (!file.path.endsWith('Dockerfile')) continue;
    const applied = await applyImageChoices(file.content, { builderImage: schema.builderImage, pinImages: schema.pinImages });
    file.content = applied.dockerfile;
    pinned = applied.pinned;
  }
  // Registers the plugin so the Dockerfile becomes a docker-build target; never creates a go.work.
  const tasks = await registerPluginIfMissing(tree, { skipGoWork: true });
  const written = addFiles(tree, options);
  report(options, written);
  if (pinned.length > 0) logger.info(`Base images pinned by digest: ${pinned.join(', ')}`);
  return runTasksInSerial(...tasks);
}

/** Writes the files; returns what was written and what was already up to date. */
function addFiles(tree: Tree, options: NormalizedDockerOptions): { written: string[]; unchanged: string[] } {
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const file of options.files) {
    if (tree.exists(file.path) && tree.read(file.path, 'utf-8') === file.content) {
      unchanged.push(file.path);
      continue;
    }
    tree.write(file.path, file.content);
    written.push(file.path);
  }
  return { written, unchanged };
}

function report(options: NormalizedDockerOptions, files: { written: string[]; unchanged: string[] }): void {
  const context = options.moduleRoot === options.projectRoot ? 'this folder' : `the module root, ${options.moduleRoot}`;
  logger.info(
    [
      `Containerizing ${options.projectName}: go build ${options.packagePath} in ${options.moduleRoot} (module ${options.modulePath}) → /${options.binary}`,
      ...options.facts.map((fact) => `  ${fact}`),
      `  base image:  ${options.baseImage}`,
      `  wrote:       ${files.written.join(', ') || 'nothing'}${files.unchanged.length > 0 ? ` (up to date: ${files.unchanged.join(', ')})` : ''}`,
      `  build:       nx run ${options.projectName}:docker-build (context: ${context})`,
    ].join('\n'),
  );
  for (const warning of options.warnings) logger.warn(warning);
}

export default dockerGenerator;
