import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FALLBACK_GO_VERSION } from '../utils/constants';
import { readJsonFile } from '../utils/json-file';
import { listGraphFiles, type GraphFiles } from './files';
import { parseGoMod, parseGoWork, type GoModFile } from './go-mod';
import { scanGoFile, type BuildTarget, type GoFileHeader } from './source';
import { computeGoWorkspaceGraph, type GoWorkspaceGraph, type GraphInput } from './workspace-graph';

/** Bumped whenever the graph rules change (a key of cached results built from the graph). */
export const GRAPH_VERSION = '2';

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

const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};

/** One buffer for every read: the files are read one after another, and most are small. */
const readBuffer = Buffer.allocUnsafe(1 << 20);

/**
 * A Go file's text, or undefined when it vanished or is no file. Reading into a shared buffer costs one
 * open, read and close per file, which is what dominates on a workspace of thousands of files.
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
    return readFileSync(abs, 'utf8');
  } catch {
    return undefined;
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

/**
 * Identifies the inputs of the graph for a build target: the Go files, go.mod/go.work files, Dockerfiles
 * and project.json files (hashed from Nx's workspace context, without reading them) and the target.
 */
export async function graphKey(workspaceRoot: string, options: TargetPlatformOptions = {}, files?: GraphFiles): Promise<string> {
  const filesKey = await (files ?? listGraphFiles(workspaceRoot)).key();
  return `${GRAPH_VERSION}:${JSON.stringify(buildTarget(options))}:${workspaceRoot}:${filesKey}`;
}

/**
 * A copy of a string that does not keep the text it was cut from alive. V8 represents a slice of 13
 * characters or more as a view into its parent: an import path would hold its whole file in memory,
 * and the garbage collector would copy thousands of file texts around while the graph is computed.
 */
const own = (text: string): string => (text.length < 13 ? text : (text + ' ').slice(0, -1));

/**
 * The header with its strings detached from the file text (`scanned`: it was cut from one); import paths
 * shared (one string per path, which also makes the graph's lookups by path cheap).
 */
function detach(header: GoFileHeader, paths: Map<string, string>, scanned: boolean): GoFileHeader {
  const specs = header.imports;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    let path = paths.get(spec.path);
    if (path === undefined) paths.set(spec.path, (path = scanned ? own(spec.path) : spec.path));
    spec.path = path;
    if (scanned && spec.name !== undefined) spec.name = own(spec.name);
  }
  if (!scanned) return header;
  if (header.packageName !== undefined) header.packageName = own(header.packageName);
  if (header.buildConstraint !== undefined) header.buildConstraint = own(header.buildConstraint);
  for (let i = 0; i < header.plusBuild.length; i++) header.plusBuild[i] = own(header.plusBuild[i]);
  if (header.error !== undefined) header.error = own(header.error);
  return header;
}

/** Headers known without reading their files (see graph/scan-cache.ts), and told of the ones read. */
export interface HeaderSource {
  get(path: string): GoFileHeader | undefined;
  put(path: string, header: GoFileHeader): void;
}

/**
 * Everything the graph is computed from, read from the files (whatever the build target): every Go
 * file's header (one open, read and close each; the body is never scanned), go.mod and go.work files,
 * the folders with a Dockerfile, and names set by project.json files beside Go code.
 */
export function readGraphInput(workspaceRoot: string, files: string[], headers?: HeaderSource): GraphInput {
  const goFiles: Array<{ path: string; header: GoFileHeader }> = [];
  const modules = new Map<string, GoModFile>();
  const dockerfileDirs = new Set<string>();
  const projectJsonDirs: string[] = [];
  let goWorkText: string | undefined;
  const base = workspaceRoot.endsWith('/') ? workspaceRoot : `${workspaceRoot}/`;
  const paths = new Map<string, string>();

  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const slash = file.lastIndexOf('/');
    const name = slash < 0 ? file : file.slice(slash + 1);
    if (name.endsWith('.go')) {
      const known = headers?.get(file);
      if (known !== undefined) {
        goFiles.push({ path: file, header: detach(known, paths, false) });
        continue;
      }
      const text = readGoFile(base + file);
      if (text === undefined) continue;
      const header = detach(scanGoFile(text), paths, true);
      headers?.put(file, header);
      goFiles.push({ path: file, header });
    } else if (name === 'go.mod') {
      const text = readGoFile(base + file);
      if (text !== undefined) modules.set(dirOf(file), parseGoMod(text));
    } else if (file === 'go.work') {
      goWorkText = readGoFile(base + file);
    } else if (name === 'Dockerfile') {
      dockerfileDirs.add(dirOf(file));
    } else if (name === 'project.json') {
      projectJsonDirs.push(dirOf(file));
    }
  }

  // Only project.json files beside Go code can name a Go project.
  const goDirs = new Set([...modules.keys(), ...goFiles.map((file) => dirOf(file.path))]);
  const configuredNames = new Map<string, string>();
  for (const dir of projectJsonDirs) {
    if (!goDirs.has(dir)) continue;
    const name = readJsonFile<{ name?: string }>(join(workspaceRoot, dir, 'project.json'))?.name;
    if (name) configuredNames.set(dir, name);
  }
  return { modules, goWork: goWorkText === undefined ? undefined : parseGoWork(goWorkText), files: goFiles, dockerfileDirs, configuredNames };
}

/**
 * The workspace's Go graph, never needing the Go toolchain; callers keep what they derive from it on
 * disk (see plugins/results.ts), so a warm run does not come here at all. `files` (from listGraphFiles)
 * saves listing them again, `input` (from readGraphInput for those files) reading them again; `key`
 * (from graphKey) memoizes the graph in the process.
 */
export async function loadGoWorkspaceGraph(
  workspaceRoot: string,
  options: TargetPlatformOptions = {},
  files?: GraphFiles,
  key?: string,
  input?: GraphInput,
): Promise<GoWorkspaceGraph> {
  for (const name of Object.keys(lastLoadTimings)) delete lastLoadTimings[name];
  phase();
  if (key !== undefined && memo?.key === key) return memo.graph;
  const target = buildTarget(options);
  let graphInput = input;
  if (graphInput === undefined) {
    const listed = await (files ?? listGraphFiles(workspaceRoot)).files();
    phase('list files');
    graphInput = readGraphInput(workspaceRoot, listed);
    phase('read and scan files');
  }
  const graph = computeGoWorkspaceGraph(graphInput, target);
  phase('compute graph');
  if (key !== undefined) memo = { key, graph };
  return graph;
}
