import { logger, type ExecutorContext } from '@nx/devkit';
import type { ImageInspectInfo } from 'dockerode';
import { join } from 'node:path';
import { dockerBuildExecutor } from '../executors/docker-build/docker-build';
import type { DockerBuildExecutorSchema } from '../executors/docker-build/schema';
import type { ProjectLocation } from '../utils/executor-context';
import { fullRepository } from '../release/tag-set';
import { tagsFilePath, type TagsFile } from '../release/tags-file';
import { registryHostOf } from '../utils/image-reference';
import { readImageMetadata, type ImageMetadata } from '../utils/image-metadata';
import { readJsonFile } from '../utils/json-file';
import { findPluginEntry, resolvePluginOptions } from '../utils/plugin-options';
import type { DockerClient } from './client';
import { engineAuthConfig, resolveRegistryCredentials, type ExplicitCredentialEnv } from './credentials';
import { RegistryClient, registryScheme } from './registry';

/** Runs the project's docker-build target; by default the docker-build executor itself, in this process. */
export type RebuildImage = (options: DockerBuildExecutorSchema, context: ExecutorContext, client: DockerClient) => Promise<{ success: boolean }>;

export interface EnsureImageOptions {
  /** Environment for registry credentials (the Docker config), as docker-push reads it. */
  env?: NodeJS.ProcessEnv;
  /** Names of environment variables with registry credentials (docker-push's usernameEnv/passwordEnv). */
  credentials?: ExplicitCredentialEnv;
  rebuild?: RebuildImage;
  /**
   * Registry references (`host/repo:tag`) that may hold the image, looked at first when the image has
   * no push record here: docker-tag passes the tags it is about to apply.
   */
  registryTags?: string[];
}

/** Where to look for an image in registries: a repository and the tags to look at first. */
export interface RegistrySearch {
  repository: string;
  host: string;
  path: string;
  tags: string[];
}

/** At most this many of a repository's other tags are looked at (their manifests are small). */
export const MAX_LISTED_TAGS = 50;

/**
 * Repositories that may hold a project's image although this machine has no record of a push (a fresh
 * runner with a restored Nx cache): those named by `registryTags`, by the tag plan (tags.json) and by the
 * docker-tag target's registry/repository options. Only repositories on a named registry: a bare name
 * would mean Docker Hub's official images.
 */
export function registrySearchPlan(input: { projectName: string; registryTags?: string[]; tagsFile?: Partial<TagsFile>; tagOptions?: { registry?: string; repository?: string } }): RegistrySearch[] {
  const searches = new Map<string, RegistrySearch>();
  const add = (repository: string, tags: string[]) => {
    const { host, path } = registryHostOf(repository);
    if (host === 'docker.io' && !repository.startsWith('docker.io/')) return;
    const search = searches.get(repository) ?? { repository, host, path, tags: [] };
    for (const tag of tags) if (!search.tags.includes(tag)) search.tags.push(tag);
    searches.set(repository, search);
  };
  for (const reference of input.registryTags ?? []) {
    const colon = reference.lastIndexOf(':');
    if (colon > reference.lastIndexOf('/')) add(reference.slice(0, colon), [reference.slice(colon + 1)]);
  }
  if (typeof input.tagsFile?.repository === 'string') add(input.tagsFile.repository, (input.tagsFile.tags ?? []).map((tag) => tag.tag));
  if (input.tagOptions?.registry || input.tagOptions?.repository?.includes('/')) {
    add(fullRepository(input.projectName, input.tagOptions.registry, input.tagOptions.repository), []);
  }
  return [...searches.values()];
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
  return registryHostOf(reference.split('@')[0]).host;
}

/**
 * Makes sure the image recorded in image.json is in this engine, for every executor that consumes it:
 * 1. the recorded id is in the engine → use it;
 * 2. else, when docker-push recorded digests (push.json), pull `repository@sha256:…` and check it is the same image id;
 *    with no record here, look for a tag whose manifest's config is this image id in the repositories of the
 *    tag plan and the docker-tag options, and pull that by digest;
 * 3. else rebuild with the project's docker-build target, saying why, and use what it recorded;
 * 4. else fail, naming the build target to run. Never resolves without an image that is there.
 */
export async function ensureImage(client: DockerClient, context: ExecutorContext, location: ProjectLocation, options: EnsureImageOptions = {}): Promise<EnsuredImage> {
  const { projectName, projectRoot, workspaceRoot } = location;
  const metadata = readImageMetadata(workspaceRoot, projectRoot, projectName);
  const present = await client.inspectImage(metadata.id);
  if (present) return { metadata, image: present, source: 'present' };

  const shortId = metadata.id.slice(0, 19);
  const pluginOptions = resolvePluginOptions(findPluginEntry(context.nxJsonConfiguration)?.options);
  const buildTarget = pluginOptions.dockerBuildTargetName;
  const runBuild = `nx run ${projectName}:${buildTarget} --skip-nx-cache`;
  const env = options.env ?? process.env;
  const pullFailures: string[] = [];

  /** Pulls `repository@sha256:…`; the image must be the recorded one. */
  const pull = async (reference: string, how: string): Promise<ImageInspectInfo | undefined> => {
    const host = registryHost(reference);
    try {
      const resolved = await resolveRegistryCredentials(host, env, options.credentials);
      await client.pullImage(reference, engineAuthConfig(host, resolved.credentials));
    } catch (err) {
      pullFailures.push(`${reference}: ${(err as Error).message}`);
      return undefined;
    }
    const pulled = await client.inspectImage(reference);
    if (!pulled) {
      pullFailures.push(`${reference}: the engine pulled it but cannot find it`);
      return undefined;
    }
    if (pulled.Id !== metadata.id) {
      throw new Error(
        `Pulled ${reference}, but it is image ${pulled.Id.slice(0, 19)}, not ${shortId} recorded for ${projectName} in image.json. ` +
          `The registry or the record was changed since the push. Run "${runBuild}" (and push again).`,
      );
    }
    logger.info(`${projectName}: pulled ${reference} (the recorded image was not in this engine; ${how}) into ${client.endpoint}.`);
    return pulled;
  };

  for (const reference of metadata.repoDigests ?? []) {
    const pulled = await pull(reference, 'digest from the push record');
    if (pulled) return { metadata, image: pulled, source: 'pulled' };
  }

  // No push record here (a fresh runner with a restored Nx cache): look for the image by its id in the
  // repositories it is tagged into, without pulling anything that is not it.
  let searches: RegistrySearch[] = [];
  if ((metadata.repoDigests ?? []).length === 0) {
    const tagTarget = context.projectsConfigurations?.projects[projectName]?.targets?.[pluginOptions.dockerTagTargetName];
    searches = registrySearchPlan({
      projectName,
      registryTags: options.registryTags,
      tagsFile: readJsonFile<Partial<TagsFile>>(join(workspaceRoot, tagsFilePath(projectRoot))),
      tagOptions: tagTarget?.options as { registry?: string; repository?: string } | undefined,
    });
    // The engine's insecure-registries setting, read once for all the searches (and only if there are any).
    let settings: Promise<{ cidrs: string[]; hosts: string[] }> | undefined;
    const insecure = () => (settings ??= client.insecureRegistries());
    for (const search of searches) {
      const found = await findInRegistry(search, insecure, metadata.id, env, options.credentials, pullFailures);
      if (!found) continue;
      const pulled = await pull(`${search.repository}@${found.digest}`, `found in the registry as ${search.repository}:${found.tag}`);
      if (pulled) return { metadata, image: pulled, source: 'pulled' };
    }
  }

  const why =
    pullFailures.length > 0
      ? `the recorded image ${metadata.id} is not in this engine and could not be pulled (${pullFailures.join('; ')}); rebuilding`
      : searches.length > 0
        ? `the recorded image ${metadata.id} is not in this engine, has no push record here, and no tag of its registry repositories holds it; rebuilding`
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

/**
 * The first tag of `search.repository` whose manifest describes the image `imageId` (a manifest's config
 * digest is the image id): the tags named first, then up to MAX_LISTED_TAGS others. A registry that
 * cannot be read adds a line to `failures` and finds nothing.
 */
async function findInRegistry(
  search: RegistrySearch,
  insecure: () => Promise<{ cidrs: string[]; hosts: string[] }>,
  imageId: string,
  env: NodeJS.ProcessEnv,
  credentials: ExplicitCredentialEnv | undefined,
  failures: string[],
): Promise<{ tag: string; digest: string } | undefined> {
  try {
    const resolved = await resolveRegistryCredentials(search.host, env, credentials);
    const registry = new RegistryClient(search.host, { scheme: registryScheme(search.host, await insecure()), credentials: resolved.credentials, timeoutMs: 10_000 });
    const listed = (await registry.listTags(search.path)).filter((tag) => !search.tags.includes(tag)).slice(0, MAX_LISTED_TAGS);
    for (const tag of [...search.tags, ...listed]) {
      const manifest = await registry.manifestConfig(search.path, tag);
      if (manifest?.config === imageId) return { tag, digest: manifest.digest };
    }
    return undefined;
  } catch (err) {
    failures.push(`${search.repository}: ${(err as Error).message}`);
    return undefined;
  }
}
