import type { ProjectConfiguration } from '@nx/devkit';
import { workspaceDataDirectory } from '@nx/devkit/internal';
import { join } from 'node:path';
import { graphKey, loadGoWorkspaceGraph } from '../graph/load';
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

const RESULTS_VERSION = '2';
let memo: { key: string; results: PluginResults } | undefined;

/**
 * The plugin's nodes and dependencies. createNodes and createDependencies share one computation per
 * process, and the results are kept on disk keyed by the graph's inputs, so a warm graph costs one
 * hash from Nx's workspace context and one small file read.
 */
export async function loadPluginResults(
  workspaceRoot: string,
  options: ResolvedGoPluginOptions,
  dataDirectory = workspaceDataDirectory,
): Promise<PluginResults> {
  const key = `${RESULTS_VERSION}:${await graphKey(workspaceRoot, options)}:${JSON.stringify(options)}`;
  if (memo?.key === key) return memo.results;
  const file = join(dataDirectory, 'org-go-nodes.json');
  const cached = readJsonFile<{ key: string; results: PluginResults }>(file);
  if (cached?.key === key) {
    memo = cached;
    return cached.results;
  }
  const graph = await loadGoWorkspaceGraph(workspaceRoot, options);
  const nodesByModule: PluginResults['nodesByModule'] = {};
  const modules = new Map(graph.projects.filter((project) => project.root === project.moduleRoot).map((project) => [project.root, project]));
  for (const project of graph.projects) {
    (nodesByModule[project.moduleRoot] ??= {})[project.root] = projectNode(project, options, modules);
  }
  const results: PluginResults = { nodesByModule, dependencies: graph.dependencies, errors: graph.errors };
  memo = { key, results };
  try {
    writeJsonFile(file, memo, false);
  } catch {
    // A cache that cannot be written only costs time on the next run.
  }
  return results;
}
