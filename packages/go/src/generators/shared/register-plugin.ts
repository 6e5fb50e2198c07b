import { readNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { findPluginEntry } from '../../utils/plugin-options';
import { initGenerator } from '../init/init';
import type { InitGeneratorSchema } from '../init/schema';

/** Runs `init` when the plugin is not in nx.json yet (a generator used before `nx add`); returns its tasks. */
export async function registerPluginIfMissing(tree: Tree, init: InitGeneratorSchema): Promise<GeneratorCallback[]> {
  if (findPluginEntry(readNxJson(tree))) return [];
  return [await initGenerator(tree, init)];
}
