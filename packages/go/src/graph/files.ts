/**
 * The files the Go graph is computed from, and a key that changes whenever one of them does, both from
 * Nx's workspace context (its index of the workspace's files and their content hashes).
 */
import { IGNORED_DIRS } from '../utils/constants';
import { workspaceContext } from './nx-api';

/** Globs of the files the graph is computed from. */
export const GRAPH_GLOBS = ['**/*.go', '**/go.mod', '**/go.work', '**/Dockerfile', '**/project.json'];

const IGNORED = new Set(IGNORED_DIRS);
/** Whether a workspace-relative path lies in a folder the plugin never reads (vendor, node_modules…). */
export function inIgnoredDir(path: string): boolean {
  let start = 0;
  for (let slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', start)) {
    if (IGNORED.has(path.slice(start, slash))) return true;
    start = slash + 1;
  }
  return false;
}

export interface GraphFiles {
  /** Workspace-relative paths, sorted (listed on first use). */
  files(): Promise<string[]>;
  /** Changes whenever one of the files is added, removed or edited: a hash of their contents. */
  key(): Promise<string>;
}

/**
 * The graph's files (outside the folders the plugin skips) as Nx's workspace context lists them, and
 * their hash; each asked for once, and only when needed (a warm run needs the hash alone).
 */
export function listGraphFiles(workspaceRoot: string): GraphFiles {
  let files: Promise<string[]> | undefined;
  let key: Promise<string> | undefined;
  return {
    files: () => (files ??= workspaceContext().globWithWorkspaceContext(workspaceRoot, GRAPH_GLOBS).then((all) => all.filter((file) => !inIgnoredDir(file)))),
    key: () => (key ??= workspaceContext().hashWithWorkspaceContext(workspaceRoot, GRAPH_GLOBS)),
  };
}
