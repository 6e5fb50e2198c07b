#!/usr/bin/env node
// Benchmark and correctness check of the plugin's Go graph on the synthetic workspace that
// ../shared/bench/gen-go-tree.mjs generates (200 modules, 2,000 packages, 6,811 .go files, go.work).
//
//   npx nx run go:build && node tools/bench/graph.mjs [--tree DIR] [--runs N] [--generator PATH]
//
// Prints:
//   1. the plugin's own graph work (createNodes + createDependencies share one computation), in a fresh
//      process each time: cold (no cache in .nx/workspace-data) and warm (cache present), median of N;
//   2. `nx show projects` wall time, bare Nx (no plugin) vs with @org/go, cold (`.nx` removed) and warm;
//   3. every edge of the generator's manifest found with the right kind (normal / test-only /
//      windows-only), and nothing extra.
// No Go toolchain is used (PATH is stripped of go for the measured runs).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const runs = Number(opt('runs', '5'));
const tree = path.resolve(opt('tree', path.join(os.tmpdir(), 'org-go-graph-bench')));
const generator = path.resolve(opt('generator', path.join(repo, '..', 'shared', 'bench', 'gen-go-tree.mjs')));
const dist = path.join(repo, 'dist/packages/go');
if (!fs.existsSync(path.join(dist, 'src/index.js'))) {
  console.error('Build the plugin first: npx nx run go:build');
  process.exit(2);
}
if (!fs.existsSync(path.join(tree, 'gen-manifest.json'))) {
  if (!fs.existsSync(generator)) {
    console.error(`No generator at ${generator}; pass --generator <gen-go-tree.mjs>`);
    process.exit(2);
  }
  execFileSync(process.execPath, [generator, '--out', tree], { stdio: 'inherit' });
}

// The tree as an Nx workspace.
fs.writeFileSync(path.join(tree, 'package.json'), JSON.stringify({ name: 'bench', private: true }));
fs.writeFileSync(path.join(tree, '.gitignore'), 'node_modules\n.nx\ndist\n');
if (!fs.existsSync(path.join(tree, 'node_modules'))) fs.symlinkSync(path.join(repo, 'node_modules'), path.join(tree, 'node_modules'));
const setPlugins = (plugins) => fs.writeFileSync(path.join(tree, 'nx.json'), JSON.stringify({ plugins }));

// No Go toolchain on PATH: the graph must not need one.
const noGoPath = (process.env.PATH ?? '').split(':').filter((dir) => !fs.existsSync(path.join(dir, 'go'))).join(':');
const env = { ...process.env, PATH: noGoPath, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'true' };
for (const key of Object.keys(env)) if (/^npm_/i.test(key) || (key.startsWith('NX_') && !['NX_DAEMON', 'NX_NO_CLOUD', 'NX_TUI'].includes(key))) delete env[key];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const resetNx = () => fs.rmSync(path.join(tree, '.nx'), { recursive: true, force: true });

// 1. The plugin's own work, measured inside a fresh process (Nx's workspace context warmed first: Nx pays that).
const probe = `
const { hashWithWorkspaceContext } = require('@nx/devkit/internal');
const { loadPluginResults } = require(${JSON.stringify(path.join(dist, 'src/plugins/results.js'))});
const { resolvePluginOptions } = require(${JSON.stringify(path.join(dist, 'src/utils/plugin-options.js'))});
(async () => {
  await hashWithWorkspaceContext(process.cwd(), ['**/*.go']);
  const started = performance.now();
  const results = await loadPluginResults(process.cwd(), resolvePluginOptions({}));
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, dependencies: results.dependencies, projects: Object.values(results.nodesByModule).flatMap((nodes) => Object.values(nodes).map((n) => ({ name: n.name, root: n.root }))) }));
})();`;
const probeRun = () => {
  const out = spawnSync(process.execPath, ['-e', probe], { cwd: tree, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
};
const pluginCold = [];
const pluginWarm = [];
let lastResult;
for (let i = 0; i < runs; i++) {
  resetNx();
  lastResult = probeRun();
  pluginCold.push(lastResult.ms);
  pluginWarm.push(probeRun().ms);
}

// 2. `nx show projects`, bare and with the plugin.
const nx = path.join(tree, 'node_modules/.bin/nx');
const showProjects = () => {
  const started = performance.now();
  const out = spawnSync(nx, ['show', 'projects'], { cwd: tree, env, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr || out.stdout);
  return { ms: performance.now() - started, count: out.stdout.trim().split('\n').filter(Boolean).length };
};
// A plugin that infers nothing: what any plugin costs Nx (a plugin worker process), the floor for ours.
const noop = fs.mkdtempSync(path.join(os.tmpdir(), 'org-go-noop-plugin-'));
fs.writeFileSync(path.join(noop, 'package.json'), JSON.stringify({ name: 'noop-plugin', main: 'index.js' }));
fs.writeFileSync(path.join(noop, 'index.js'), "exports.name = 'noop';\nexports.createNodes = ['**/go.mod', async (files) => files.map((file) => [file, {}])];\n");
const table = {};
for (const [label, plugins] of [['bare Nx 23', []], ['Nx 23 + a plugin that infers nothing', [noop]], ['Nx 23 + @org/go', [dist]]]) {
  setPlugins(plugins);
  const cold = [];
  const warm = [];
  let count = 0;
  for (let i = 0; i < runs; i++) {
    resetNx();
    cold.push(showProjects().ms);
    const w = showProjects();
    warm.push(w.ms);
    count = w.count;
  }
  table[label] = { cold: median(cold), warm: median(warm), count };
}
setPlugins([dist]);
fs.rmSync(noop, { recursive: true, force: true });

// 3. Exactness against the manifest.
const manifest = JSON.parse(fs.readFileSync(path.join(tree, 'gen-manifest.json'), 'utf8'));
const nameOfRoot = new Map(lastResult.projects.map((p) => [p.root, p.name]));
const want = new Map();
for (const module of manifest.modules) {
  const source = nameOfRoot.get(module.dir);
  for (const dep of module.prodDeps) want.set(`${source}->${nameOfRoot.get(dep)}`, 'normal');
  for (const dep of module.testOnlyDeps ?? []) want.set(`${source}->${nameOfRoot.get(dep)}`, 'test');
  for (const dep of module.windowsOnlyDeps ?? []) want.set(`${source}->${nameOfRoot.get(dep)}`, 'platform');
}
const got = new Map(lastResult.dependencies.map((d) => [`${d.source}->${d.target}`, d.kind]));
let missing = 0;
let wrongKind = 0;
for (const [edge, kind] of want) {
  if (!got.has(edge)) missing += 1;
  else if (got.get(edge) !== kind) wrongKind += 1;
}
const extra = [...got.keys()].filter((edge) => !want.has(edge)).length;
const kinds = (map) => ['normal', 'test', 'platform'].map((k) => [...map.values()].filter((v) => v === k).length).join(' / ');

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\nGo graph on ${tree} (${manifest.stats.modules} modules, ${manifest.stats.packages} packages, ${manifest.stats.goFiles + manifest.stats.testFiles} .go files)`);
console.log(`machine: ${os.cpus().length} × ${cpu}, Node ${process.version}, no go on PATH, median of ${runs}\n`);
console.log('| measure | cold | warm |');
console.log('|---|---|---|');
console.log(`| @org/go graph work (createNodes + createDependencies) | ${median(pluginCold).toFixed(0)} ms | ${median(pluginWarm).toFixed(1)} ms |`);
for (const [label, row] of Object.entries(table)) console.log(`| \`nx show projects\`, ${label} (${row.count} projects) | ${(row.cold / 1000).toFixed(2)} s | ${(row.warm / 1000).toFixed(2)} s |`);
console.log(`\nmanifest edges (normal / test-only / windows-only): ${kinds(want)}; found: ${kinds(got)}`);
console.log(`missing ${missing}, wrong kind ${wrongKind}, extra ${extra}`);
process.exit(missing + wrongKind + extra === 0 ? 0 : 1);
