// The plugin's entry point for Nx: project inference only, so loading it stays cheap (nothing here
// loads @nx/devkit's barrels: see graph/nx-api.ts). Generators and executors are loaded by Nx through
// generators.json and executors.json.
import { prefetchPluginResults } from './plugins/results';

export { createNodes, createNodes as createNodesV2 } from './plugins/create-nodes';
export { createDependencies } from './plugins/create-dependencies';
export type { GoPluginOptions } from './utils/plugin-options';

/** Plugin name Nx shows in `nx show project` and in errors. */
export const name = '@org/go';

// In an Nx plugin worker, Nx loads every plugin before it asks any for nodes: start reading the Go files
// meanwhile (see prefetchPluginResults), once this module's loading has been reported back.
if ((globalThis as { NX_PLUGIN_WORKER?: boolean }).NX_PLUGIN_WORKER === true) {
  setImmediate(() => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { workspaceRoot } = require('nx/src/utils/workspace-root') as { workspaceRoot: string };
      prefetchPluginResults(workspaceRoot).catch(() => undefined);
    } catch {
      // Nothing prefetched: createNodes does the work when asked.
    }
  }).unref();
}
