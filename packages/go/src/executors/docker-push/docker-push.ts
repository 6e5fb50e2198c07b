import { logger, type ExecutorContext } from '@nx/devkit';
import {
  DockerClient,
  DockerError,
  dockerConfigPath,
  engineAuthConfig,
  RegistryClient,
  RegistryError,
  registryScheme,
  resolveRegistryCredentials,
  type ProgressEvent,
} from '../../docker';
import { ensureImage } from '../../docker/ensure-image';
import { createTag, dirtyFiles, headSha, tagCommit } from '../../release/git';
import { readTagsFile, type TagsFile } from '../../release/tags-file';
import { projectLocation, type ProjectLocation } from '../../utils/executor-context';
import { readImageMetadata, writePushRecord } from '../../utils/image-metadata';
import { localDigest, mergeRepoDigests, pushDecision, pushTargets, type PushTarget } from './lib/decide';
import { withRetries, type RetryPolicy } from './lib/retry';
import type { DockerPushExecutorSchema } from './schema';

interface RegistrySession {
  host: string;
  registry: RegistryClient;
  /** X-Registry-Auth for the engine. */
  auth: Record<string, string>;
  source: string;
}

const isRetryable = (err: unknown) => err instanceof RegistryError && err.retryable;

function credentialsMessage(session: Pick<RegistrySession, 'host' | 'source'>, err: RegistryError, env: NodeJS.ProcessEnv): string {
  const from = session.source === 'none' ? `No credentials for ${session.host} were found in ${dockerConfigPath(env)} (auths, credHelpers, credsStore).` : `Credentials came from ${session.source}.`;
  return (
    `${err.message} ${from} Log in with "docker login ${session.host}" (or configure its credential helper), ` +
    'or set usernameEnv/passwordEnv to the names of environment variables that hold a user and password allowed to push.'
  );
}

/** Prints the lines of the engine's push output worth reading: per-layer results and retries, not progress bars. */
function pushPrinter(prefix: string, quiet: boolean): (event: ProgressEvent) => void {
  const retrying = new Set<string>();
  return (event) => {
    if (quiet || !event.status) return;
    const layer = event.id ?? '';
    if (event.status.startsWith('Retrying in')) {
      if (!retrying.has(layer)) process.stdout.write(`${prefix}${layer}: ${event.status} (the engine retries the upload)\n`);
      retrying.add(layer);
      return;
    }
    retrying.delete(layer);
    if (event.status === 'Pushed' || event.status === 'Layer already exists' || event.status.startsWith('Mounted from')) {
      process.stdout.write(`${prefix}${layer}: ${event.status}\n`);
    }
  };
}

/** Checks the git tag can be made, before anything is pushed; undefined when there is nothing to create. */
function prepareGitTag(location: ProjectLocation, plan: TagsFile): string | undefined {
  if (!plan.gitTag) {
    logger.info(
      plan.gitSha ? `No git tag: ${plan.version} is a development build.` : `No git tag: ${location.workspaceRoot} is not a git repository.`,
    );
    return undefined;
  }
  const cwd = location.workspaceRoot;
  const head = headSha(cwd);
  if (head !== plan.gitSha) {
    throw new Error(
      `HEAD is ${head?.slice(0, 7) ?? 'unknown'}, but the image was tagged at ${plan.gitSha?.slice(0, 7)}. Run "nx run ${location.projectName}:docker-tag" again before creating ${plan.gitTag}.`,
    );
  }
  const dirty = dirtyFiles(cwd);
  if (dirty.length > 0) {
    throw new Error(
      `Refusing to create git tag ${plan.gitTag}: the working tree has uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}). Commit or stash them, rebuild, and run again.`,
    );
  }
  const existing = tagCommit(cwd, plan.gitTag);
  if (existing && existing !== plan.gitSha) {
    throw new Error(`Git tag ${plan.gitTag} already exists at ${existing.slice(0, 7)}, not at ${plan.gitSha?.slice(0, 7)}. A released version is not moved; release a new version.`);
  }
  if (existing) {
    logger.info(`Git tag ${plan.gitTag} is already at ${existing.slice(0, 7)}.`);
    return undefined;
  }
  return plan.gitTag;
}

export async function dockerPushExecutor(
  options: DockerPushExecutorSchema,
  context: ExecutorContext,
  client: DockerClient = DockerClient.fromEnvironment(options.engine),
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ success: boolean }> {
  try {
    const location = projectLocation(context);
    const policy: RetryPolicy = { retries: options.retries ?? 3, delayMs: (options.retryDelay ?? 2) * 1000 };
    if (!Number.isInteger(policy.retries) || policy.retries < 0) throw new Error(`retries must be a whole number ≥ 0 (got ${options.retries}).`);
    if (!(policy.delayMs >= 0)) throw new Error(`retryDelay must be ≥ 0 seconds (got ${options.retryDelay}).`);
    const metadata = readImageMetadata(location.workspaceRoot, location.projectRoot, location.projectName);
    const plan = readTagsFile(location.workspaceRoot, location.projectRoot, location.projectName, metadata.id);
    const gitTagToCreate = options.gitTag ? prepareGitTag(location, plan) : undefined;
    const targets = pushTargets(plan.repository, plan.tags);
    if (targets.some((target) => target.host === 'docker.io' && target.path.startsWith('library/'))) {
      throw new Error(
        `${plan.repository} names no registry, so it would go to Docker Hub's official images. Set "registry" (e.g. registry.example.com) or a "repository" with an owner (e.g. acme/${location.projectName}) on docker-tag, and tag again.`,
      );
    }
    const onRetry = (what: string) => (err: unknown, attempt: number, delayMs: number) =>
      logger.warn(`${what} failed (${(err as Error).message.replace(/\.$/, '')}); retry ${attempt}/${policy.retries} in ${(delayMs / 1000).toFixed(1)}s.`);

    // The engine must still have every tag on the image docker-tag tagged.
    await client.ping();
    const ensured = await ensureImage(client, context, location, { env, credentials: { usernameEnv: options.usernameEnv, passwordEnv: options.passwordEnv } });
    for (const target of targets) {
      let image = await client.inspectImage(target.reference);
      if (!image && ensured.source === 'pulled' && ensured.image.Id === plan.imageId) {
        // Pulled by digest, the image came back without the plan's tags: put them back.
        await client.tagImage(plan.imageId, target.reference);
        image = ensured.image;
      }
      if (image?.Id !== plan.imageId) {
        throw new Error(
          `${target.reference} ${image ? `now points at ${image.Id.slice(0, 19)}` : 'is not in the engine'}, not at ${plan.imageId.slice(0, 19)}. Run "nx run ${location.projectName}:docker-tag" again.`,
        );
      }
    }

    // Credentials are checked against every registry before the first push: a 401/403 fails here.
    const insecure = await client.insecureRegistries();
    const sessions = new Map<string, RegistrySession>();
    for (const target of targets) {
      if (sessions.has(target.host)) continue;
      const resolved = await resolveRegistryCredentials(target.host, env, { usernameEnv: options.usernameEnv, passwordEnv: options.passwordEnv });
      const session: RegistrySession = {
        host: target.host,
        registry: new RegistryClient(target.host, { scheme: registryScheme(target.host, insecure), credentials: resolved.credentials }),
        auth: engineAuthConfig(target.host, resolved.credentials),
        source: resolved.source,
      };
      try {
        await withRetries(() => session.registry.checkAccess(target.path), policy, isRetryable, onRetry(`Reaching ${target.host}`));
      } catch (err) {
        if (err instanceof RegistryError && err.kind === 'auth') throw new Error(credentialsMessage(session, err, env));
        throw err;
      }
      logger.info(`${target.host}: ${session.source === 'none' ? 'no credentials needed' : `credentials from ${session.source}`}`);
      sessions.set(target.host, session);
    }

    const image = await client.inspectImage(plan.imageId);
    const digests = new Map<string, string | undefined>();
    const localOf = (target: PushTarget) => digests.get(target.repository) ?? localDigest(image?.RepoDigests, target.repository);
    const pushed: { reference: string; repository: string; digest: string; skipped: boolean }[] = [];

    logger.info(`Pushing ${plan.projectName} ${plan.version}: ${targets.filter((t) => !t.mutable).length} immutable tag(s) first, then ${targets.filter((t) => t.mutable).length} moving.`);
    for (const target of targets) {
      const session = sessions.get(target.host) as RegistrySession;
      const remote = await withRetries(() => session.registry.manifestDigest(target.path, target.tag), policy, isRetryable, onRetry(`Reading ${target.reference}`));
      const local = localOf(target);
      if (pushDecision(remote, local) === 'skip') {
        logger.info(`  ${target.reference}: up to date (${(remote as string).slice(0, 19)})`);
        pushed.push({ reference: target.reference, repository: target.repository, digest: remote as string, skipped: true });
        continue;
      }
      if (options.dryRun) {
        logger.info(`  ${target.reference}: would push${remote ? ` (registry has ${remote.slice(0, 19)})` : ''}`);
        continue;
      }
      const { digest } = await withRetries(
        async () => {
          try {
            return await client.pushImage(target.reference, session.auth, pushPrinter('    ', options.quiet ?? false));
          } catch (err) {
            throw await classifyPushFailure(err, session, target.path, env);
          }
        },
        policy,
        isRetryable,
        onRetry(`Pushing ${target.reference}`),
      );
      const stored = await withRetries(() => session.registry.manifestDigest(target.path, target.tag), policy, isRetryable, onRetry(`Reading ${target.reference}`));
      if (stored !== digest) {
        throw new Error(`After pushing ${target.reference} the registry has ${stored ?? 'no such tag'}, not ${digest}. Another push to this tag may be running; run again.`);
      }
      digests.set(target.repository, digest);
      pushed.push({ reference: target.reference, repository: target.repository, digest, skipped: false });
      logger.info(`  ${target.reference}: pushed ${digest.slice(0, 19)}${target.mutable ? ' (moving)' : ''}`);
    }
    if (options.dryRun) {
      logger.info('Dry run: nothing pushed.');
      return { success: true };
    }

    const repoDigests = mergeRepoDigests(metadata.repoDigests, pushed);
    // A file of its own, not image.json: docker-build's cached output comes back without it on every replay.
    writePushRecord(location.workspaceRoot, location.projectRoot, {
      projectName: metadata.projectName,
      id: metadata.id,
      repoDigests,
      digests: { ...metadata.digests, ...Object.fromEntries(pushed.map((entry) => [entry.reference, entry.digest])) },
      pushedAt: new Date().toISOString(),
    });
    if (gitTagToCreate) {
      createTag(location.workspaceRoot, gitTagToCreate, plan.gitSha as string);
      logger.info(`Created git tag ${gitTagToCreate} at ${plan.gitSha?.slice(0, 7)}. Publish it with: git push origin ${gitTagToCreate}`);
    }
    const fresh = pushed.filter((entry) => !entry.skipped).length;
    logger.info(`Pushed ${plan.projectName} ${plan.version}: ${fresh} pushed, ${pushed.length - fresh} already up to date. Pull by digest: ${repoDigests.join(', ')}`);
    return { success: true };
  } catch (err) {
    logger.error(`docker-push failed for ${context.projectName ?? 'the project'}: ${(err as Error).message}`);
    return { success: false };
  }
}

/**
 * The engine reports a failed push as text in its stream. Whether to retry is decided by asking the
 * registry itself: unreachable or 5xx → retry; 401/403 → fix the credentials; answering fine → the push
 * failed for another reason, and a retry would not help.
 */
async function classifyPushFailure(err: unknown, session: RegistrySession, path: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  if (!(err instanceof DockerError) || err.kind === 'unreachable') return err;
  try {
    await session.registry.checkAccess(path);
  } catch (probe) {
    if (probe instanceof RegistryError) {
      if (probe.kind === 'auth') return new Error(credentialsMessage(session, probe, env));
      return new RegistryError(`${err.message} (${probe.message})`, probe.kind, probe.statusCode, probe.code);
    }
  }
  return err;
}

export default async function runExecutor(options: DockerPushExecutorSchema, context: ExecutorContext) {
  return dockerPushExecutor(options, context);
}
