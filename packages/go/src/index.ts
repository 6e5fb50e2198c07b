// The plugin's entry point for Nx: project inference only, so loading it stays cheap.
// Generators and executors are loaded by Nx through generators.json and executors.json.
export { createNodes, createNodes as createNodesV2 } from './plugins/create-nodes';
export { createDependencies } from './plugins/create-dependencies';
export type { GoPluginOptions } from './utils/plugin-options';

/** Plugin name Nx shows in `nx show project` and in errors. */
export const name = '@org/go';
