import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findAffectedBase, runAffectedBase } from './affected-base';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function commit(cwd: string, message: string): string {
  writeFileSync(join(cwd, 'file.txt'), message);
  git(cwd, 'add', '.');
  git(cwd, 'commit', '--quiet', '-m', message);
  return git(cwd, 'rev-parse', 'HEAD');
}

/** A stand-in for GitLab's pipelines API on a loopback port: answers what `answer` says, records the requests. */
interface FakeApi {
  url: string;
  requests: { url: string; headers: IncomingHttpHeaders }[];
  answer: { status: number; body: unknown };
  close(): Promise<void>;
}

async function fakeApi(): Promise<FakeApi> {
  const api: Partial<FakeApi> = { requests: [], answer: { status: 200, body: [] } };
  const server: Server = createServer((req, res) => {
    api.requests?.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(api.answer?.status ?? 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify(api.answer?.body ?? null));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
  api.close = () => new Promise((resolve) => server.close(() => resolve()));
  return api as FakeApi;
}

describe('affected base (GitLab)', () => {
  let repo: string;
  let api: FakeApi;
  let shas: { first: string; second: string; third: string; head: string };
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), 'org-go-base-'));
    git(repo, 'init', '--quiet', '--initial-branch=main');
    git(repo, 'config', 'user.name', 'CI');
    git(repo, 'config', 'user.email', 'ci@example.com');
    shas = { first: commit(repo, 'one'), second: commit(repo, 'two'), third: commit(repo, 'three'), head: commit(repo, 'four') };
    api = await fakeApi();
  });
  afterAll(async () => {
    await api.close();
    rmSync(repo, { recursive: true, force: true });
  });
  beforeEach(() => {
    api.requests.length = 0;
    env = { CI_API_V4_URL: api.url, CI_PROJECT_ID: 'acme/shop', CI_DEFAULT_BRANCH: 'main', CI_JOB_TOKEN: 'job-token' };
  });

  it("takes the newest successful pipeline of the main branch whose commit is in HEAD's history", async () => {
    api.answer = { status: 200, body: [{ id: 9, sha: 'f'.repeat(40) }, { id: 8, sha: shas.second }, { id: 7, sha: shas.first }] };
    const base = await findAffectedBase({ cwd: repo, env: { ...env, NX_BASE_TOKEN: 'project-token' }, mainBranch: 'main' });
    expect(base).toEqual({ sha: shas.second, source: 'last-successful-pipeline', warnings: [] });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].url).toBe('/api/v4/projects/acme%2Fshop/pipelines?ref=main&status=success&order_by=id&sort=desc&per_page=50');
    expect(api.requests[0].headers['private-token']).toBe('project-token');
    expect(api.requests[0].headers['job-token']).toBeUndefined();
  });

  it('uses the job token when no NX_BASE_TOKEN is set', async () => {
    api.answer = { status: 200, body: [{ sha: shas.third }] };
    expect((await findAffectedBase({ cwd: repo, env })).sha).toBe(shas.third);
    expect(api.requests[0].headers['job-token']).toBe('job-token');
  });

  it('a merge request compares with its merge base, without asking the API', async () => {
    const base = await findAffectedBase({ cwd: repo, env: { ...env, CI_MERGE_REQUEST_DIFF_BASE_SHA: shas.first } });
    expect(base).toEqual({ sha: shas.first, source: 'merge-request', warnings: [] });
    expect(api.requests).toHaveLength(0);
  });

  it.each<[string, { status: number; body: unknown }, NodeJS.ProcessEnv, RegExp]>([
    ['the API refuses the job token', { status: 403, body: { message: '403 Forbidden' } }, {}, /HTTP 403 \(set NX_BASE_TOKEN to a project access token with read_api/],
    ['the API refuses the project token', { status: 401, body: {} }, { NX_BASE_TOKEN: 'x' }, /HTTP 401 \(NX_BASE_TOKEN needs the read_api scope/],
    ['there is no successful pipeline yet', { status: 200, body: [] }, {}, /no successful pipeline on main yet/],
    ['history was rewritten', { status: 200, body: [{ sha: 'e'.repeat(40) }] }, {}, /none of the last 1 successful pipelines on main ran a commit in HEAD's history/],
    ['not in GitLab CI', { status: 200, body: [] }, { CI_API_V4_URL: '' }, /CI_API_V4_URL or CI_PROJECT_ID is not set/],
  ])('falls back to HEAD~1 with a warning when %s', async (_, answer, extra, warning) => {
    api.answer = answer;
    const base = await findAffectedBase({ cwd: repo, env: { ...env, ...extra } });
    expect(base.sha).toBe(shas.third);
    expect(base.source).toBe('fallback');
    expect(base.warnings.join('\n')).toMatch(warning);
    expect(base.warnings).toContain('Comparing with HEAD~1: changes of earlier commits that never passed CI are not rebuilt.');
  });

  it('on the first commit there is no parent: HEAD, with a warning', async () => {
    const single = mkdtempSync(join(tmpdir(), 'org-go-base-one-'));
    try {
      git(single, 'init', '--quiet');
      git(single, 'config', 'user.name', 'CI');
      git(single, 'config', 'user.email', 'ci@example.com');
      const only = commit(single, 'only');
      api.answer = { status: 200, body: [] };
      const base = await findAffectedBase({ cwd: single, env });
      expect(base.sha).toBe(only);
      expect(base.warnings.join('\n')).toContain('HEAD has no parent');
    } finally {
      rmSync(single, { recursive: true, force: true });
    }
  });

  it('the command prints only the SHA on stdout; warnings go to stderr', async () => {
    api.answer = { status: 403, body: {} };
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runAffectedBase(['--cwd', repo, '--main-branch', 'main'], env, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) });
    expect(code).toBe(0);
    expect(stdout).toEqual([shas.third]);
    expect(stderr[0]).toMatch(/^WARNING: affected base: could not read the last successful pipeline on main: the pipelines API answered HTTP 403/);
    expect(stderr[stderr.length - 1]).toBe(`affected base: ${shas.third} (fallback)`);
    expect(await runAffectedBase(['--cwd', join(repo, 'missing')], env, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l) })).toBe(1);
  });
});
