#!/usr/bin/env node
// Benchmark and correctness check of the plugin's Go graph on the synthetic workspace that
// ../shared/bench/gen-go-tree.mjs generates (200 modules, 2,000 packages, 6,811 .go files, go.work).
//
//   npx nx run go:build && node tools/bench/graph.mjs [--tree DIR] [--runs N] [--generator PATH] [--dist DIR]
//
// Prints (medians of N runs, the configurations measured in turn within each run, so that load from
// other processes spreads over all of them):
//   1. the plugin's own graph work (loadPluginResults: what createNodes and createDependencies share), each
//      in a fresh process whose Nx workspace context is already built (as it is in the Nx process, or with a
//      daemon; in an isolated plugin worker without a daemon, building it is part of `nx show projects`):
//      - cold: no cache (.nx removed);
//      - after an edit: one .go file changed since the last run, the disk caches present (results and scans,
//        which are kept from the second computation on: a workspace being edited);
//      - warm: nothing changed since the last run;
//      wall time and CPU time (process.cpuUsage, all threads: less noisy than wall time on a shared machine);
//   2. `nx show projects` wall time (and CPU time of the whole process tree when `perf` is available):
//      bare Nx, Nx with a plugin that infers nothing, Nx with a plugin that replays @org/go's recorded
//      results without computing anything (what Nx itself costs for these 200 projects and their
//      dependencies: the floor for any plugin inferring them), and Nx with @org/go; cold (`.nx` removed)
//      and warm;
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
const dist = path.resolve(opt('dist', path.join(repo, 'dist/packages/go')));
if (!fs.existsSync(path.join(dist, 'src/index.js'))) {
  console.error(`No plugin build in ${dist}. Build it first: npx nx run go:build`);
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
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

// 1. The plugin's own work, measured inside a fresh process (Nx's workspace context built first).
const probe = `
const { hashWithWorkspaceContext } = require('@nx/devkit/internal');
const { loadPluginResults } = require(${JSON.stringify(path.join(dist, 'src/plugins/results.js'))});
const { resolvePluginOptions } = require(${JSON.stringify(path.join(dist, 'src/utils/plugin-options.js'))});
(async () => {
  await hashWithWorkspaceContext(process.cwd(), ['**/*.go']);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const results = await loadPluginResults(process.cwd(), resolvePluginOptions({}));
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  // The caches are written once the results are handed over (see plugins/results.ts): counted apart.
  process.on('exit', () => {
    const total = process.cpuUsage(cpu);
    process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, cpuWithWritesMs: (total.user + total.system) / 1000, dependencies: results.dependencies, projects: Object.values(results.nodesByModule).flatMap((nodes) => Object.values(nodes).map((n) => ({ name: n.name, root: n.root }))) }));
  });
})();`;
const probeRun = () => {
  const out = spawnSync(process.execPath, ['-e', probe], { cwd: tree, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (out.status !== 0) throw new Error(out.stderr);
  return JSON.parse(out.stdout);
};
// A Go file of the tree edited between runs (a comment appended). Nx caches file hashes by modification
// time in whole seconds, so edits are made more than a second after the previous run.
const edited = path.join(tree, 'libs', fs.readdirSync(path.join(tree, 'libs')).sort()[0]);
const editedFile = path.join(edited, fs.readdirSync(edited).find((name) => name.endsWith('.go') && !name.endsWith('_test.go')));
const original = fs.readFileSync(editedFile, 'utf8');
const edit = (n) => {
  sleep(1100);
  fs.writeFileSync(editedFile, `${original}\n// bench edit ${n}\n`);
};
const work = { cold: [], edit: [], warm: [] };
let lastResult;
try {
  for (let i = 0; i < runs; i++) {
    resetNx();
    lastResult = probeRun();
    work.cold.push(lastResult);
    // The scans are kept from the second computation on (see plugins/results.ts): edit twice.
    edit(`${i}a`);
    probeRun();
    edit(`${i}b`);
    work.edit.push(probeRun());
    work.warm.push(probeRun());
  }
} finally {
  fs.writeFileSync(editedFile, original);
}

// 2. `nx show projects`, bare and with plugins.
const nx = path.join(tree, 'node_modules/.bin/nx');
const perf = spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', 'true'], { encoding: 'utf8' }).status === 0;
const showProjects = () => {
  const started = performance.now();
  const out = perf
    ? spawnSync('perf', ['stat', '-x,', '-e', 'task-clock', nx, 'show', 'projects'], { cwd: tree, env, encoding: 'utf8' })
    : spawnSync(nx, ['show', 'projects'], { cwd: tree, env, encoding: 'utf8' });
  const ms = performance.now() - started;
  if (out.status !== 0) throw new Error(out.stderr || out.stdout);
  const cpuMs = perf ? Number(out.stderr.trim().split('\n').pop().split(',')[0]) : NaN;
  return { ms, cpuMs, count: out.stdout.trim().split('\n').filter(Boolean).length };
};
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'org-go-bench-plugins-'));
// A plugin that infers nothing: what any plugin costs Nx (a plugin worker process).
const noop = path.join(scratch, 'noop');
fs.mkdirSync(noop);
fs.writeFileSync(path.join(noop, 'package.json'), JSON.stringify({ name: 'noop-plugin', main: 'index.js' }));
fs.writeFileSync(path.join(noop, 'index.js'), "exports.name = 'noop';\nexports.createNodes = ['**/go.mod', async (files) => files.map((file) => [file, {}])];\n");
// A plugin that hands Nx @org/go's results, recorded from the runs above, computing nothing.
const replay = path.join(scratch, 'replay');
fs.mkdirSync(replay);
fs.writeFileSync(path.join(replay, 'package.json'), JSON.stringify({ name: 'replay-plugin', main: 'index.js' }));
resetNx();
probeRun();
fs.copyFileSync(path.join(tree, '.nx/workspace-data/org-go-nodes.json'), path.join(replay, 'results.json'));
fs.writeFileSync(
  path.join(replay, 'index.js'),
  [
    "const { readFileSync } = require('fs');",
    "const { dirname } = require('path');",
    'let results;',
    "const load = () => (results ??= JSON.parse(readFileSync(__dirname + '/results.json', 'utf8')).results);",
    "exports.name = 'replay';",
    "exports.createNodes = ['**/go.mod', async (files) => files.map((file) => [file, { projects: load().nodesByModule[dirname(file)] ?? {} }])];",
    "exports.createDependencies = async (_, context) => load().dependencies.filter((d) => context.projects[d.source] && context.projects[d.target]).map((d) => ({ source: d.source, target: d.target, sourceFile: d.sourceFile, type: 'static' }));",
    '',
  ].join('\n'),
);
const configs = [
  ['bare Nx 23', []],
  ['Nx 23 + a plugin that infers nothing', [noop]],
  ['Nx 23 + a plugin replaying @org/go results (no work)', [replay]],
  ['Nx 23 + @org/go', [dist]],
];
const table = Object.fromEntries(configs.map(([label]) => [label, { cold: [], warm: [], coldCpu: [], warmCpu: [], count: 0 }]));
for (let i = 0; i < runs; i++) {
  for (const [label, plugins] of configs) {
    setPlugins(plugins);
    resetNx();
    const cold = showProjects();
    const warm = showProjects();
    Object.assign(table[label], { count: warm.count });
    table[label].cold.push(cold.ms);
    table[label].coldCpu.push(cold.cpuMs);
    table[label].warm.push(warm.ms);
    table[label].warmCpu.push(warm.cpuMs);
  }
}
setPlugins([dist]);
fs.rmSync(scratch, { recursive: true, force: true });

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
const ms = (values) => `${median(values).toFixed(0)} ms`;
const s = (values) => `${(median(values) / 1000).toFixed(2)} s`;
console.log(`\nGo graph on ${tree} (${manifest.stats.modules} modules, ${manifest.stats.packages} packages, ${manifest.stats.goFiles + manifest.stats.testFiles + (manifest.stats.windowsFiles ?? 0)} .go files)`);
console.log(`plugin: ${dist}`);
console.log(`machine: ${os.cpus().length} × ${cpu}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}, no go on PATH, median of ${runs}\n`);
console.log('| @org/go graph work (createNodes + createDependencies) | wall | CPU | CPU incl. cache writes |');
console.log('|---|---|---|---|');
for (const [label, list] of [
  ['cold: no cache', work.cold],
  ['after an edit: one .go file changed, caches present', work.edit],
  ['warm: nothing changed', work.warm],
]) {
  console.log(`| ${label} | ${ms(list.map((r) => r.ms))} | ${ms(list.map((r) => r.cpuMs))} | ${ms(list.map((r) => r.cpuWithWritesMs))} |`);
}
console.log(`\n| \`nx show projects\` | cold | warm |${perf ? ' CPU cold | CPU warm |' : ''}`);
console.log(`|---|---|---|${perf ? '---|---|' : ''}`);
for (const [label, row] of Object.entries(table)) {
  console.log(`| ${label} (${row.count} projects) | ${s(row.cold)} | ${s(row.warm)} |${perf ? ` ${s(row.coldCpu)} | ${s(row.warmCpu)} |` : ''}`);
}
console.log(`\nmanifest edges (normal / test-only / windows-only): ${kinds(want)}; found: ${kinds(got)}`);
console.log(`missing ${missing}, wrong kind ${wrongKind}, extra ${extra}`);
process.exit(missing + wrongKind + extra === 0 ? 0 : 1);
