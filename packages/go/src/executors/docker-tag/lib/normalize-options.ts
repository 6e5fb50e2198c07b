import { valid } from 'semver';
import { DEFAULT_GIT_TAG_PATTERNS } from '../../../release/tag-patterns';
import { DEFAULT_PRERELEASE_TAGS, DEFAULT_RELEASE_TAGS, fullRepository } from '../../../release/tag-set';
import { DEFAULT_INITIAL_VERSION, DEFAULT_RELEASE_BRANCHES, DEFAULT_VERSION_SOURCES, VERSION_SOURCES, type VersionPolicy } from '../../../release/version';
import type { DockerTagExecutorSchema } from '../schema';

export interface NormalizedTagOptions extends VersionPolicy {
  explicitVersion?: string;
  gitTagPatterns: string[];
  repository: string;
  releaseTags: string[];
  prereleaseTags: string[];
  branchTags: boolean;
  branch?: string;
  dryRun: boolean;
}

/** Every default of docker-tag, and the checks that need nothing but the options. */
export function normalizeTagOptions(options: DockerTagExecutorSchema, projectName: string): NormalizedTagOptions {
  const sources = options.versionSources ?? DEFAULT_VERSION_SOURCES;
  if (sources.length === 0) throw new Error(`versionSources is empty. List one or more of: ${VERSION_SOURCES.join(', ')}.`);
  for (const source of sources) {
    if (!VERSION_SOURCES.includes(source)) throw new Error(`Unknown version source "${source}". Use ${VERSION_SOURCES.join(', ')}.`);
  }
  if (new Set(sources).size !== sources.length) throw new Error(`versionSources lists a source twice: ${sources.join(', ')}.`);
  const release = options.release ?? false;
  if (release && !sources.includes('conventional-commits')) {
    throw new Error('--release computes the version from Conventional Commits: add "conventional-commits" to versionSources, or pass --version.');
  }
  if (options.version !== undefined && options.version.trim() !== '' && !sources.includes('explicit')) {
    throw new Error('--version is given, but versionSources does not list "explicit", so it would be ignored. Add "explicit" to versionSources.');
  }
  const initialVersion = options.initialVersion ?? DEFAULT_INITIAL_VERSION;
  if (valid(initialVersion) !== initialVersion) throw new Error(`initialVersion "${initialVersion}" is not a semantic version such as 0.1.0.`);
  const devPrerelease = options.devPrerelease ?? 'count';
  if (devPrerelease !== 'count' && devPrerelease !== 'sha') throw new Error(`devPrerelease must be "count" or "sha" (got "${devPrerelease}").`);
  const gitTagPatterns = options.gitTagPatterns ?? DEFAULT_GIT_TAG_PATTERNS;
  if (gitTagPatterns.length === 0) throw new Error('gitTagPatterns is empty. Keep at least one, e.g. "{projectRoot}/v{version}".');
  const releaseTags = options.tags ?? DEFAULT_RELEASE_TAGS;
  const prereleaseTags = options.prereleaseTags ?? DEFAULT_PRERELEASE_TAGS;
  if (releaseTags.length === 0 || prereleaseTags.length === 0) throw new Error('tags and prereleaseTags need at least one template each, e.g. "{version}".');
  return {
    explicitVersion: options.version?.trim() || undefined,
    sources,
    release,
    releaseBranches: options.releaseBranches ?? DEFAULT_RELEASE_BRANCHES,
    devPrerelease,
    initialVersion,
    gitTagPatterns,
    repository: fullRepository(projectName, options.registry, options.repository),
    releaseTags,
    prereleaseTags,
    branchTags: options.branchTags ?? false,
    branch: options.branch?.trim() || undefined,
    dryRun: options.dryRun ?? false,
  };
}
