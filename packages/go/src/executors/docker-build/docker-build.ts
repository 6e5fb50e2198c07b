import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createBuildContext, DockerClient, type ContextExtras, type ProgressEvent } from '../../docker';
import { parseGoMod } from '../../graph/go-mod';
import type { GoProjectMetadata } from '../../plugins/project-node';
import { loadPluginResults } from '../../plugins/results';
import { FALLBACK_GO_VERSION, LABEL_INPUTS_HASH } from '../../utils/constants';
import { projectLocation, type ProjectLocation } from '../../utils/executor-context';
import { findPluginEntry, resolvePluginOptions } from '../../utils/plugin-options';
import { formatBytes } from '../../utils/format';
import { readGitInfo } from '../../utils/git';
import { imageMetadataPath, writeImageMetadata } from '../../utils/image-metadata';
import { normalizeBuildOptions } from './lib/normalize-options';
import { workspaceContextExtras } from './lib/workspace-context';
import type { DockerBuildExecutorSchema } from './schema';

/** Writes the engine's build output as it arrives. */
function printEvent(event: ProgressEvent, quiet: boolean): void {
  if (quiet) return;
  if (event.stream) process.stdout.write(event.stream);
  else if (event.status) process.stdout.write(`${event.status}${event.progress ? ` ${event.progress}` : ''}\n`);
}

function readWorkspaceFile(workspaceRoot: string) {
  return (path: string) => {
    const file = join(workspaceRoot, path);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
}

/**
 * When the image is built from packages of other workspace modules (go.work or local replaces),
 * the context must carry them; the Go graph says which.
 */
async function localModuleExtras(location: ProjectLocation, contextDir: string, context: ExecutorContext): Promise<ContextExtras | undefined> {
  // The plugin's inferred results (cached on disk by the graph's inputs) say which modules the image needs.
  const results = await loadPluginResults(location.workspaceRoot, resolvePluginOptions(findPluginEntry(context.nxJsonConfiguration)?.options));
  const node = Object.values(results.nodesByModule)
    .flatMap((nodes) => Object.values(nodes))
    .find((candidate) => candidate.root === location.projectRoot);
  const go = (node?.metadata as { go?: GoProjectMetadata } | undefined)?.go;
  if (!go || resolve(location.workspaceRoot, go.moduleRoot) !== resolve(contextDir) || go.imageModules.length === 0) return undefined;
  const read = readWorkspaceFile(location.workspaceRoot);
  const goVersion = parseGoMod(read(`${go.moduleRoot}/go.mod`) ?? '').goVersion ?? FALLBACK_GO_VERSION;
  return workspaceContextExtras({ workspaceRoot: location.workspaceRoot, localModules: go.imageModules, read, moduleRoot: go.moduleRoot, goVersion });
}

/** The Nx hash of this docker-build task (`project:target[:configuration]`); undefined outside Nx's task runner. */
export function taskInputsHash(context: ExecutorContext): string | undefined {
  if (!context.projectName || !context.targetName) return undefined;
  const tasks = context.taskGraph?.tasks ?? {};
  const base = `${context.projectName}:${context.targetName}`;
  const id = context.configurationName ? `${base}:${context.configurationName}` : base;
  return tasks[id]?.hash ?? tasks[base]?.hash;
}

export async function dockerBuildExecutor(
  options: DockerBuildExecutorSchema,
  context: ExecutorContext,
  client: DockerClient = DockerClient.fromEnvironment(),
): Promise<{ success: boolean }> {
  try {
    const location = projectLocation(context);
    const normalized = normalizeBuildOptions(options, location, readGitInfo(location.workspaceRoot), process.env);
    const inputsHash = taskInputsHash(context);
    if (inputsHash) normalized.build.labels = { ...normalized.build.labels, [LABEL_INPUTS_HASH]: inputsHash };
    for (const skipped of normalized.skippedTags) {
      logger.info(`Skipping tag "${skipped.template}": no value for {${skipped.missing}} here.`);
    }

    await client.ping();
    const started = Date.now();
    const extras = await localModuleExtras(location, normalized.contextDir, context);
    if (extras) logger.info(`Adding the workspace modules it imports: ${extras.folders.map((folder) => relative(location.workspaceRoot, folder.dir)).join(', ')}`);
    const buildContext = createBuildContext(normalized.contextDir, normalized.dockerfileInContext, extras);
    const contextLabel = relative(location.workspaceRoot, normalized.contextDir) || '.';
    logger.info(`Building ${location.projectName} from ${contextLabel} on ${client.endpoint}`);
    const { imageId } = await client.buildImage(buildContext.stream, normalized.build, (event) => printEvent(event, normalized.build.quiet ?? false));
    const sent = await buildContext.done;

    // Tags move only now, after the engine reported a finished image.
    for (const tag of normalized.tags) await client.tagImage(imageId, tag);
    const image = await client.inspectImage(imageId);
    if (!image) throw new Error(`The engine reported image ${imageId} but cannot find it. Run the build again.`);
    const buildSeconds = (Date.now() - started) / 1000;

    const file = writeImageMetadata(location.workspaceRoot, location.projectRoot, {
      projectName: location.projectName,
      id: image.Id,
      tags: normalized.tags,
      size: image.Size,
      labels: image.Config?.Labels ?? {},
      dockerfile: normalized.dockerfileInContext,
      context: contextLabel,
      contextBytes: sent.bytes,
      contextFiles: sent.files,
      buildSeconds,
      builtAt: new Date().toISOString(),
      engine: client.endpoint,
      ...(inputsHash ? { inputsHash } : {}),
    });
    logger.info(
      [
        `Built ${location.projectName}: ${image.Id.slice(0, 19)} (${formatBytes(image.Size)}) in ${buildSeconds.toFixed(1)}s`,
        `  context: ${sent.files} files, ${formatBytes(sent.bytes)} sent`,
        `  tags:    ${normalized.tags.join(', ')}`,
        `  record:  ${relative(location.workspaceRoot, file) || imageMetadataPath(location.projectRoot)}`,
      ].join('\n'),
    );
    return { success: true };
  } catch (err) {
    logger.error(`docker-build failed for ${context.projectName ?? 'the project'}: ${(err as Error).message}`);
    return { success: false };
  }
}

export default async function runExecutor(options: DockerBuildExecutorSchema, context: ExecutorContext) {
  return dockerBuildExecutor(options, context);
}
