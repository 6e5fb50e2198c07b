import type { GitReader, ReleaseGitFacts } from './git';
import { nxReleaseTagPattern, projectTagVersions, type NxReleaseLike, type TaggedVersion } from './tag-patterns';
import { lastRelease, resolveVersion, type ResolvedVersion, type VersionPolicy } from './version';

export interface ProjectVersionOptions extends VersionPolicy {
  projectName: string;
  projectRoot: string;
  explicit?: string;
  gitTagPatterns: string[];
  /** nx.json `release`, when the workspace uses nx release. */
  nxRelease?: NxReleaseLike;
  /** The branch being built, over what git says. */
  branch?: string;
  /** The branch when git cannot tell (a detached HEAD, as CI checks out). */
  fallbackBranch?: string;
}

export interface ProjectVersion {
  resolved: ResolvedVersion;
  git: ReleaseGitFacts;
  branch?: string;
  /** The last release before this build, if any. */
  base?: TaggedVersion;
  /** Every version of the project named by a tag (for moving tags that must not go back). */
  knownVersions: string[];
}

/**
 * Gathers what the version sources need from git (only what the configured sources use) and resolves
 * the version. Tags of both conventions (Go module paths and `name@version`) and nx release's pattern
 * count as the project's releases.
 */
export function resolveProjectVersion(options: ProjectVersionOptions, reader: GitReader): ProjectVersion {
  const git = reader.facts();
  const values = { projectName: options.projectName, projectRoot: options.projectRoot };
  const nx = nxReleaseTagPattern(options.nxRelease, options.projectName);
  const nxValues = { ...values, releaseGroupName: nx?.releaseGroupName };
  const ofNx = (tags: string[]) => (nx ? projectTagVersions(tags, [nx.pattern], nxValues) : []);
  const ofGit = (tags: string[]) => projectTagVersions(tags, options.gitTagPatterns, values);
  const all = [...ofNx(git.allTags), ...ofGit(git.allTags)];
  const base = lastRelease([...ofNx(git.mergedTags), ...ofGit(git.mergedTags)]);
  const branch = options.branch ?? git.branch ?? options.fallbackBranch;

  // Commits are read only when neither an explicit version nor a tag on HEAD settles it first.
  const settledEarlier = (() => {
    for (const source of options.sources) {
      if (source === 'explicit' && options.explicit) return true;
      if (source === 'nx-release' && ofNx(git.tagsAtHead).length > 0) return true;
      if (source === 'git-tag' && ofGit(git.tagsAtHead).length > 0) return true;
      if (source === 'conventional-commits') return false;
    }
    return true;
  })();
  const history =
    !settledEarlier && git.inRepository
      ? { messages: reader.commitMessagesSince(base?.tag, options.projectRoot), count: reader.countCommitsSince(base?.tag) }
      : { messages: [], count: 0 };

  const resolved = resolveVersion({
    projectName: options.projectName,
    explicit: options.explicit,
    sources: options.sources,
    release: options.release,
    releaseBranches: options.releaseBranches,
    devPrerelease: options.devPrerelease,
    initialVersion: options.initialVersion,
    branch,
    shortSha: git.shortSha,
    atHead: { 'nx-release': ofNx(git.tagsAtHead), 'git-tag': ofGit(git.tagsAtHead) },
    base,
    known: all.map((tagged) => tagged.version),
    commitMessages: history.messages,
    commitCount: history.count,
  });
  return { resolved, git, branch, base, knownVersions: [...new Set(all.map((tagged) => tagged.version))] };
}
