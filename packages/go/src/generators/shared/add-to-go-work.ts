import type { Tree } from '@nx/devkit';
import { addGoWorkUse, createGoWork } from '../../utils/go-work';

/**
 * Whether new modules are listed in a go.work: yes when the workspace has one, or has neither a
 * go.work nor a root go.mod (then one is created). A single-module repository (go.mod at the root,
 * no go.work) manages its nested modules without go.work.
 */
export function usesGoWork(tree: Tree): boolean {
  return tree.exists('go.work') || !tree.exists('go.mod');
}

/** Adds `use ./<projectRoot>` to go.work, creating the file when `usesGoWork` says so. */
export function addToGoWork(tree: Tree, projectRoot: string, goVersion: string): void {
  if (!usesGoWork(tree)) return;
  if (!tree.exists('go.work')) tree.write('go.work', createGoWork(goVersion));
  const current = tree.read('go.work', 'utf-8') ?? '';
  const updated = addGoWorkUse(current, projectRoot);
  if (updated !== current) tree.write('go.work', updated);
}
