import { getProjects, joinPathFragments, type Tree } from '@nx/devkit';
import { basename } from 'node:path';
import { findGoModuleRoots } from '../../utils/tree-go-modules';
import { failIf, validateWorkspacePath } from './validate';

export interface ProjectLocation {
  /** Project name, the last segment of the folder, e.g. `orders`. */
  name: string;
  /** Workspace-relative folder, e.g. `apps/orders`. */
  projectRoot: string;
}

/**
 * Where a new module goes: `<directory>/<name>`, or, when the name holds a slash, that path as
 * given, its last segment being the name. Throws when the path leaves the workspace or the name is invalid.
 */
export function resolveProjectLocation(input: {
  /** The positional name, e.g. `orders` or `platform/payments`. */
  name: string | undefined;
  directory: string | undefined;
  /** The folder from the plugin options, used when `directory` is not given. */
  defaultDirectory: string;
  /** What is generated, for messages: `service`, `library`. */
  kind: string;
  /** A valid path, for messages, e.g. `apps/orders`. */
  example: string;
  validateName: (name: string) => string | undefined;
}): ProjectLocation {
  const rawName = String(input.name ?? '').trim();
  const hasPath = /[\\/]/.test(rawName);
  failIf(hasPath ? validateWorkspacePath(rawName, `${input.kind} path`, input.example) : undefined);
  const name = hasPath ? basename(rawName.replace(/\\/g, '/').replace(/\/+$/, '')) : rawName;
  failIf(input.validateName(name));

  if (hasPath) return { name, projectRoot: joinPathFragments(rawName.replace(/\\/g, '/')) };
  const directory = input.directory?.trim() || input.defaultDirectory;
  failIf(validateWorkspacePath(directory, 'directory', input.example));
  return { name, projectRoot: joinPathFragments(directory, name) };
}

/**
 * Throws unless both the folder and the project name are unused, the project names including those
 * the plugin infers from go.mod folders. `next` completes each message with what the user can do.
 */
export function assertLocationIsFree(tree: Tree, location: ProjectLocation, next: { folder: string; name: string }): void {
  if (tree.exists(location.projectRoot)) {
    throw new Error(`The folder "${location.projectRoot}" already exists; the generator never overwrites files. ${next.folder}`);
  }
  if (existingProjectNames(tree).has(location.name)) {
    throw new Error(`A project named "${location.name}" already exists in this workspace. ${next.name}`);
  }
}

/** Names of configured projects plus those the plugin infers from go.mod folders. */
function existingProjectNames(tree: Tree): Set<string> {
  const names = new Set(getProjects(tree).keys());
  for (const root of findGoModuleRoots(tree)) {
    if (root !== '.') names.add(basename(root));
  }
  return names;
}
