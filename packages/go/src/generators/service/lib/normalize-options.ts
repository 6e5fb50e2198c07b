import { readNxJson, type Tree } from '@nx/devkit';
import { DEFAULT_PORT, RUNTIME_IMAGES, type BaseImageKind } from '../../../utils/constants';
import { detectGoVersion } from '../../../utils/go-version';
import { findPluginEntry, resolvePluginOptions } from '../../../utils/plugin-options';
import { defaultModulePath } from '../../shared/module-path';
import { assertLocationIsFree, resolveProjectLocation } from '../../shared/project-location';
import { failIf, goVersionText, MIN_GENERATED_GO_MINOR, validateGoVersion, validateModulePath, validatePort, validateProjectFolder } from '../../shared/validate';
import type { ServiceGeneratorSchema } from '../schema';
import { validateServiceName } from './validate';

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
  const pluginOptions = resolvePluginOptions(findPluginEntry(readNxJson(tree))?.options);
  const { name, projectRoot } = resolveProjectLocation({
    name: schema.name,
    directory: schema.directory,
    defaultDirectory: pluginOptions.servicesDir,
    kind: 'service',
    example: 'apps/orders',
    validateName: validateServiceName,
  });
  failIf(validateProjectFolder(projectRoot, 'service', 'apps/orders'));
  assertLocationIsFree(
    tree,
    { name, projectRoot },
    {
      folder: 'Choose another name, or containerize the existing code with "nx g @org/go:docker".',
      name: `Choose another name, e.g. "${name}-svc".`,
    },
  );

  const port = schema.port ?? DEFAULT_PORT;
  failIf(validatePort(port));

  const goVersion = goVersionText(schema.goVersion) || detectGoVersion();
  failIf(validateGoVersion(goVersion, typeof schema.goVersion === 'number', MIN_GENERATED_GO_MINOR));

  const baseImage = schema.baseImage ?? 'scratch';
  if (!Object.hasOwn(RUNTIME_IMAGES, baseImage)) {
    throw new Error(`Invalid baseImage "${baseImage}": use one of ${Object.keys(RUNTIME_IMAGES).join(', ')}, e.g. "scratch".`);
  }

  const modulePath = schema.module?.trim() || defaultModulePath(tree, projectRoot);
  failIf(validateModulePath(modulePath));

  return { name, projectRoot, modulePath, goVersion, port, baseImage, k8s: schema.k8s ?? false };
}
