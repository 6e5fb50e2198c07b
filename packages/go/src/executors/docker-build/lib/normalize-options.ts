import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { GitInfo } from '../../../utils/git';
import { resolveFromProject, type ProjectLocation } from '../../../utils/executor-context';
import { LABEL_PROJECT } from '../../../utils/constants';
import type { BuildOptions } from '../../../docker';
import type { DockerBuildExecutorSchema } from '../schema';
import { createdTimestamp, ociBuildArgs, ociLabels } from './labels';
import { resolveTags } from './tags';

export const DEFAULT_TAGS = ['{projectName}:latest', '{projectName}:{gitSha}'];

export interface NormalizedBuildOptions {
  contextDir: string;
  /** Dockerfile path inside the context, with forward slashes. */
  dockerfileInContext: string;
  build: BuildOptions;
  tags: string[];
  skippedTags: { template: string; missing: string }[];
}

/** Resolves paths (from the project root), tags, labels and build args; checks them before the engine is asked anything. */
export function normalizeBuildOptions(
  options: DockerBuildExecutorSchema,
  location: ProjectLocation,
  git: GitInfo,
  env: NodeJS.ProcessEnv,
): NormalizedBuildOptions {
  const contextDir = resolveFromProject(location, options.context ?? '.', 'context');
  const dockerfile = resolveFromProject(location, options.dockerfile ?? 'Dockerfile', 'dockerfile');
  if (!existsSync(contextDir)) {
    throw new Error(`Build context ${relative(location.workspaceRoot, contextDir)} does not exist. Set "context" relative to ${location.projectRoot}.`);
  }
  if (!existsSync(dockerfile)) {
    throw new Error(
      `Dockerfile ${relative(location.workspaceRoot, dockerfile)} does not exist. Create one with "nx g @org/go:docker --project=${location.projectName}" or set "dockerfile".`,
    );
  }
  const dockerfileInContext = relative(contextDir, dockerfile).split('\\').join('/');
  if (dockerfileInContext.startsWith('..')) {
    throw new Error(`The Dockerfile (${options.dockerfile}) must be inside the build context (${options.context ?? '.'}). Move it or widen "context".`);
  }

  const version = options.version ?? 'dev';
  const { tags, skipped } = resolveTags(options.tags ?? DEFAULT_TAGS, {
    projectName: location.projectName,
    gitSha: git.shortSha,
    branch: git.branch,
    version: options.version,
  });
  if (tags.length === 0) {
    throw new Error(`No tag could be made from ${JSON.stringify(options.tags ?? DEFAULT_TAGS)}. Add a tag without placeholders, e.g. "${location.projectName}:latest".`);
  }
  const oci = {
    title: location.projectName,
    version,
    created: createdTimestamp(env),
    revision: git.sha,
    source: git.sourceUrl,
  };
  return {
    contextDir,
    dockerfileInContext,
    tags,
    skippedTags: skipped,
    build: {
      dockerfile: dockerfileInContext,
      buildArgs: { ...ociBuildArgs(oci), ...options.buildArgs },
      labels: { ...ociLabels(oci), [LABEL_PROJECT]: location.projectName, ...options.labels },
      target: options.target,
      noCache: options.noCache ?? false,
      pull: options.pull ?? false,
      platform: options.platform,
      network: options.network,
      quiet: options.quiet ?? false,
    },
  };
}
