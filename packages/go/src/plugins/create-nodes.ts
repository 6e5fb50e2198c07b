import type { CreateNodes } from '@nx/devkit';
import { dirname } from 'node:path';
import { IGNORED_DIRS } from '../utils/constants';
import { resolvePluginOptions, type GoPluginOptions } from '../utils/plugin-options';
import { loadPluginResults } from './results';

export const GO_MOD_GLOB = '**/go.mod';

/** Whether a go.mod path is one the plugin should not turn into a project. */
export function isIgnoredGoMod(file: string): boolean {
  return file.split(/[\\/]/).slice(0, -1).some((segment) => IGNORED_DIRS.includes(segment));
}

/**
 * A project per Go module (`go.mod`); a module with several `main` packages also gets a service
 * project per command. Targets carry inputs computed from the package-level import graph.
 */
export const createNodes: CreateNodes<GoPluginOptions> = [
  GO_MOD_GLOB,
  async (files, rawOptions, context) => {
    const results = await loadPluginResults(context.workspaceRoot, resolvePluginOptions(rawOptions));
    if (results.errors.length > 0) throw new Error(results.errors.join('\n'));
    return files
      .filter((file) => !isIgnoredGoMod(file))
      .map((file) => [file, { projects: results.nodesByModule[dirname(file)] ?? {} }] as const);
  },
];
