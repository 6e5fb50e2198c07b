import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BuildInterruptedError, createBuildContext, DockerClient, type ContextExtras } from '../../docker';
import { biggestEntries, type ContextTotals } from '../../docker/build-context';
import { BuildProgress, formatBuildSummary, progressStyle, type BuildSummary } from '../../docker/progress';
import { parseGoMod } from '../../graph/go-mod';
import type { GoProjectMetadata } from '../../plugins/project-node';
import { loadPluginResults } from '../../plugins/results';
import { FALLBACK_GO_VERSION, LABEL_INPUTS_HASH } from '../../utils/constants';
import { projectLocation, type ProjectLocation } from '../../utils/executor-context';
import { findPluginEntry, resolvePluginOptions } from '../../utils/plugin-options';
import { formatBytes } from '../../utils/format';
import { readGitInfo } from '../../utils/git';
import { imageMetadataPath, writeImageMetadata, type ImageMetadata } from '../../utils/image-metadata';
import { normalizeBuildOptions, type NormalizedBuildOptions } from './lib/normalize-options';
import { assertPinnedBases } from './lib/base-images';
import { interruptedBuildPath, recordInterruptedBuild, removeInterruptedBuildLeftovers } from './lib/interrupted-build';
import { buildPrebuiltImage } from './lib/prebuilt';
import { workspaceContextExtras } from './lib/workspace-context';
import type { DockerBuildExecutorSchema } from './schema';

export type BuildMode = 'multistage' | 'prebuilt';
export const BUILD_MODES: readonly BuildMode[] = ['multistage', 'prebuilt'];
/** Default of `contextWarnBytes`: a context bigger than this usually carries what the image does not need. */
export const CONTEXT_WARN_BYTES = 50_000_000;

/** The warning for a big context, naming its biggest entries; undefined when the context is within `threshold` (0: never warn). */
export function contextSizeWarning(totals: ContextTotals, threshold: number, dockerignore: string): string | undefined {
  if (threshold <= 0 || totals.bytes <= threshold) return undefined;
  const biggest = biggestEntries(totals.byEntry)
    .map(({ entry, bytes }) => `${entry} (${formatBytes(bytes)})`)
    .join(', ');
  return (
    `The build context is ${formatBytes(totals.bytes)} (${totals.files} files), more than ${formatBytes(threshold)}. Biggest entries: ${biggest}. ` +
    `Add what the image does not need to ${dockerignore}, or raise "contextWarnBytes".`
  );
}

interface BuiltImage {
  imageId: string;
  sentBytes: number;
  files: number;
  summary: Pick<BuildSummary, 'cache' | 'note' | 'sent'>;
}

/** The classic Dockerfile build in the engine, with progress a person can follow. */
async function buildMultistage(
  client: DockerClient,
  normalized: NormalizedBuildOptions,
  options: DockerBuildExecutorSchema,
  location: ProjectLocation,
  context: ExecutorContext,
): Promise<BuiltImage> {
  const extras = await localModuleExtras(location, normalized.contextDir, context);
  if (extras) logger.info(`Adding the workspace modules it imports: ${extras.folders.map((folder) => relative(location.workspaceRoot, folder.dir)).join(', ')}`);
  const buildContext = createBuildContext(normalized.contextDir, normalized.dockerfileInContext, extras);
  const contextLabel = relative(location.workspaceRoot, normalized.contextDir) || '.';
  logger.info(`Building ${location.projectName} from ${contextLabel} on ${client.endpoint}`);
  const quiet = normalized.build.quiet ?? false;
  const progress = new BuildProgress(progressStyle(quiet));
  let imageId: string;
  try {
    ({ imageId } = await client.buildImage(buildContext.stream, normalized.build, (event) => progress.onEvent(event)));
  } catch (err) {
    progress.finish();
    const failure = progress.describeFailure((err as { statusCode?: number }).statusCode, quiet);
    let message = (err as Error).message;
    if (err instanceof BuildInterruptedError && err.leftoverContainers.length > 0) {
      // The engine is gone: its step container is removed by the next build on it.
      const ids = err.leftoverContainers.map((id) => id.slice(0, 12)).join(', ');
      try {
        recordInterruptedBuild(interruptedBuildPath(location.workspaceRoot, location.projectRoot), client.endpoint, err.leftoverContainers);
        message += ` The build container it was running (${ids}) stays in the engine until the next docker-build of ${location.projectName} removes it.`;
      } catch (recordError) {
        message += ` The build container it was running stays in the engine: remove it with docker rm -f ${ids} (it could not be recorded for the next build: ${(recordError as Error).message}).`;
      }
    }
    throw new Error(failure ? `${message}\n${failure}` : message);
  }
  progress.finish();
  const sent = await buildContext.done;
  const warning = contextSizeWarning(sent, options.contextWarnBytes ?? CONTEXT_WARN_BYTES, relative(location.workspaceRoot, join(normalized.contextDir, '.dockerignore')));
  if (warning) logger.warn(warning);
  return { imageId, sentBytes: sent.bytes, files: sent.files, summary: { cache: { hits: progress.cacheHits, steps: progress.totalSteps }, sent: 'context' } };
}

/** The binary compiled on the host and the runtime image assembled and loaded without a Dockerfile build. */
async function buildPrebuilt(client: DockerClient, normalized: NormalizedBuildOptions, options: DockerBuildExecutorSchema, location: ProjectLocation): Promise<BuiltImage> {
  const ignored = (['target', 'noCache', 'network'] as const).filter((name) => options[name] !== undefined && options[name] !== false);
  if (ignored.length > 0) logger.info(`prebuilt mode runs no Dockerfile build: ignoring ${ignored.join(', ')}.`);
  const quiet = normalized.build.quiet ?? false;
  logger.info(`Building ${location.projectName} (prebuilt: go build on this machine) for ${client.endpoint}`);
  const result = await buildPrebuiltImage({
    client,
    workspaceRoot: location.workspaceRoot,
    contextDir: normalized.contextDir,
    dockerfilePath: join(normalized.contextDir, normalized.dockerfileInContext),
    buildArgs: normalized.build.buildArgs ?? {},
    labels: normalized.build.labels ?? {},
    platform: normalized.build.platform,
    pull: normalized.build.pull ?? false,
    env: process.env,
    log: (line) => {
      if (!quiet) process.stdout.write(`${line}\n`);
    },
  });
  return {
    imageId: result.imageId,
    sentBytes: result.archiveBytes,
    files: result.files,
    summary: { sent: 'archive', note: `prebuilt, go build ${result.goBuildSeconds.toFixed(1)}s` },
  };
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
  client: DockerClient = DockerClient.fromEnvironment(options.engine),
): Promise<{ success: boolean }> {
  try {
    const location = projectLocation(context);
    const normalized = normalizeBuildOptions(options, location, readGitInfo(location.workspaceRoot), process.env);
    const inputsHash = taskInputsHash(context);
    if (inputsHash) normalized.build.labels = { ...normalized.build.labels, [LABEL_INPUTS_HASH]: inputsHash };
    for (const skipped of normalized.skippedTags) {
      logger.info(`Skipping tag "${skipped.template}": no value for {${skipped.missing}} here.`);
    }

    const mode = options.mode ?? 'multistage';
    if (!BUILD_MODES.includes(mode)) throw new Error(`Unknown mode "${mode}". Use "multistage" or "prebuilt".`);
    if (options.requirePinnedBase) {
      const dockerfile = join(normalized.contextDir, normalized.dockerfileInContext);
      assertPinnedBases(readFileSync(dockerfile, 'utf8'), relative(location.workspaceRoot, dockerfile), normalized.build.buildArgs ?? {});
    }

    await client.ping();
    const leftovers = await removeInterruptedBuildLeftovers(client, interruptedBuildPath(location.workspaceRoot, location.projectRoot));
    if (leftovers.length > 0) logger.info(`Removed the build container ${leftovers.join(', ')} left in ${client.endpoint} by a build the engine lost.`);
    const started = Date.now();
    const contextLabel = relative(location.workspaceRoot, normalized.contextDir) || '.';
    const built = mode === 'prebuilt' ? await buildPrebuilt(client, normalized, options, location) : await buildMultistage(client, normalized, options, location, context);

    // Tags move only now, after the engine reported a finished image, and move back if it cannot be recorded.
    const previous = new Map<string, string | undefined>();
    for (const tag of normalized.tags) previous.set(tag, (await client.inspectImage(tag))?.Id);
    const restoreTags = async () => {
      for (const [tag, id] of previous) {
        try {
          if (id) await client.tagImage(id, tag);
          else await client.removeImage(tag);
        } catch (restoreError) {
          logger.warn(`Could not put ${tag} back${id ? ` on ${id.slice(0, 19)}` : ''}: ${(restoreError as Error).message}`);
        }
      }
    };
    let image: Awaited<ReturnType<DockerClient['inspectImage']>>;
    try {
      for (const tag of normalized.tags) await client.tagImage(built.imageId, tag);
      image = await client.inspectImage(built.imageId);
      if (!image) throw new Error(`The engine reported image ${built.imageId} but cannot find it. Run the build again.`);
    } catch (err) {
      await restoreTags();
      throw err;
    }
    const buildSeconds = (Date.now() - started) / 1000;

    const metadata: ImageMetadata = {
      projectName: location.projectName,
      id: image.Id,
      tags: normalized.tags,
      size: image.Size,
      labels: image.Config?.Labels ?? {},
      dockerfile: normalized.dockerfileInContext,
      context: contextLabel,
      contextBytes: built.sentBytes,
      contextFiles: built.files,
      buildSeconds,
      builtAt: new Date().toISOString(),
      engine: client.endpoint,
      ...(inputsHash ? { inputsHash } : {}),
      mode,
    };
    let file: string;
    try {
      file = writeImageMetadata(location.workspaceRoot, location.projectRoot, metadata);
    } catch (err) {
      await restoreTags();
      throw new Error(
        `The image ${image.Id.slice(0, 19)} was built, but it cannot be recorded in ${imageMetadataPath(location.projectRoot)}: ${(err as Error).message}. ` +
          `The record and the tags are as they were before this build. Free some space (or fix the folder's permissions) and run the build again.`,
      );
    }
    const summary = formatBuildSummary({
      image: normalized.tags[0] ?? image.Id,
      id: image.Id,
      size: image.Size,
      layers: image.RootFS?.Layers?.length ?? 0,
      seconds: buildSeconds,
      sentBytes: built.sentBytes,
      ...built.summary,
    });
    logger.info(
      [
        summary,
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
