import { execFileSync } from 'node:child_process';

/** What git knows about the commit being released. Every field is empty outside a repository. */
export interface ReleaseGitFacts {
  inRepository: boolean;
  sha?: string;
  shortSha?: string;
  /** Undefined on a detached HEAD (as CI checks out). */
  branch?: string;
  /** A shallow clone may lack the tags and history versions are computed from. */
  shallow: boolean;
  tagsAtHead: string[];
  /** Tags reachable from HEAD. */
  mergedTags: string[];
  /** Every tag of the repository. */
  allTags: string[];
}

/** Reads git for version resolution; the interface lets table tests stand in for a repository. */
export interface GitReader {
  facts(): ReleaseGitFacts;
  /** Full messages of the commits after `since` (a tag; all history when undefined) that touch `path`, newest first. */
  commitMessagesSince(since: string | undefined, path: string): string[];
  /** Commits after `since` on HEAD's history. */
  countCommitsSince(since: string | undefined): number;
}

function run(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

function tryRun(cwd: string, args: string[]): string | undefined {
  try {
    return run(cwd, args);
  } catch {
    return undefined;
  }
}

function lines(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

function range(since: string | undefined): string[] {
  return since ? [`refs/tags/${since}..HEAD`] : ['HEAD'];
}

export function gitReader(cwd: string): GitReader {
  return {
    facts: () => {
      const sha = tryRun(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim();
      if (!sha) return { inRepository: false, shallow: false, tagsAtHead: [], mergedTags: [], allTags: [] };
      const branch = tryRun(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD'])?.trim();
      return {
        inRepository: true,
        sha,
        shortSha: sha.slice(0, 7),
        branch: branch || undefined,
        shallow: tryRun(cwd, ['rev-parse', '--is-shallow-repository'])?.trim() === 'true',
        tagsAtHead: lines(tryRun(cwd, ['tag', '--points-at', 'HEAD'])),
        mergedTags: lines(tryRun(cwd, ['tag', '--merged', 'HEAD'])),
        allTags: lines(tryRun(cwd, ['tag', '--list'])),
      };
    },
    commitMessagesSince: (since, path) => {
      const out = run(cwd, ['log', '--format=%B%x1e', ...range(since), '--', path === '' ? '.' : path]);
      return out
        .split('\x1e')
        .map((message) => message.trim())
        .filter(Boolean);
    },
    countCommitsSince: (since) => Number(run(cwd, ['rev-list', '--count', ...range(since)]).trim()),
  };
}

/** Uncommitted changes to tracked files (untracked files do not count, as for `git describe --dirty`). */
export function dirtyFiles(cwd: string): string[] {
  return lines(run(cwd, ['status', '--porcelain', '--untracked-files=no']));
}

export function headSha(cwd: string): string | undefined {
  return tryRun(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD'])?.trim() || undefined;
}

/** The commit a tag points at, or undefined when there is no such tag. */
export function tagCommit(cwd: string, tag: string): string | undefined {
  return tryRun(cwd, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`])?.trim() || undefined;
}

/** Creates a lightweight tag (no committer identity needed, as Go module versions expect nothing more). */
export function createTag(cwd: string, tag: string, sha: string): void {
  try {
    run(cwd, ['tag', tag, sha]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`git tag ${tag} ${sha.slice(0, 7)} failed${stderr ? `: ${stderr}` : ''}.`);
  }
}
