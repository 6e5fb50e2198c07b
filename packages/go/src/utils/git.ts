import { execFileSync } from 'node:child_process';

export interface GitInfo {
  sha?: string;
  shortSha?: string;
  branch?: string;
  /** The `origin` remote as a browsable https URL without credentials. */
  sourceUrl?: string;
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** What git knows about `cwd`; every field is optional because the workspace may not be a repository. */
export function readGitInfo(cwd: string): GitInfo {
  const sha = git(cwd, ['rev-parse', 'HEAD']);
  const branch = git(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  const remote = git(cwd, ['config', '--get', 'remote.origin.url']);
  return {
    sha,
    shortSha: sha?.slice(0, 7),
    branch: branch === 'HEAD' ? undefined : branch,
    sourceUrl: remote ? toSourceUrl(remote) : undefined,
  };
}

/**
 * `git@github.com:acme/mono.git` or `https://user:token@host/acme/mono.git` → `https://host/acme/mono`.
 * Credentials never leave the machine inside an image label.
 */
export function toSourceUrl(remote: string): string | undefined {
  const scp = remote.match(/^(?:[\w.-]+@)?([\w.-]+):(?!\/\/)(.+?)(?:\.git)?\/?$/);
  if (scp && !remote.includes('://')) return `https://${scp[1]}/${scp[2]}`;
  try {
    const url = new URL(remote);
    if (url.protocol === 'file:') return undefined;
    const path = url.pathname.replace(/\.git\/?$/, '').replace(/\/$/, '');
    return `https://${url.hostname}${url.port && url.protocol !== 'ssh:' ? `:${url.port}` : ''}${path}`;
  } catch {
    return undefined;
  }
}
