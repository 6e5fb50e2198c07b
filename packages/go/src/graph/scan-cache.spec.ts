import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { resetWorkspaceContext } from 'nx/src/utils/workspace-context';
import { GO_FIXTURE } from '../testing/go-fixture';
import { listGraphFiles } from './files';
import { readGraphInput } from './load';
import { readGraphInputCached, SCANS_FILE } from './scan-cache';

describe('scans kept by content hash', () => {
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
  const goFiles = Object.keys(GO_FIXTURE).filter((path) => path.endsWith('.go')).length;
  /** A new process: Nx's workspace context is a snapshot of the files, built again by the next `nx`. */
  const newProcess = () => resetWorkspaceContext();
  const cached = () => readGraphInputCached(root, listGraphFiles(root), data);
  const scratch = async () => readGraphInput(root, await listGraphFiles(root).files());

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'org-go-scans-'));
    data = join(root, '.nx', 'workspace-data');
    for (const [path, content] of Object.entries(GO_FIXTURE)) write(path, content);
    newProcess();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('scans every file the first time, and none while nothing changed', async () => {
    const first = await cached();
    expect(first.scanned).toBe(goFiles);
    expect(first.input).toEqual(await scratch());
    await first.save();

    newProcess();
    const second = await cached();
    expect(second.scanned).toBe(0);
    expect(second.input).toEqual(await scratch());
  });

  it('scans again exactly the files whose content changed, and gives what scanning everything gives', async () => {
    await (await cached()).save();
    write('apps/orders/internal/server/server.go', '// Package server serves orders.\npackage server\n\nimport "example.com/shop/libs/util/fmtx"\n\nfunc Name() string { return fmtx.Format("EUR") }\n');
    write('libs/util/strs/more.go', 'package strs\n\nimport "example.com/shop/libs/money"\n');
    rmSync(join(root, 'libs/money/zz_generated.go'));

    newProcess();
    const after = await cached();
    expect(after.scanned).toBe(2);
    expect(after.input).toEqual(await scratch());
    const server = after.input.files.find((file) => file.path === 'apps/orders/internal/server/server.go');
    expect(server?.header.imports.map((spec) => spec.path)).toEqual(['example.com/shop/libs/util/fmtx']);
    expect(after.input.files.some((file) => file.path === 'libs/money/zz_generated.go')).toBe(false);
  });

  it('keeps what the scanner reports: build constraints, +build lines, cgo, generated files, errors', async () => {
    write('libs/winapi/legacy.go', '// +build windows,!cgo\n\npackage winapi\n\nimport (\n\tw "example.com/shop/libs/util/strs"\n\t"C"\n)\n');
    write('libs/winapi/broken.go', '//go:build linux\n//go:build windows\n\npackage winapi\n\nimport "a b"\n');
    newProcess();
    await (await cached()).save();
    newProcess();
    const again = await cached();
    expect(again.scanned).toBe(0);
    expect(again.input).toEqual(await scratch());
  });

  it('ignores a damaged or foreign cache file', async () => {
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, SCANS_FILE), '{"version": 1, "files": ');
    expect((await cached()).scanned).toBe(goFiles);
    writeFileSync(join(data, SCANS_FILE), JSON.stringify({ version: 2, workspaceRoot: '/elsewhere', files: [] }));
    const foreign = await cached();
    expect(foreign.scanned).toBe(goFiles);
    expect(foreign.input).toEqual(await scratch());
  });
});
