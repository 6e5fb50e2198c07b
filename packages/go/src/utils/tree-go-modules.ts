import type { Tree } from '@nx/devkit';
import { IGNORED_DIRS } from './constants';

/** Folders (workspace-relative, `.` for the root) that hold a go.mod in the tree, skipping dependency and output folders. */
export function findGoModuleRoots(tree: Tree, dir = ''): string[] {
  const roots: string[] = [];
  for (const child of tree.children(dir)) {
    const path = dir ? `${dir}/${child}` : child;
    if (child === 'go.mod' && tree.isFile(path)) roots.push(dir || '.');
    else if (!IGNORED_DIRS.includes(child) && !tree.isFile(path)) roots.push(...findGoModuleRoots(tree, path));
  }
  return roots;
}
