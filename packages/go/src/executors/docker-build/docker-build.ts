import { logger, type ExecutorContext } from '@nx/devkit';
import { relative } from 'node:path';
import { createBuildContext, DockerClient, type ProgressEvent } from '../../docker';
import { projectLocation } from '../../utils/executor-context';
import { formatBytes } from '../../utils/format';
import { readGitInfo } from '../../utils/git';
import { imageMetadataPath, writeImageMetadata } from '../../utils/image-metadata';
import { normalizeBuildOptions } from './lib/normalize-options';
import type { DockerBuildExecutorSchema } from './schema';

/** Writes the engine's build output as it arrives. */
function printEvent(event: ProgressEvent, quiet: boolean): void {
  if (quiet) return;
  if (event.stream) process.stdout.write(event.stream);
  else if (event.status) process.stdout.write(`${event.status}${event.progress ? ` ${event.progress}` : ''}\n`);
}

export async function dockerBuildExecutor(
  options: DockerBuildExecutorSchema,
  context: ExecutorContext,
  client: DockerClient = DockerClient.fromEnvironment(),
): Promise<{ success: boolean }> {
  try {
    const location = projectLocation(context);
    const normalized = normalizeBuildOptions(options, location, readGitInfo(location.workspaceRoot), process.env);
    for (const skipped of normalized.skippedTags) {
      logger.info(`Skipping tag "${skipped.template}": no value for {${skipped.missing}} here.`);
    }

    await client.ping();
    const started = Date.now();
    const buildContext = createBuildContext(normalized.contextDir, normalized.dockerfileInContext);
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
