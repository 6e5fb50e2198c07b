/**
 * The Nx internals the graph uses, loaded on first use from the modules that define them.
 *
 * `@nx/devkit` and `@nx/devkit/internal` are barrels: requiring either loads a few hundred modules
 * (generators, the task runner, Nx Cloud, semver…) that a plugin worker does not otherwise load, which
 * costs ~0.1 s per `nx` command. The functions below live in small modules of `nx` that a plugin worker
 * has already loaded; the barrel stays the fallback if a future Nx moves them.
 */
type WorkspaceContextApi = {
  globWithWorkspaceContext(workspaceRoot: string, globs: string[], exclude?: string[]): Promise<string[]>;
  hashWithWorkspaceContext(workspaceRoot: string, globs: string[], exclude?: string[]): Promise<string>;
  /** Every file with its content hash (not in @nx/devkit/internal: optional). */
  getAllFileDataInContext?(workspaceRoot: string): Promise<Array<{ file: string; hash: string }>>;
};

function load<T>(module: string, has: (value: T) => boolean): T | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const value = require(module) as T;
    return has(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The barrel: always there, slow to load; used only when a direct module is missing. */
const devkitInternal = () => require('@nx/devkit/internal') as WorkspaceContextApi & { workspaceDataDirectory: string };

let context: WorkspaceContextApi | undefined;
export function workspaceContext(): WorkspaceContextApi {
  context ??=
    load<WorkspaceContextApi>(
      'nx/src/utils/workspace-context',
      (m) => typeof m.hashWithWorkspaceContext === 'function' && typeof m.globWithWorkspaceContext === 'function',
    ) ??
    devkitInternal();
  return context;
}

/** `.nx/workspace-data` (or what NX_WORKSPACE_DATA_DIRECTORY and nx.json say): where plugins keep caches. */
export function workspaceDataDirectory(): string {
  return (
    load<{ workspaceDataDirectory: string }>('nx/src/utils/cache-directory', (m) => typeof m.workspaceDataDirectory === 'string')?.workspaceDataDirectory ??
    devkitInternal().workspaceDataDirectory
  );
}
