import type { ExecutorContext, Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Runs generators on an in-memory tree and writes the result into a fresh folder on disk. */
export async function generateWorkspace(generate: (tree: Tree) => Promise<unknown>, prefix = 'org-go-ws-'): Promise<string> {
  const tree = createTreeWithEmptyWorkspace();
  await generate(tree);
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || !change.content) continue;
    const file = join(root, change.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, change.content);
    if (change.options?.mode) chmodSync(file, change.options.mode);
  }
  return root;
}

/** The ExecutorContext Nx gives an executor running for `projectName` at `projectRoot`. */
export function executorContext(workspaceRoot: string, projectName: string, projectRoot: string): ExecutorContext {
  return {
    root: workspaceRoot,
    cwd: workspaceRoot,
    projectName,
    targetName: 'test',
    isVerbose: false,
    nxJsonConfiguration: {},
    projectsConfigurations: { version: 2, projects: { [projectName]: { root: projectRoot, name: projectName } } },
    projectGraph: { nodes: {}, dependencies: {} },
  } as ExecutorContext;
}
