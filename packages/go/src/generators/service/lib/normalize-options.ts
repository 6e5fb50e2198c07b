import { getProjects, joinPathFragments, readJson, readNxJson, type Tree } from '@nx/devkit';
import { basename } from 'node:path';
import { DEFAULT_PORT, RUNTIME_IMAGES, type BaseImageKind } from '../../../utils/constants';
import { detectGoVersion } from '../../../utils/go-version';
import { findGoModuleRoots } from '../../../utils/tree-go-modules';
import { findPluginEntry, resolvePluginOptions } from '../../../utils/plugin-options';
import type { ServiceGeneratorSchema } from '../schema';
import { deriveModulePath, originUrlFromGitConfig } from './module-path';
import {
  validateGoVersion,
  validateModulePath,
  validatePort,
  validateServiceName,
  validateWorkspacePath,
} from './validate';

export interface NormalizedServiceOptions {
  /** Project, binary and image name, e.g. `orders`. */
  name: string;
  /** Workspace-relative folder, e.g. `apps/orders`. */
  projectRoot: string;
  modulePath: string;
  goVersion: string;
  port: number;
  baseImage: BaseImageKind;
  k8s: boolean;
}

/** Every default of the service generator is decided here, and every input is checked before the tree is touched. */
export function normalizeOptions(tree: Tree, schema: ServiceGeneratorSchema): NormalizedServiceOptions {
  const rawName = String(schema.name ?? '').trim();
  const fail = (message: string | undefined) => {
    if (message) throw new Error(message);
  };

  const hasPath = /[\\/]/.test(rawName);
  fail(hasPath ? validateWorkspacePath(rawName, 'service path') : undefined);
  const name = hasPath ? basename(rawName.replace(/\\/g, '/').replace(/\/+$/, '')) : rawName;
  fail(validateServiceName(name));

  const pluginOptions = resolvePluginOptions(findPluginEntry(readNxJson(tree))?.options);
  const directory = schema.directory?.trim() || pluginOptions.servicesDir;
  fail(hasPath ? undefined : validateWorkspacePath(directory, 'directory'));
  const projectRoot = hasPath
    ? joinPathFragments(rawName.replace(/\\/g, '/'))
    : joinPathFragments(directory, name);

  if (tree.exists(projectRoot)) {
    throw new Error(
      `The folder "${projectRoot}" already exists; the generator never overwrites files. Choose another name, or containerize the existing code with "nx g @org/go:docker".`,
    );
  }
  const taken = existingProjectNames(tree);
  if (taken.has(name)) {
    throw new Error(`A project named "${name}" already exists in this workspace. Choose another name, e.g. "${name}-svc".`);
  }

  const port = schema.port ?? DEFAULT_PORT;
  fail(validatePort(port));

  const goVersion = schema.goVersion?.trim() || detectGoVersion();
  fail(validateGoVersion(goVersion));

  const baseImage = schema.baseImage ?? 'scratch';
  if (!(baseImage in RUNTIME_IMAGES)) {
    throw new Error(`Invalid baseImage "${baseImage}": use one of ${Object.keys(RUNTIME_IMAGES).join(', ')}, e.g. "scratch".`);
  }

  const modulePath =
    schema.module?.trim() ||
    deriveModulePath({
      gitRemote: tree.exists('.git/config') ? originUrlFromGitConfig(tree.read('.git/config', 'utf-8') ?? '') : undefined,
      workspaceName: tree.exists('package.json') ? readJson<{ name?: string }>(tree, 'package.json').name : undefined,
      projectRoot,
    });
  fail(validateModulePath(modulePath));

  return { name, projectRoot, modulePath, goVersion, port, baseImage, k8s: schema.k8s ?? false };
}

/** Names of configured projects plus those the plugin infers from go.mod folders. */
function existingProjectNames(tree: Tree): Set<string> {
  const names = new Set(getProjects(tree).keys());
  for (const root of findGoModuleRoots(tree)) {
    if (root !== '.') names.add(basename(root));
  }
  return names;
}
