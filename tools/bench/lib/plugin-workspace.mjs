// Helpers the benchmark scripts share: load the built plugin, generate a service into a temporary
// workspace with it, and run docker-build on it quietly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const requireFromRepo = createRequire(path.join(repoRoot, 'package.json'));

export function arg(name, fallback) {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
}

/** The built plugin (dist/packages/go, or --plugin); exits with the build command when it is missing. */
export function loadPlugin(dir = arg('--plugin', path.join(repoRoot, 'dist/packages/go'))) {
  const dist = path.resolve(dir);
  if (!fs.existsSync(path.join(dist, 'src/executors/docker-build/docker-build.js'))) {
    console.error(`No built plugin in ${dist}. Build it first: npx nx run go:build`);
    process.exit(2);
  }
  const load = (file) => requireFromRepo(path.join(dist, file));
  return { dist, load };
}

const temp = [];
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
}
export function removeTempDirs() {
  for (const dir of temp.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Runs generators on an in-memory tree and writes it into a new temporary workspace. */
export async function generateWorkspace(generate) {
  const { createTreeWithEmptyWorkspace } = requireFromRepo('@nx/devkit/testing');
  const tree = createTreeWithEmptyWorkspace();
  await generate(tree);
  const ws = tempDir('org-go-bench-');
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || !change.content) continue;
    const file = path.join(ws, change.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, change.content);
  }
  return ws;
}

/** Silences the executors' logger and stdout while `run` runs; the figures are the output. */
export async function quietly(run) {
  const devkit = requireFromRepo('@nx/devkit');
  const saved = { info: devkit.logger.info, warn: devkit.logger.warn, write: process.stdout.write };
  devkit.logger.info = () => undefined;
  devkit.logger.warn = () => undefined;
  process.stdout.write = () => true;
  try {
    return await run();
  } finally {
    devkit.logger.info = saved.info;
    devkit.logger.warn = saved.warn;
    process.stdout.write = saved.write;
  }
}

/** The ExecutorContext of a service at apps/<name>. */
export function serviceContext(ws, name) {
  return { root: ws, cwd: ws, projectName: name, isVerbose: false, projectsConfigurations: { version: 2, projects: { [name]: { root: `apps/${name}` } } } };
}

/**
 * Loads a TypeScript module of the repository that the published build leaves out (the spec helpers in
 * packages/go/src/testing), compiled on the fly with @swc/core, so benchmarks and specs share one copy.
 */
export function loadTypeScript(relativePath) {
  const { transformFileSync } = requireFromRepo('@swc/core');
  const file = path.join(repoRoot, relativePath);
  const { code } = transformFileSync(file, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
  const Module = requireFromRepo('node:module');
  const mod = new Module(file);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod._compile(code, file);
  return mod.exports;
}
