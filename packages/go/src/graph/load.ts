import { hashArray } from '@nx/devkit';
import { globWithWorkspaceContext, hashWithWorkspaceContext, workspaceDataDirectory } from '@nx/devkit/internal';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FALLBACK_GO_VERSION, IGNORED_DIRS } from '../utils/constants';
import { parseGoMod, parseGoWork, type GoModFile } from './go-mod';
import { scanGoFile, type BuildTarget, type GoFileHeader } from './source';
import { computeGoWorkspaceGraph, type GoWorkspaceGraph } from './workspace-graph';

/** Files the graph is computed from: any change to one of them recomputes it. */
const GRAPH_GLOBS = ['**/*.go', '**/go.mod', '**/go.work', '**/Dockerfile', '**/project.json'];
/** Bumped whenever the cached shapes or the graph rules change. */
const CACHE_VERSION = '1';

export interface TargetPlatformOptions {
  goos?: string;
  goarch?: string;
  cgoEnabled?: boolean;
  buildTags?: string[];
  goVersion?: string;
}

export function buildTarget(options: TargetPlatformOptions = {}): BuildTarget {
  return {
    goos: options.goos ?? 'linux',
    goarch: options.goarch ?? 'amd64',
    cgoEnabled: options.cgoEnabled ?? false,
    goVersion: options.goVersion ?? FALLBACK_GO_VERSION,
    extraTags: options.buildTags ?? [],
  };
}

type HeaderCache = Record<string, [mtimeMs: number, size: number, header: GoFileHeader]>;

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(value));
    renameSync(temp, file);
  } catch {
    // A cache that cannot be written only costs time on the next run.
  }
}

const isIgnored = (path: string) => path.split('/').some((segment) => IGNORED_DIRS.includes(segment));
const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};

/** A file's header: the cached one when size and mtime match, else read and scanned. Undefined if the file vanished. */
function readHeader(abs: string, cached: HeaderCache[string] | undefined): HeaderCache[string] | undefined {
  if (cached) {
    const stat = statSync(abs, { throwIfNoEntry: false });
    if (!stat) return undefined;
    if (stat.mtimeMs === cached[0] && stat.size === cached[1]) return cached;
  }
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch {
    return undefined;
  }
  try {
    // One open/fstat/read/close, as readFileSync does, and the mtime comes with it.
    const stat = fstatSync(fd);
    const buffer = Buffer.allocUnsafe(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return [stat.mtimeMs, stat.size, scanGoFile(buffer.toString('utf8', 0, read))];
  } finally {
    closeSync(fd);
  }
}

let memo: { key: string; graph: GoWorkspaceGraph } | undefined;

/** Milliseconds spent in each phase of the last load, for benchmarks. */
export const lastLoadTimings: Record<string, number> = {};
let phaseStart = 0;
function phase(name?: string): void {
  const now = performance.now();
  if (name) lastLoadTimings[name] = now - phaseStart;
  phaseStart = now;
}

/** Where scanned headers are cached between runs. */
export function headerCacheFile(dataDirectory = workspaceDataDirectory): string {
  return join(dataDirectory, 'org-go-headers.json');
}

/**
 * Identifies the inputs of the graph: the Go files, go.mod/go.work files, Dockerfiles and project.json
 * files (hashed from Nx's workspace context, without reading them) and the build target.
 */
export async function graphKey(workspaceRoot: string, options: TargetPlatformOptions = {}): Promise<string> {
  return hashArray([CACHE_VERSION, JSON.stringify(buildTarget(options)), workspaceRoot, await hashWithWorkspaceContext(workspaceRoot, GRAPH_GLOBS)]);
}

/**
 * The workspace's Go graph. Warm (no Go file, go.mod, go.work, Dockerfile or project.json changed)
 * it costs one hash of those files from Nx's workspace context; otherwise only changed files are read
 * and scanned again. Never needs the Go toolchain.
 */
export async function loadGoWorkspaceGraph(
  workspaceRoot: string,
  options: TargetPlatformOptions = {},
  dataDirectory = workspaceDataDirectory,
): Promise<GoWorkspaceGraph> {
  for (const name of Object.keys(lastLoadTimings)) delete lastLoadTimings[name];
  phase();
  const target = buildTarget(options);
  const key = await graphKey(workspaceRoot, options);
  phase('hash');
  if (memo?.key === key) return memo.graph;
  const cacheFile = headerCacheFile(dataDirectory);

  const files = (await globWithWorkspaceContext(workspaceRoot, GRAPH_GLOBS)).filter((file) => !isIgnored(file));
  phase('glob');
  const previousHeaders = readJson<{ version: string; files: HeaderCache }>(cacheFile);
  phase('read header cache');
  const oldHeaders = previousHeaders?.version === CACHE_VERSION ? previousHeaders.files : {};
  const headers: HeaderCache = {};
  const goFiles: Array<{ path: string; header: GoFileHeader }> = [];
  const modules = new Map<string, GoModFile>();
  const dockerfileDirs = new Set<string>();
  const projectJsonDirs: string[] = [];
  let goWorkText: string | undefined;

  for (const file of files) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const abs = join(workspaceRoot, file);
    if (base.endsWith('.go')) {
      const entry = readHeader(abs, oldHeaders[file]);
      if (!entry) continue;
      headers[file] = entry;
      goFiles.push({ path: file, header: entry[2] });
    } else if (base === 'go.mod') {
      modules.set(dirOf(file), parseGoMod(readFileSync(abs, 'utf8')));
    } else if (file === 'go.work') {
      goWorkText = readFileSync(abs, 'utf8');
    } else if (base === 'Dockerfile') {
      dockerfileDirs.add(dirOf(file));
    } else if (base === 'project.json') {
      projectJsonDirs.push(dirOf(file));
    }
  }

  phase('read and scan files');
  // Only project.json files beside Go code can name a Go project.
  const goDirs = new Set([...modules.keys(), ...goFiles.map((file) => dirOf(file.path))]);
  const configuredNames = new Map<string, string>();
  for (const dir of projectJsonDirs) {
    if (!goDirs.has(dir)) continue;
    const name = readJson<{ name?: string }>(join(workspaceRoot, dir, 'project.json'))?.name;
    if (name) configuredNames.set(dir, name);
  }

  const graph = computeGoWorkspaceGraph(
    { modules, goWork: goWorkText === undefined ? undefined : parseGoWork(goWorkText), files: goFiles, dockerfileDirs, configuredNames },
    target,
  );
  phase('compute graph');
  memo = { key, graph };
  writeJsonAtomic(cacheFile, { version: CACHE_VERSION, files: headers });
  phase('write caches');
  return graph;
}
