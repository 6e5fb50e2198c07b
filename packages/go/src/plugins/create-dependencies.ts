import type { CreateDependencies, DependencyType, RawProjectGraphDependency } from '@nx/devkit';
import { loadPluginResults } from './results';
import { resolvePluginOptions, type GoPluginOptions } from '../utils/plugin-options';

/**
 * Dependencies between Go projects from real imports (package precision, build constraints for the
 * target platform, test-only and platform-only imports included as edges so `test` is affected too).
 */
export const createDependencies: CreateDependencies<GoPluginOptions> = async (rawOptions, context) => {
  const options = resolvePluginOptions(rawOptions);
  const graph = await loadPluginResults(context.workspaceRoot, options);
  const filesOf = new Map<string, Set<string>>();
  const projectFiles = (project: string) => {
    let files = filesOf.get(project);
    if (!files) {
      files = new Set((context.fileMap.projectFileMap[project] ?? []).map((file) => file.file));
      filesOf.set(project, files);
    }
    return files;
  };
  const dependencies: RawProjectGraphDependency[] = [];
  for (const dependency of graph.dependencies) {
    if (!context.projects[dependency.source] || !context.projects[dependency.target]) continue;
    // Nx checks that the file belongs to the source project; another project nested deeper may own it.
    if (!projectFiles(dependency.source).has(dependency.sourceFile)) continue;
    dependencies.push({
      source: dependency.source,
      target: dependency.target,
      sourceFile: dependency.sourceFile,
      // DependencyType.static, spelled out: a value import of @nx/devkit would load its whole barrel.
      type: 'static' as DependencyType.static,
    });
  }
  return dependencies;
};
