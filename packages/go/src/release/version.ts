import { compareBuild, parse, prerelease, rcompare } from 'semver';
import { adjustForZeroMajor, bumpVersion, highestBump, type Bump } from './conventional-commits';
import type { TaggedVersion } from './tag-patterns';

export type VersionSource = 'explicit' | 'nx-release' | 'git-tag' | 'conventional-commits';
export const VERSION_SOURCES: VersionSource[] = ['explicit', 'nx-release', 'git-tag', 'conventional-commits'];
export const DEFAULT_VERSION_SOURCES: VersionSource[] = [...VERSION_SOURCES];
export const DEFAULT_RELEASE_BRANCHES = ['release/*', 'release-*', 'releases/*'];
export const DEFAULT_INITIAL_VERSION = '0.1.0';

/** What kind of version this is: a release, a release candidate, a development build, or another pre-release (e.g. an explicit beta). */
export type VersionChannel = 'release' | 'rc' | 'dev' | 'prerelease';

/** How a project's version is chosen; docker-tag's options, the project lookup and the resolver share it. */
export interface VersionPolicy {
  sources: VersionSource[];
  /** Cut a release: the next version from Conventional Commits is used as is, not as a pre-release. */
  release: boolean;
  releaseBranches: string[];
  /** `-dev.N` (commits since the last release) or `-dev.<short sha>`. */
  devPrerelease: 'count' | 'sha';
  /** The first version of a project that has no release tag yet. */
  initialVersion: string;
}

export interface VersionInputs extends VersionPolicy {
  projectName: string;
  /** `--version`, as typed. */
  explicit?: string;
  branch?: string;
  shortSha?: string;
  /** The project's release tags on HEAD, by the source that recognises them. */
  atHead: { 'nx-release': TaggedVersion[]; 'git-tag': TaggedVersion[] };
  /** The last release (stable version) reachable from HEAD, the base of the next version. */
  base?: TaggedVersion;
  /** Every version of the project named by a tag anywhere in the repository (pre-release numbering). */
  known: string[];
  /** Messages of the commits since `base` that touch the project. */
  commitMessages: string[];
  /** Commits since `base` (all of them: the development build number). */
  commitCount: number;
}

export interface ResolvedVersion {
  version: string;
  source: VersionSource;
  channel: VersionChannel;
  /** One line on how the version was found, for the plan. */
  reason: string;
  /** For versions computed from commits: the bump the commits asked for. */
  bump?: Bump;
}

/** `1.4.2`, `v1.4.2` → `1.4.2`; anything that is not a full semantic version is an error. */
export function parseExplicitVersion(value: string): string {
  const parsed = parse(value.trim());
  if (!parsed) {
    throw new Error(
      `Version "${value}" is not a semantic version. Use MAJOR.MINOR.PATCH with an optional pre-release, e.g. 1.4.2 or 1.5.0-rc.1.`,
    );
  }
  // Build metadata stays (semver drops it from `version`); tags write it with `_`.
  return parsed.build.length > 0 ? `${parsed.version}+${parsed.build.join('.')}` : parsed.version;
}

export function channelOf(version: string): VersionChannel {
  const pre = prerelease(version);
  if (!pre || pre.length === 0) return 'release';
  if (pre[0] === 'rc') return 'rc';
  if (pre[0] === 'dev') return 'dev';
  return 'prerelease';
}

/** Branch globs: `*` stays within one path segment, `**` crosses them; anything else matches literally. */
export function branchMatches(branch: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const source = pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    return new RegExp(`^${source}$`).test(branch);
  });
}

function highest(tagged: TaggedVersion[]): TaggedVersion | undefined {
  return [...tagged].sort((a, b) => rcompare(a.version, b.version))[0];
}

/** `-dev.<sha>`: a short sha of only digits would be a number (and one with a leading 0 invalid), so it gets a `g` like git describe's. */
function shaIdentifier(shortSha: string): string {
  return /^\d+$/.test(shortSha) ? `g${shortSha}` : shortSha;
}

function nextRcNumber(version: string, known: string[]): number {
  let highestN = 0;
  for (const candidate of known) {
    const pre = prerelease(candidate);
    if (!pre || pre[0] !== 'rc' || typeof pre[1] !== 'number') continue;
    if (candidate.split('-')[0] !== version) continue;
    highestN = Math.max(highestN, pre[1]);
  }
  return highestN + 1;
}

/**
 * The version of this build. Sources are tried in the configured order; the first that knows a version
 * wins. The Conventional Commits source always knows one: the next version after the last release,
 * used as is with `release`, otherwise as a pre-release — `-rc.N` on release branches (N after the
 * highest existing rc tag of that version), `-dev.N` elsewhere (N = commits since the last release).
 */
export function resolveVersion(inputs: VersionInputs): ResolvedVersion {
  for (const source of inputs.sources) {
    if (source === 'explicit') {
      if (inputs.explicit === undefined || inputs.explicit === '') continue;
      const version = parseExplicitVersion(inputs.explicit);
      return { version, source, channel: channelOf(version), reason: `--version ${version}` };
    }
    if (source === 'nx-release' || source === 'git-tag') {
      const tagged = highest(inputs.atHead[source]);
      if (!tagged) continue;
      return { version: tagged.version, source, channel: channelOf(tagged.version), reason: `HEAD is tagged ${tagged.tag}` };
    }
    return fromCommits(inputs);
  }
  const tried = inputs.sources.join(', ');
  throw new Error(
    `No version for ${inputs.projectName}: none of the version sources (${tried}) gave one. ` +
      `Pass --version=1.2.3, tag HEAD as a release of the project, or add "conventional-commits" to versionSources.`,
  );
}

function fromCommits(inputs: VersionInputs): ResolvedVersion {
  const bump = highestBump(inputs.commitMessages);
  const since = inputs.base ? `since ${inputs.base.tag}` : 'so far';
  let next: string;
  let why: string;
  if (!inputs.base) {
    next = inputs.initialVersion;
    why = `first version of ${inputs.projectName} (no release tag yet)`;
  } else {
    next = bumpVersion(inputs.base.version, bump ?? 'patch');
    const effective = bump ? adjustForZeroMajor(bump, inputs.base.version) : 'patch';
    const bumpText = !bump ? 'patch' : effective === bump ? `${bump} bump` : `${bump} bump (a ${effective} below 1.0.0)`;
    why = bump ? `${bumpText} from the commits ${since}` : `patch after ${inputs.base.tag} (no feat, fix, perf or breaking commit ${since})`;
  }
  if (inputs.release) {
    if (inputs.base && !bump) {
      throw new Error(
        `Nothing to release for ${inputs.projectName}: no feat, fix, perf or breaking commit touches it ${since}. ` +
          `Commit with a Conventional Commits type, or pass --version to release anyway.`,
      );
    }
    return { version: next, source: 'conventional-commits', channel: 'release', reason: `release: ${why}`, bump };
  }
  if (inputs.branch && branchMatches(inputs.branch, inputs.releaseBranches)) {
    const n = nextRcNumber(next, inputs.known);
    const version = `${next}-rc.${n}`;
    return { version, source: 'conventional-commits', channel: 'rc', reason: `release candidate ${n} on ${inputs.branch}: ${why}`, bump };
  }
  if (inputs.devPrerelease === 'sha') {
    if (!inputs.shortSha) {
      throw new Error(`devPrerelease "sha" needs a git commit, and ${inputs.projectName} is not in a git repository. Use devPrerelease "count" or pass --version.`);
    }
    const version = `${next}-dev.${shaIdentifier(inputs.shortSha)}`;
    return { version, source: 'conventional-commits', channel: 'dev', reason: `development build: ${why}`, bump };
  }
  const version = `${next}-dev.${inputs.commitCount}`;
  return { version, source: 'conventional-commits', channel: 'dev', reason: `development build ${inputs.commitCount} (commits ${since}): ${why}`, bump };
}

/** The last release reachable from HEAD: the highest stable version among the project's tags. */
export function lastRelease(reachable: TaggedVersion[]): TaggedVersion | undefined {
  const stable = reachable.filter((tagged) => channelOf(tagged.version) === 'release');
  return [...stable].sort((a, b) => compareBuild(b.version, a.version))[0];
}
