import { hashArray } from '@nx/devkit';
import { globWithWorkspaceContext, hashWithWorkspaceContext } from '@nx/devkit/internal';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FALLBACK_GO_VERSION, IGNORED_DIRS } from '../utils/constants';
import { readJsonFile } from '../utils/json-file';
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

const isIgnored = (path: string) => path.split('/').some((segment) => IGNORED_DIRS.includes(segment));
const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};

/** One buffer for every read: the files are read one after another, and most are small. */
const readBuffer = Buffer.allocUnsafe(1 << 20);

/**
 * A Go file's text, or undefined when it vanished. Reading into a shared buffer costs one open, read
 * and close per file, which is what dominates on a workspace of thousands of files.
 */
function readGoFile(abs: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch {
    return undefined;
  }
  try {
    const read = readSync(fd, readBuffer, 0, readBuffer.length, 0);
    if (read < readBuffer.length) return readBuffer.toString('utf8', 0, read);
  } finally {
    closeSync(fd);
  }
  return readFileSync(abs, 'utf8');
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

/**
 * Identifies the inputs of the graph: the Go files, go.mod/go.work files, Dockerfiles and project.json
 * files (hashed from Nx's workspace context, without reading them) and the build target.
 */
export async function graphKey(workspaceRoot: string, options: TargetPlatformOptions = {}): Promise<string> {
  return hashArray([CACHE_VERSION, JSON.stringify(buildTarget(options)), workspaceRoot, await hashWithWorkspaceContext(workspaceRoot, GRAPH_GLOBS)]);
}

/**
 * The workspace's Go graph, memoized in the process by `graphKey`. It reads every Go file's header
 * (one open/read/close each) and never needs the Go toolchain; callers keep what they derive from it
 * on disk (see plugins/results.ts), so a warm run does not come here at all.
 */
export async function loadGoWorkspaceGraph(workspaceRoot: string, options: TargetPlatformOptions = {}): Promise<GoWorkspaceGraph> {
  for (const name of Object.keys(lastLoadTimings)) delete lastLoadTimings[name];
  phase();
  const target = buildTarget(options);
  const key = await graphKey(workspaceRoot, options);
  phase('hash');
  if (memo?.key === key) return memo.graph;

  const files = (await globWithWorkspaceContext(workspaceRoot, GRAPH_GLOBS)).filter((file) => !isIgnored(file));
  phase('glob');
  const goFiles: Array<{ path: string; header: GoFileHeader }> = [];
  const modules = new Map<string, GoModFile>();
  const dockerfileDirs = new Set<string>();
  const projectJsonDirs: string[] = [];
  let goWorkText: string | undefined;

  for (const file of files) {
    const base = file.slice(file.lastIndexOf('/') + 1);
    const abs = join(workspaceRoot, file);
    if (base.endsWith('.go')) {
      // Scanning is cheaper than checking a cache of scans: only the header is read, in microseconds.
      const text = readGoFile(abs);
      if (text !== undefined) goFiles.push({ path: file, header: scanGoFile(text) });
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
    const name = readJsonFile<{ name?: string }>(join(workspaceRoot, dir, 'project.json'))?.name;
    if (name) configuredNames.set(dir, name);
  }

  const graph = computeGoWorkspaceGraph(
    { modules, goWork: goWorkText === undefined ? undefined : parseGoWork(goWorkText), files: goFiles, dockerfileDirs, configuredNames },
    target,
  );
  phase('compute graph');
  memo = { key, graph };
  return graph;
}
