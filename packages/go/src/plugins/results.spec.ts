import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GO_FIXTURE } from '../testing/go-fixture';
import { resolvePluginOptions } from '../utils/plugin-options';
import type { PluginResults } from './results';

type ResultsModule = typeof import('./results');

/**
 * A fresh plugin process: new module instances (nothing memoized), and Nx's workspace context built
 * again (in one process it is a snapshot of the files; a new `nx` command or the daemon's watcher sees
 * edits). `computed` counts graph computations, to tell a kept result from a recomputed one.
 */
function freshProcess(): { results: ResultsModule; computed: () => number; resetContext: () => void } {
  let results: ResultsModule | undefined;
  let spy: jest.Mock | undefined;
  let context: { resetWorkspaceContext(): void } | undefined;
  jest.isolateModules(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    context = require('nx/src/utils/workspace-context');
    context?.resetWorkspaceContext();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../graph/nx-api').workspaceContext();
    const compute = jest.fn();
    jest.doMock('../graph/workspace-graph', () => {
      const actual = jest.requireActual('../graph/workspace-graph');
      return { ...actual, computeGoWorkspaceGraph: compute.mockImplementation(actual.computeGoWorkspaceGraph) };
    });
    spy = compute;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    results = require('./results');
  });
  return {
    results: results as ResultsModule,
    computed: () => (spy as jest.Mock).mock.calls.length,
    resetContext: () => context?.resetWorkspaceContext(),
  };
}

const edges = (results: PluginResults) => results.dependencies.map((d) => `${d.source} -> ${d.target} (${d.kind})`);

describe('results kept between processes and prefetched', () => {
  let root: string;
  let data: string;
  /**
   * Nx keeps file hashes across processes (nx_files.nxt) and trusts them while a file's modification
   * time, in whole seconds, is unchanged: each write gets a second of its own, as edits a second apart
   * would have. (Two edits within one second are invisible to Nx's hashes, so to its task cache and to
   * the plugin's caches alike.)
   */
  let clock = Math.floor(Date.now() / 1000) - 10_000;
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
    clock += 1;
    utimesSync(join(root, path), clock, clock);
  };
  const options = resolvePluginOptions({});

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-results-'));
    data = join(root, '.nx', 'workspace-data');
    for (const [path, content] of Object.entries(GO_FIXTURE)) write(path, content);
  });
  afterEach(() => {
    jest.dontMock('../graph/workspace-graph');
    rmSync(root, { recursive: true, force: true });
  });

  /** The results with no cache at all, to compare with. */
  const fromScratch = async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'org-go-scratch-'));
    try {
      return await freshProcess().results.loadPluginResults(root, options, scratch);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  };

  it('reuses the kept results in a new process while the files are the same', async () => {
    const first = freshProcess();
    const computed = await first.results.loadPluginResults(root, options, data);
    expect(first.computed()).toBe(1);
    await first.results.flushResults();
    expect(existsSync(join(data, first.results.RESULTS_FILE))).toBe(true);

    const second = freshProcess();
    expect(await second.results.loadPluginResults(root, options, data)).toEqual(computed);
    expect(second.computed()).toBe(0);
  });

  it('never serves kept results after a Go file is edited: the new graph, as computed from scratch', async () => {
    const first = freshProcess();
    const before = await first.results.loadPluginResults(root, options, data);
    await first.results.flushResults();
    expect(edges(before)).toContain('orders -> money (normal)');

    // orders stops importing money and starts importing util; the file keeps its size class and name.
    write('apps/orders/internal/server/server.go', '// Package server serves orders.\npackage server\n\nimport "example.com/shop/libs/util/fmtx"\n\nfunc Name() string { return fmtx.Format("EUR") }\n');
    const second = freshProcess();
    const after = await second.results.loadPluginResults(root, options, data);
    expect(second.computed()).toBe(1);
    expect(edges(after)).not.toContain('orders -> money (normal)');
    expect(edges(after)).toContain('orders -> util (normal)');
    expect(after).toEqual(await fromScratch());
  });

  it('never serves kept results after a file is added or removed', async () => {
    const first = freshProcess();
    await first.results.loadPluginResults(root, options, data);
    await first.results.flushResults();

    write('mono/cmd/worker/Dockerfile', 'FROM scratch\n');
    rmSync(join(root, 'apps/billing/native.go'));
    const second = freshProcess();
    const after = await second.results.loadPluginResults(root, options, data);
    expect(second.computed()).toBe(1);
    expect(after.nodesByModule['mono']['mono/cmd/worker'].targets?.['docker-build']).toBeDefined();
    expect(edges(after)).not.toContain('billing -> money (platform)');
    expect(after).toEqual(await fromScratch());
  });

  it('keeps results per build target and options', async () => {
    const first = freshProcess();
    await first.results.loadPluginResults(root, options, data);
    await first.results.flushResults();
    const second = freshProcess();
    const windows = await second.results.loadPluginResults(root, resolvePluginOptions({ goos: 'windows' }), data);
    expect(second.computed()).toBe(1);
    expect(edges(windows)).toContain('orders -> winapi (normal)');
  });

  it('recomputes over a damaged results file', async () => {
    mkdirSync(data, { recursive: true });
    const { results } = freshProcess();
    writeFileSync(join(data, results.RESULTS_FILE), '{"key": "3:');
    expect(await results.loadPluginResults(root, options, data)).toEqual(await fromScratch());
  });

  it('uses what was prefetched for the same files, and gives what a plain computation gives', async () => {
    const { results, computed } = freshProcess();
    await results.prefetchPluginResults(root, data);
    const prefetched = await results.loadPluginResults(root, options, data);
    expect(computed()).toBe(1);
    expect(prefetched).toEqual(await fromScratch());
  });

  it('does not use what was prefetched for files that changed since', async () => {
    const { results, resetContext } = freshProcess();
    await results.prefetchPluginResults(root, data);
    // The edit reaches Nx's workspace context (as the daemon's watcher would bring it), not the prefetched scan.
    write('apps/billing/main.go', 'package main\n\nimport "example.com/shop/libs/testkit"\n\nfunc main() { _ = testkit.Check }\n');
    resetContext();
    const after = await results.loadPluginResults(root, options, data);
    expect(edges(after)).toContain('billing -> testkit (normal)');
    expect(edges(after)).not.toContain('billing -> util (normal)');
    expect(after).toEqual(await fromScratch());
  });

  it('uses kept results found while prefetching when the files are the same', async () => {
    const first = freshProcess();
    const computed = await first.results.loadPluginResults(root, options, data);
    await first.results.flushResults();
    const second = freshProcess();
    await second.results.prefetchPluginResults(root, data);
    expect(await second.results.loadPluginResults(root, options, data)).toEqual(computed);
    expect(second.computed()).toBe(0);
    // The kept file says which files it was computed for.
    expect(JSON.parse(readFileSync(join(data, second.results.RESULTS_FILE), 'utf8')).filesKey).toEqual(expect.any(String));
  });

  it('keeps the scans from the second computation on, and reuses them after an edit', async () => {
    const scans = join(data, 'org-go-scans.json');
    const first = freshProcess();
    await first.results.loadPluginResults(root, options, data);
    await first.results.flushResults();
    expect(existsSync(scans)).toBe(false);

    write('libs/money/money.go', 'package money\n\nimport "example.com/shop/libs/testkit"\n\nconst Currency = "EUR"\n\nvar _ = testkit.Check\n');
    const second = freshProcess();
    expect(edges(await second.results.loadPluginResults(root, options, data))).toContain('money -> testkit (normal)');
    await second.results.flushResults();
    expect(existsSync(scans)).toBe(true);

    write('libs/money/money.go', 'package money\n\nconst Currency = "EUR"\n');
    const third = freshProcess();
    const after = await third.results.loadPluginResults(root, options, data);
    expect(third.computed()).toBe(1);
    expect(edges(after)).not.toContain('money -> testkit (normal)');
    expect(after).toEqual(await fromScratch());
  });

  it('prefetches nothing once results were asked for', async () => {
    const { results, computed } = freshProcess();
    await results.loadPluginResults(root, options, data);
    await results.prefetchPluginResults(root, data);
    expect(computed()).toBe(1);
  });
});
