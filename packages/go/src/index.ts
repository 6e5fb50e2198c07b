export { createNodes, createNodes as createNodesV2 } from './plugins/create-nodes';
export { createDependencies } from './plugins/create-dependencies';
export type { GoPluginOptions } from './utils/plugin-options';
export { initGenerator } from './generators/init/init';
export { serviceGenerator } from './generators/service/service';

/** Plugin name Nx shows in `nx show project` and in errors. */
export const name = '@org/go';
