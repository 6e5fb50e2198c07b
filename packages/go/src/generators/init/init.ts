import { readNxJson, updateNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { PLUGIN_NAME } from '../../utils/constants';
import { findPluginEntry } from '../../utils/plugin-options';
import { createGoWork } from '../../utils/go-work';
import { detectGoVersion } from '../../utils/go-version';
import { addLfRules } from './lib/gitattributes';
import type { InitGeneratorSchema } from './schema';

/** `nx add @org/go`: registers the plugin, creates go.work, keeps Go and Docker files LF. Idempotent. */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  const nxJson = readNxJson(tree) ?? {};
  if (!findPluginEntry(nxJson)) {
    nxJson.plugins = [...(nxJson.plugins ?? []), { plugin: PLUGIN_NAME, options: {} }];
    updateNxJson(tree, nxJson);
  }

  if (!options.skipGoWork && !tree.exists('go.work') && !tree.exists('go.mod')) {
    tree.write('go.work', createGoWork(options.goVersion ?? detectGoVersion()));
  }

  const attributes = tree.exists('.gitattributes') ? tree.read('.gitattributes', 'utf-8') ?? '' : '';
  const updated = addLfRules(attributes);
  if (updated !== attributes) tree.write('.gitattributes', updated);

  return () => undefined;
}

export default initGenerator;
