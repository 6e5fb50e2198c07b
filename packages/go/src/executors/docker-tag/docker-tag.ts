import { logger, type ExecutorContext } from '@nx/devkit';
import { relative } from 'node:path';
import { DockerClient } from '../../docker';
import { ensureImage } from '../../docker/ensure-image';
import { branchFromCi } from '../../release/ci-branch';
import { dirtyFiles, gitReader, type GitReader } from '../../release/git';
import { resolveProjectVersion } from '../../release/project-version';
import type { NxReleaseLike } from '../../release/tag-patterns';
import { planTags } from '../../release/tag-set';
import { tagsFilePath, writeTagsFile, type TagsFile } from '../../release/tags-file';
import { projectLocation } from '../../utils/executor-context';
import { readImageMetadata } from '../../utils/image-metadata';
import { normalizeTagOptions } from './lib/normalize-options';
import { buildTagPlan, describePlan } from './lib/plan';
import type { DockerTagExecutorSchema } from './schema';

/**
 * Points every tag of the plan at the image. A tag that fails puts the tags already moved back where
 * they were, so the engine is left as it was found.
 */
async function applyTags(client: DockerClient, plan: TagsFile): Promise<{ moved: number; unchanged: number }> {
  const before = new Map<string, string | undefined>();
  for (const tag of plan.tags) before.set(tag.reference, (await client.inspectImage(tag.reference))?.Id);
  const moved: string[] = [];
  try {
    for (const tag of plan.tags) {
      if (before.get(tag.reference) === plan.imageId) continue;
      await client.tagImage(plan.imageId, tag.reference);
      moved.push(tag.reference);
    }
  } catch (err) {
    for (const reference of moved.reverse()) {
      const previous = before.get(reference);
      try {
        if (previous) await client.tagImage(previous, reference);
        else if (((await client.inspectImage(plan.imageId))?.RepoTags?.length ?? 0) > 1) await client.removeImage(reference);
      } catch (restoreError) {
        logger.warn(`Could not put ${reference} back: ${(restoreError as Error).message}`);
      }
    }
    throw err;
  }
  return { moved: moved.length, unchanged: plan.tags.length - moved.length };
}

export async function dockerTagExecutor(
  options: DockerTagExecutorSchema,
  context: ExecutorContext,
  client: DockerClient = DockerClient.fromEnvironment(options.engine),
  env: NodeJS.ProcessEnv = process.env,
  git: (cwd: string) => GitReader = gitReader,
): Promise<{ success: boolean }> {
  try {
    // Everything is computed and checked before the first tag moves.
    const location = projectLocation(context);
    const normalized = normalizeTagOptions(options, location.projectName);
    const metadata = readImageMetadata(location.workspaceRoot, location.projectRoot, location.projectName);
    const version = resolveProjectVersion(
      {
        projectName: location.projectName,
        projectRoot: location.projectRoot,
        explicit: normalized.explicitVersion,
        sources: normalized.sources,
        release: normalized.release,
        releaseBranches: normalized.releaseBranches,
        devPrerelease: normalized.devPrerelease,
        initialVersion: normalized.initialVersion,
        gitTagPatterns: normalized.gitTagPatterns,
        nxRelease: (context.nxJsonConfiguration as { release?: NxReleaseLike } | undefined)?.release,
        branch: normalized.branch,
        fallbackBranch: branchFromCi(env),
      },
      git(location.workspaceRoot),
    );
    if (version.git.shallow) {
      logger.warn('This is a shallow clone: release tags and history may be missing, and the version with them. Fetch all of it (CI: fetch-depth: 0).');
    }
    const tagSet = planTags({
      projectName: location.projectName,
      version: version.resolved.version,
      repository: normalized.repository,
      sha: version.git.sha,
      shortSha: version.git.shortSha,
      branch: version.branch,
      releaseTags: normalized.releaseTags,
      prereleaseTags: normalized.prereleaseTags,
      branchTags: normalized.branchTags,
      knownVersions: version.knownVersions,
    });
    const planFor = (imageId: string) =>
      buildTagPlan({
        projectName: location.projectName,
        projectRoot: location.projectRoot,
        imageId,
        repository: normalized.repository,
        gitTagPattern: normalized.gitTagPatterns[0],
        version,
        tagSet,
        now: new Date(),
      });
    let plan = planFor(metadata.id);
    logger.info(describePlan(plan).join('\n'));
    if (plan.channel === 'release' && version.git.inRepository && dirtyFiles(location.workspaceRoot).length > 0) {
      logger.warn(`The working tree has uncommitted changes: ${plan.version} may not be what the commit ${plan.gitSha?.slice(0, 7)} builds.`);
    }
    if (normalized.dryRun) {
      logger.info('Dry run: nothing tagged, nothing written.');
      return { success: true };
    }

    await client.ping();
    // Not in this engine and pushed from another machine: the tags about to be applied may already hold it.
    const ensured = await ensureImage(client, context, location, { env, registryTags: plan.tags.map((tag) => tag.reference) });
    // A rebuild records a new image: the tags go on that one.
    if (ensured.metadata.id !== plan.imageId) plan = planFor(ensured.metadata.id);
    const applied = await applyTags(client, plan);
    const file = writeTagsFile(location.workspaceRoot, location.projectRoot, plan);
    logger.info(
      `Tagged ${plan.imageId.slice(0, 19)} with ${plan.tags.length} tag${plan.tags.length === 1 ? '' : 's'}` +
        `${applied.unchanged > 0 ? ` (${applied.unchanged} already there)` : ''}; plan: ${relative(location.workspaceRoot, file) || tagsFilePath(location.projectRoot)}`,
    );
    return { success: true };
  } catch (err) {
    logger.error(`docker-tag failed for ${context.projectName ?? 'the project'}: ${(err as Error).message}`);
    return { success: false };
  }
}

export default async function runExecutor(options: DockerTagExecutorSchema, context: ExecutorContext) {
  return dockerTagExecutor(options, context);
}
