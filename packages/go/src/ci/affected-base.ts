/**
 * The `nx affected` base of the generated GitLab pipeline, printed on stdout (warnings on stderr):
 *
 *   merge request pipeline  → CI_MERGE_REQUEST_DIFF_BASE_SHA (the merge base with the target branch)
 *   otherwise               → the commit of the newest successful pipeline on the main branch that is
 *                             in HEAD's history, from GitLab's pipelines API
 *   no such pipeline / API  → HEAD~1, with a warning (the first commit: HEAD itself)
 *
 * The API is read with NX_BASE_TOKEN (a project access token with read_api, sent as PRIVATE-TOKEN) when
 * set, else with CI_JOB_TOKEN (JOB-TOKEN), which GitLab lets list pipelines only where the project's
 * job token permissions allow it.
 *
 *   node node_modules/@org/go/src/ci/affected-base.js [--main-branch main]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

export interface AffectedBase {
  sha: string;
  /** How it was found, for the log. */
  source: 'merge-request' | 'last-successful-pipeline' | 'fallback';
  warnings: string[];
}

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Whether `sha` is a commit this clone has and an ancestor of (or equal to) HEAD. */
function usableBase(cwd: string, sha: string): boolean {
  if (!/^[0-9a-f]{7,64}$/i.test(sha) || git(cwd, ['cat-file', '-e', `${sha}^{commit}`]) === undefined) return false;
  return git(cwd, ['merge-base', '--is-ancestor', sha, 'HEAD']) !== undefined;
}

/** Successful pipelines of `branch`, newest first: their commits. Throws with a readable reason. */
async function successfulPipelineShas(env: NodeJS.ProcessEnv, branch: string, fetchImpl: FetchLike): Promise<string[]> {
  const api = env.CI_API_V4_URL;
  const project = env.CI_PROJECT_ID;
  if (!api || !project) throw new Error('CI_API_V4_URL or CI_PROJECT_ID is not set (not running in GitLab CI?)');
  const headers: Record<string, string> = env.NX_BASE_TOKEN
    ? { 'PRIVATE-TOKEN': env.NX_BASE_TOKEN }
    : env.CI_JOB_TOKEN
      ? { 'JOB-TOKEN': env.CI_JOB_TOKEN }
      : {};
  const url = `${api.replace(/\/+$/, '')}/projects/${encodeURIComponent(project)}/pipelines?ref=${encodeURIComponent(branch)}&status=success&order_by=id&sort=desc&per_page=50`;
  const response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(30_000) });
  if (!response.ok) {
    const hint =
      response.status === 401 || response.status === 403
        ? env.NX_BASE_TOKEN
          ? ' (NX_BASE_TOKEN needs the read_api scope on this project)'
          : ' (set NX_BASE_TOKEN to a project access token with read_api; the job token may not list pipelines)'
        : '';
    throw new Error(`the pipelines API answered HTTP ${response.status}${hint}`);
  }
  const body = (await response.json()) as unknown;
  if (!Array.isArray(body)) throw new Error('the pipelines API did not answer with a list');
  return body.map((pipeline) => (pipeline as { sha?: unknown }).sha).filter((sha): sha is string => typeof sha === 'string');
}

export async function findAffectedBase(
  options: { cwd: string; env: NodeJS.ProcessEnv; mainBranch?: string },
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
): Promise<AffectedBase> {
  const { cwd, env } = options;
  const warnings: string[] = [];
  const mergeBase = env.CI_MERGE_REQUEST_DIFF_BASE_SHA;
  if (mergeBase && usableBase(cwd, mergeBase)) return { sha: mergeBase, source: 'merge-request', warnings };
  if (mergeBase) warnings.push(`CI_MERGE_REQUEST_DIFF_BASE_SHA ${mergeBase} is not in this clone's history (is GIT_DEPTH 0?).`);
  const branch = options.mainBranch ?? env.CI_DEFAULT_BRANCH ?? 'main';
  try {
    const shas = await successfulPipelineShas(env, branch, fetchImpl);
    const found = shas.find((sha) => usableBase(cwd, sha));
    if (found) return { sha: found, source: 'last-successful-pipeline', warnings };
    warnings.push(
      shas.length === 0
        ? `no successful pipeline on ${branch} yet.`
        : `none of the last ${shas.length} successful pipelines on ${branch} ran a commit in HEAD's history (history rewritten, or GIT_DEPTH is not 0).`,
    );
  } catch (err) {
    warnings.push(`could not read the last successful pipeline on ${branch}: ${(err as Error).message}.`);
  }
  const parent = git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD~1']);
  if (parent) {
    warnings.push('Comparing with HEAD~1: changes of earlier commits that never passed CI are not rebuilt.');
    return { sha: parent, source: 'fallback', warnings };
  }
  const head = git(cwd, ['rev-parse', 'HEAD']);
  if (!head) throw new Error(`${cwd} is not a git repository with commits.`);
  warnings.push('HEAD has no parent: nothing counts as affected. Run "nx run-many" once for the first build.');
  return { sha: head, source: 'fallback', warnings };
}

/** The command: prints the base on stdout and returns the exit code. */
export async function runAffectedBase(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: { stdout: (line: string) => void; stderr: (line: string) => void } = {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  },
  fetchImpl?: FetchLike,
): Promise<number> {
  try {
    const { values } = parseArgs({ args: argv, options: { 'main-branch': { type: 'string' }, cwd: { type: 'string', default: '.' } }, strict: true });
    const base = await findAffectedBase({ cwd: values.cwd, env, mainBranch: values['main-branch'] }, fetchImpl);
    for (const warning of base.warnings) out.stderr(`WARNING: affected base: ${warning}`);
    out.stderr(`affected base: ${base.sha} (${base.source})`);
    out.stdout(base.sha);
    return 0;
  } catch (err) {
    out.stderr(`affected-base: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void runAffectedBase(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
