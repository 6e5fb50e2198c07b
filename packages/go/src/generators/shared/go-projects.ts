import { readNxJson, type Tree } from '@nx/devkit';
import { parseGoMod, parseGoWork, type GoModFile } from '../../graph/go-mod';
import { buildTarget } from '../../graph/load';
import { scanGoFile, type BuildTarget, type GoFileHeader } from '../../graph/source';
import { computeGoWorkspaceGraph, type GoWorkspaceGraph } from '../../graph/workspace-graph';
import { IGNORED_DIRS } from '../../utils/constants';
import { findPluginEntry, resolvePluginOptions } from '../../utils/plugin-options';

/** The Go side of a workspace as inference sees it, read from a generator's tree. */
export interface TreeGoWorkspace {
  graph: GoWorkspaceGraph;
  /** go.mod files by module folder (`.` for the workspace root). */
  modules: Map<string, GoModFile>;
  /** Every .go file with its scanned header, by folder (`.` for the workspace root). */
  filesByDir: Map<string, Array<{ path: string; header: GoFileHeader }>>;
  /** The platform the graph was computed for (the plugin's goos/goarch/cgo/tags options). */
  target: BuildTarget;
}

const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};

/**
 * Reads go.mod, go.work, .go, Dockerfile and project.json files from the tree (skipping the folders
 * inference skips) and computes the same projects `createNodes` infers: a project per go.mod, and a
 * service project per main package of a module that has several. Uncommitted generator changes count.
 */
export function readGoWorkspace(tree: Tree): TreeGoWorkspace {
  const pluginOptions = resolvePluginOptions(findPluginEntry(readNxJson(tree))?.options);
  const target = buildTarget(pluginOptions);
  const modules = new Map<string, GoModFile>();
  const files: Array<{ path: string; header: GoFileHeader }> = [];
  const filesByDir = new Map<string, Array<{ path: string; header: GoFileHeader }>>();
  const dockerfileDirs = new Set<string>();
  const projectJsonDirs: string[] = [];
  let goWorkText: string | undefined;

  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = dir ? `${dir}/${child}` : child;
      if (!tree.isFile(path)) {
        if (!IGNORED_DIRS.includes(child)) walk(path);
        continue;
      }
      if (child.endsWith('.go')) {
        const file = { path, header: scanGoFile(tree.read(path, 'utf-8') ?? '') };
        files.push(file);
        const list = filesByDir.get(dir || '.');
        if (list) list.push(file);
        else filesByDir.set(dir || '.', [file]);
      } else if (child === 'go.mod') {
        modules.set(dir || '.', parseGoMod(tree.read(path, 'utf-8') ?? ''));
      } else if (child === 'go.work' && dir === '') {
        goWorkText = tree.read(path, 'utf-8') ?? '';
      } else if (child === 'Dockerfile') {
        dockerfileDirs.add(dir || '.');
      } else if (child === 'project.json') {
        projectJsonDirs.push(dir || '.');
      }
    }
  };
  walk('');

  // As inference does: only a project.json beside Go code names a Go project.
  const goDirs = new Set([...modules.keys(), ...files.map((file) => dirOf(file.path))]);
  const configuredNames = new Map<string, string>();
  for (const dir of projectJsonDirs) {
    if (!goDirs.has(dir)) continue;
    try {
      const name = (JSON.parse(tree.read(dir === '.' ? 'project.json' : `${dir}/project.json`, 'utf-8') ?? '{}') as { name?: unknown }).name;
      if (typeof name === 'string' && name) configuredNames.set(dir, name);
    } catch {
      // An unreadable project.json names nothing, as in inference.
    }
  }

  const graph = computeGoWorkspaceGraph(
    { modules, goWork: goWorkText === undefined ? undefined : parseGoWork(goWorkText), files, dockerfileDirs, configuredNames },
    target,
  );
  return { graph, modules, filesByDir, target };
}
