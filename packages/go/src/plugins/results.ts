import type { ProjectConfiguration } from '@nx/devkit';
import { join } from 'node:path';
import { listGraphFiles, type GraphFiles } from '../graph/files';
import { resultsCodeHash } from '../graph/code-hash';
import { graphKey, loadGoWorkspaceGraph } from '../graph/load';
import { readGraphInputCached, type CachedInput } from '../graph/scan-cache';
import { workspaceDataDirectory } from '../graph/nx-api';
import { readJsonFile, writeJsonFile } from '../utils/json-file';
import type { GoDependency } from '../graph/workspace-graph';
import type { ResolvedGoPluginOptions } from '../utils/plugin-options';
import { projectNode } from './project-node';

/** What the plugin tells Nx, ready to hand over: nodes by module folder, and dependencies. */
export interface PluginResults {
  nodesByModule: Record<string, Record<string, ProjectConfiguration>>;
  dependencies: GoDependency[];
  errors: string[];
}

const RESULTS_VERSION = '3';
/** Where the results are kept between processes, in the workspace data directory. */
export const RESULTS_FILE = 'org-go-nodes.json';

/** The results file: `key` covers the plugin's code, the files, the build target and the options; `filesKey` the files alone. */
interface ResultsFile {
  key: string;
  filesKey: string;
  results: PluginResults;
}

let memo: { key: string; results: PluginResults } | undefined;

/**
 * What prefetchPluginResults found before Nx asked: for the files as they were then (`filesKey`), either
 * the kept results (valid for the options they were computed with) or the files read and scanned.
 */
interface Prefetched {
  workspaceRoot: string;
  dataDirectory: string;
  filesKey: string;
  /** Whether a results file was there (for any files or options): see computeResults' `keepScans`. */
  hadResults: boolean;
  kept?: ResultsFile;
  input?: CachedInput;
}
let prefetched: Prefetched | undefined;
let asked = false;

/**
 * Starts the work createNodes will need while Nx is still busy elsewhere (loading its other plugins):
 * lists and hashes the graph's files, and either finds the kept results for them or reads and scans the
 * files (those whose scan was not kept, see graph/scan-cache.ts). Nothing of that depends on the plugin
 * options, which Nx passes only with createNodes. Called once, right after the plugin is loaded in an Nx
 * plugin worker; does nothing once Nx has asked for results. What it finds is used only for the same
 * files (same content hash) when createNodes runs.
 */
export async function prefetchPluginResults(workspaceRoot: string, dataDirectory = workspaceDataDirectory()): Promise<void> {
  if (asked || prefetched !== undefined) return;
  const files = listGraphFiles(workspaceRoot);
  const filesKey = await files.key();
  if (asked) return;
  const kept = readJsonFile<ResultsFile>(join(dataDirectory, RESULTS_FILE));
  // Usable if made for these files by this code (the options are known only later, and rarely change).
  const usable = kept?.filesKey === filesKey && typeof kept.key === 'string' && kept.key.startsWith(`${RESULTS_VERSION}:${resultsCodeHash()}:`);
  prefetched = usable
    ? { workspaceRoot, dataDirectory, filesKey, hadResults: true, kept }
    : { workspaceRoot, dataDirectory, filesKey, hadResults: kept !== undefined, input: await readGraphInputCached(workspaceRoot, files, dataDirectory) };
}

/**
 * The plugin's nodes and dependencies. createNodes and createDependencies share one computation per
 * process, and the results are kept on disk keyed by the graph's inputs, so a warm graph costs one
 * hash from Nx's workspace context and one file read.
 */
export async function loadPluginResults(
  workspaceRoot: string,
  options: ResolvedGoPluginOptions,
  dataDirectory = workspaceDataDirectory(),
): Promise<PluginResults> {
  asked = true;
  await flushResults();
  const early = prefetched;
  prefetched = undefined;
  const files = listGraphFiles(workspaceRoot);
  const filesKey = await files.key();
  const key = `${RESULTS_VERSION}:${resultsCodeHash()}:${await graphKey(workspaceRoot, options, files)}:${JSON.stringify(options)}`;
  if (memo?.key === key) return memo.results;
  // What was found early holds only for the same files.
  const sameFiles = early?.workspaceRoot === workspaceRoot && early.dataDirectory === dataDirectory && early.filesKey === filesKey;
  const file = join(dataDirectory, RESULTS_FILE);
  const kept = sameFiles && early?.kept ? early.kept : sameFiles && early?.input ? undefined : readJsonFile<ResultsFile>(file);
  if (kept?.key === key) {
    memo = { key, results: kept.results };
    return kept.results;
  }
  const input = (sameFiles ? early?.input : undefined) ?? (await readGraphInputCached(workspaceRoot, files, dataDirectory));
  const hadResults = sameFiles && early !== undefined ? early.hadResults : kept !== undefined;
  return computeResults(workspaceRoot, options, dataDirectory, files, { key, filesKey }, input, hadResults);
}

async function computeResults(
  workspaceRoot: string,
  options: ResolvedGoPluginOptions,
  dataDirectory: string,
  files: GraphFiles,
  keys: { key: string; filesKey: string },
  input: CachedInput,
  keepScans: boolean,
): Promise<PluginResults> {
  const graph = await loadGoWorkspaceGraph(workspaceRoot, options, files, keys.key, input.input);
  const nodesByModule: PluginResults['nodesByModule'] = {};
  const modules = new Map(graph.projects.filter((project) => project.root === project.moduleRoot).map((project) => [project.root, project]));
  for (const project of graph.projects) {
    (nodesByModule[project.moduleRoot] ??= {})[project.root] = projectNode(project, options, modules);
  }
  const results: PluginResults = { nodesByModule, dependencies: graph.dependencies, errors: graph.errors };
  memo = { key: keys.key, results };
  // Kept on disk once Nx has the results (serializing them is ~15 ms Nx need not wait for), before the
  // process can exit; at the latest when results are asked for again (createDependencies). The scans
  // are kept from the second computation on (results were there): they serve a workspace being edited,
  // and a first run (a fresh CI machine, after `nx reset`) need not pay for writing them.
  pendingWrite = async () => {
    writeJsonFile(join(dataDirectory, RESULTS_FILE), { key: keys.key, filesKey: keys.filesKey, results } satisfies ResultsFile, false);
    if (keepScans) await input.save();
  };
  setImmediate(() => void flushResults());
  return results;
}

let pendingWrite: (() => Promise<void>) | undefined;

/** Writes results (and scans) computed in this process that are not on disk yet. */
export function flushResults(): Promise<void> {
  const write = pendingWrite;
  pendingWrite = undefined;
  // A cache that cannot be written only costs time on the next run.
  const ignore = () => undefined;
  try {
    return write?.().catch(ignore) ?? Promise.resolve();
  } catch {
    return Promise.resolve();
  }
}
