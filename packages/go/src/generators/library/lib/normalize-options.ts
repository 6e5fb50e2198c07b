import { readNxJson, type Tree } from '@nx/devkit';
import { detectGoVersion } from '../../../utils/go-version';
import { findPluginEntry, resolvePluginOptions } from '../../../utils/plugin-options';
import { usesGoWork } from '../../shared/add-to-go-work';
import { defaultModulePath } from '../../shared/module-path';
import { assertLocationIsFree, resolveProjectLocation } from '../../shared/project-location';
import { failIf, goVersionText, MIN_GENERATED_GO_MINOR, validateGoVersion, validateModulePath, validateProjectFolder } from '../../shared/validate';
import type { LibraryGeneratorSchema } from '../schema';
import { importSpec } from './import-spec';
import { validateLibraryName, validatePackageName } from './validate';

export interface NormalizedLibraryOptions {
  /** Project and folder name, e.g. `order-utils`. */
  name: string;
  /** Workspace-relative folder, e.g. `libs/order-utils`. */
  projectRoot: string;
  modulePath: string;
  goVersion: string;
  /** Name of the package at the module root, e.g. `orderutils`. */
  packageName: string;
  /** How other packages import it, e.g. `orderutils "example.com/shop/libs/order-utils"`. */
  importSpec: string;
  /** Whether go.work lists the module; not in a single-module repository (root go.mod, no go.work). */
  goWork: boolean;
  /** Inferred target names, as the plugin options set them, for the README. */
  testTargetName: string;
  lintTargetName: string;
}

/** Every default of the library generator is decided here, and every input is checked before the tree is touched. */
export function normalizeOptions(tree: Tree, schema: LibraryGeneratorSchema): NormalizedLibraryOptions {
  const pluginOptions = resolvePluginOptions(findPluginEntry(readNxJson(tree))?.options);
  const { name, projectRoot } = resolveProjectLocation({
    name: schema.name,
    directory: schema.directory,
    defaultDirectory: pluginOptions.librariesDir,
    kind: 'library',
    example: 'libs/money',
    validateName: validateLibraryName,
  });
  failIf(validateProjectFolder(projectRoot, 'library', 'libs/money'));
  assertLocationIsFree(
    tree,
    { name, projectRoot },
    { folder: 'Choose another name or directory.', name: `Choose another name, e.g. "${name}-lib".` },
  );

  const goVersion = goVersionText(schema.goVersion) || detectGoVersion();
  failIf(validateGoVersion(goVersion, typeof schema.goVersion === 'number', MIN_GENERATED_GO_MINOR));

  const givenPackageName = schema.packageName?.trim();
  const packageName = givenPackageName || name.replace(/-/g, '');
  failIf(validatePackageName(packageName, givenPackageName ? undefined : name));

  const modulePath = schema.module?.trim() || defaultModulePath(tree, projectRoot);
  failIf(validateModulePath(modulePath));

  return {
    name,
    projectRoot,
    modulePath,
    goVersion,
    packageName,
    importSpec: importSpec(modulePath, packageName),
    goWork: usesGoWork(tree),
    testTargetName: pluginOptions.testTargetName,
    lintTargetName: pluginOptions.lintTargetName,
  };
}
