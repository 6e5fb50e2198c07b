import { generateFiles, runTasksInSerial, type GeneratorCallback, type Tree } from '@nx/devkit';
import { join } from 'node:path';
import { addToGoWork } from '../shared/add-to-go-work';
import { normalizeOptions, type NormalizedLibraryOptions } from './lib/normalize-options';
import type { LibraryGeneratorSchema } from './schema';
import { registerPluginIfMissing } from '../shared/register-plugin';

/** `nx g @org/go:library money`: a Go module of one documented, tested package that services import through go.work. */
export async function libraryGenerator(tree: Tree, schema: LibraryGeneratorSchema): Promise<GeneratorCallback> {
  const options = normalizeOptions(tree, schema);
  const tasks = await registerPluginIfMissing(tree, { goVersion: options.goVersion });
  addFiles(tree, options);
  addToGoWork(tree, options.projectRoot, options.goVersion);
  return runTasksInSerial(...tasks);
}

function addFiles(tree: Tree, options: NormalizedLibraryOptions): void {
  generateFiles(tree, join(__dirname, 'files'), options.projectRoot, {
    name: options.name,
    projectRoot: options.projectRoot,
    modulePath: options.modulePath,
    goVersion: options.goVersion,
    packageName: options.packageName,
    importSpec: options.importSpec,
    goWork: options.goWork,
    testTargetName: options.testTargetName,
    lintTargetName: options.lintTargetName,
    tmpl: '',
  });
}

export default libraryGenerator;
