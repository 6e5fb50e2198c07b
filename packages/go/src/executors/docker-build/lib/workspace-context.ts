import type { ContextExtras } from '../../../docker';
import { isLocalPath } from '../../../graph/go-mod';

/** Where the workspace modules a service imports are placed in its build context. */
export const LOCAL_MODULES_DIR = '_local';
/**
 * Module files only (go.mod, go.sum) of those modules, laid out as under `_local/`: the generated
 * Dockerfile copies this folder's contents with go.mod before `go mod download`, so that layer is
 * rebuilt only when module requirements change.
 */
export const MODULE_FILES_DIR = '.org-go';

/** go.mod text without `replace` directives that point at local folders (go.work takes their place in the image). */
export function withoutLocalReplaces(goMod: string): string {
  const lines = goMod.split('\n');
  const out: string[] = [];
  let inReplaceBlock = false;
  const pointsLocal = (line: string) => {
    const target = line.split('=>')[1]?.trim().split(/\s+/)[0]?.replace(/^"(.*)"$/, '$1');
    return target !== undefined && isLocalPath(target);
  };
  for (const line of lines) {
    const code = line.replace(/\/\/.*$/, '').trim();
    if (inReplaceBlock) {
      if (code === ')') inReplaceBlock = false;
      else if (pointsLocal(code)) continue;
    } else if (/^replace\s*\($/.test(code)) {
      inReplaceBlock = true;
    } else if (/^replace\s/.test(code) && pointsLocal(code)) {
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}

export interface WorkspaceContextInput {
  workspaceRoot: string;
  /**
   * The other modules the image is built from: folder (workspace-relative), module path, and whether the
   * workspace's go.work lists it (else it is reached through a `replace` directive).
   */
  localModules: Array<{ root: string; modulePath: string; inGoWork: boolean }>;
  /** Reads a workspace-relative file, or undefined when it does not exist. */
  read: (path: string) => string | undefined;
  /** The service module's folder (workspace-relative). */
  moduleRoot: string;
  goVersion: string;
}

/**
 * What to add to a service's context so it builds with the workspace modules it imports: each module
 * under `_local/<path>`, a go.work that uses them, and their module files under `.org-go/` for the
 * dependency-download layer. Local `replace` directives are dropped: the go.work resolves the modules.
 */
export function workspaceContextExtras(input: WorkspaceContextInput): ContextExtras {
  const files: ContextExtras['files'] = [];
  const serviceGoMod = input.read(`${input.moduleRoot}/go.mod`);
  if (serviceGoMod !== undefined) files.push({ name: 'go.mod', content: withoutLocalReplaces(serviceGoMod) });
  for (const { root: module } of input.localModules) {
    const goMod = input.read(`${module}/go.mod`);
    if (goMod === undefined) continue;
    const stripped = withoutLocalReplaces(goMod);
    files.push({ name: `${LOCAL_MODULES_DIR}/${module}/go.mod`, content: stripped });
    files.push({ name: `${MODULE_FILES_DIR}/${LOCAL_MODULES_DIR}/${module}/go.mod`, content: stripped });
    const goSum = input.read(`${module}/go.sum`);
    if (goSum !== undefined) files.push({ name: `${MODULE_FILES_DIR}/${LOCAL_MODULES_DIR}/${module}/go.sum`, content: goSum });
  }
  // Modules of the workspace's go.work are used; the others keep what their replace directive said,
  // pointing at their new place (a module that is both used and replaced is an error for Go).
  const local = (root: string) => `./${LOCAL_MODULES_DIR}/${root}`;
  const uses = ['.', ...input.localModules.filter((module) => module.inGoWork).map((module) => local(module.root))];
  const replaces = input.localModules.filter((module) => !module.inGoWork).map((module) => `${module.modulePath} => ${local(module.root)}`);
  const work = [`go ${input.goVersion}`, '', 'use (', ...uses.map((use) => `\t${use}`), ')'];
  if (replaces.length > 0) work.push('', 'replace (', ...replaces.map((replace) => `\t${replace}`), ')');
  files.push({ name: 'go.work', content: `${work.join('\n')}\n` });
  const workSum = input.read('go.work.sum');
  if (workSum !== undefined) files.push({ name: 'go.work.sum', content: workSum });
  return {
    folders: input.localModules.map((module) => ({ dir: `${input.workspaceRoot}/${module.root}`, prefix: `${LOCAL_MODULES_DIR}/${module.root}` })),
    files,
  };
}
