import { logger, type ExecutorContext } from '@nx/devkit';
import type { ImageInspectInfo } from 'dockerode';
import { dockerBuildExecutor } from '../executors/docker-build/docker-build';
import type { DockerBuildExecutorSchema } from '../executors/docker-build/schema';
import type { ProjectLocation } from '../utils/executor-context';
import { readImageMetadata, type ImageMetadata } from '../utils/image-metadata';
import { findPluginEntry, resolvePluginOptions } from '../utils/plugin-options';
import type { DockerClient } from './client';
import { engineAuthConfig, resolveRegistryCredentials, type ExplicitCredentialEnv } from './credentials';

/** Runs the project's docker-build target; by default the docker-build executor itself, in this process. */
export type RebuildImage = (options: DockerBuildExecutorSchema, context: ExecutorContext, client: DockerClient) => Promise<{ success: boolean }>;

export interface EnsureImageOptions {
  /** Environment for registry credentials (the Docker config), as docker-push reads it. */
  env?: NodeJS.ProcessEnv;
  /** Names of environment variables with registry credentials (docker-push's usernameEnv/passwordEnv). */
  credentials?: ExplicitCredentialEnv;
  rebuild?: RebuildImage;
}

export interface EnsuredImage {
  /** image.json as it is now (re-read after a rebuild). */
  metadata: ImageMetadata;
  image: ImageInspectInfo;
  /** How the image came to be in this engine. */
  source: 'present' | 'pulled' | 'rebuilt';
}

/** `127.0.0.1:5000/team/orders@sha256:…` → `127.0.0.1:5000`; Docker Hub for names without a registry part. */
export function registryHost(reference: string): string {
  const name = reference.split('@')[0];
  const first = name.split('/')[0];
  const isHost = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return isHost ? first : 'docker.io';
}

/**
 * Makes sure the image recorded in image.json is in this engine, for every executor that consumes it:
 * 1. the recorded id is in the engine → use it;
 * 2. else, when docker-push recorded digests, pull `repository@sha256:…` and check it is the same image id;
 * 3. else rebuild with the project's docker-build target, saying why, and use what it recorded;
 * 4. else fail, naming the build target to run. Never resolves without an image that is there.
 */
export async function ensureImage(client: DockerClient, context: ExecutorContext, location: ProjectLocation, options: EnsureImageOptions = {}): Promise<EnsuredImage> {
  const { projectName, projectRoot, workspaceRoot } = location;
  const metadata = readImageMetadata(workspaceRoot, projectRoot, projectName);
  const present = await client.inspectImage(metadata.id);
  if (present) return { metadata, image: present, source: 'present' };

  const shortId = metadata.id.slice(0, 19);
  const buildTarget = resolvePluginOptions(findPluginEntry(context.nxJsonConfiguration)?.options).dockerBuildTargetName;
  const runBuild = `nx run ${projectName}:${buildTarget} --skip-nx-cache`;
  const env = options.env ?? process.env;
  const pullFailures: string[] = [];

  for (const reference of metadata.repoDigests ?? []) {
    const host = registryHost(reference);
    try {
      const resolved = await resolveRegistryCredentials(host, env, options.credentials);
      await client.pullImage(reference, engineAuthConfig(host, resolved.credentials));
    } catch (err) {
      pullFailures.push(`${reference}: ${(err as Error).message}`);
      continue;
    }
    const pulled = await client.inspectImage(reference);
    if (!pulled) {
      pullFailures.push(`${reference}: the engine pulled it but cannot find it`);
      continue;
    }
    if (pulled.Id !== metadata.id) {
      throw new Error(
        `Pulled ${reference}, but it is image ${pulled.Id.slice(0, 19)}, not ${shortId} recorded for ${projectName} in image.json. ` +
          `The registry or the record was changed since the push. Run "${runBuild}" (and push again).`,
      );
    }
    logger.info(`${projectName}: pulled ${reference} (the recorded image was not in this engine) into ${client.endpoint}.`);
    return { metadata, image: pulled, source: 'pulled' };
  }

  const why =
    pullFailures.length > 0
      ? `the recorded image ${metadata.id} is not in this engine and could not be pulled (${pullFailures.join('; ')}); rebuilding`
      : `the recorded image ${metadata.id} is not in this engine and was never pushed; rebuilding`;
  logger.info(`${projectName}: ${why} with ${projectName}:${buildTarget}.`);
  const target = context.projectsConfigurations?.projects[projectName]?.targets?.[buildTarget];
  const rebuild = options.rebuild ?? dockerBuildExecutor;
  let built = { success: false };
  if (target) {
    built = await rebuild((target.options ?? {}) as DockerBuildExecutorSchema, { ...context, targetName: buildTarget, configurationName: undefined }, client);
  }
  if (built.success) {
    const rebuilt = readImageMetadata(workspaceRoot, projectRoot, projectName);
    const image = await client.inspectImage(rebuilt.id);
    if (image) return { metadata: rebuilt, image, source: 'rebuilt' };
  }
  const reason = !target ? `${projectName} has no "${buildTarget}" target to rebuild it with` : built.success ? 'the rebuild reported success but its image is not in the engine' : 'the rebuild failed (see above)';
  throw new Error(
    `Image ${shortId} recorded for ${projectName} is not in the Docker engine at ${client.endpoint}` +
      `${pullFailures.length > 0 ? ', could not be pulled by digest' : ' and was never pushed'}, and ${reason}. Run "${runBuild}".`,
  );
}
