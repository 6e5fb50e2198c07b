#!/usr/bin/env node
// Benchmark: the Go source header scanner (packages/go/src/graph/source) over a Go tree.
//
//   node tools/bench/scan-go.mjs [--root DIR] [--runs N] [--dist]
//
// Walks DIR (default /tmp/gotree, generated with the shared tree generator when missing),
// then, per run: reads every .go file (read), scans each header (scan), and evaluates
// fileIncluded for linux/amd64 without cgo (filter). Prints the file count, bytes and, for
// each phase and their total, the first run (cold JIT, as in a one-shot graph step) and the
// median of --runs (default 5).
//
// The scanner is loaded from source through @swc-node/register; with --dist it is loaded
// from the built plugin instead (npx nx run go:build first).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'package.json'));

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const treeRoot = path.resolve(opt('--root', '/tmp/gotree'));
const runs = Number(opt('--runs', '5'));
const useDist = args.includes('--dist');
const generator = opt('--generator', process.env.GEN_GO_TREE ?? '/work/shared/bench/gen-go-tree.mjs');

if (!fs.existsSync(treeRoot)) {
  if (!fs.existsSync(generator)) {
    console.error(`No tree at ${treeRoot} and no generator at ${generator} (pass --root or --generator).`);
    process.exit(2);
  }
  console.error(`Generating ${treeRoot} ...`);
  execFileSync(process.execPath, [generator, '--out', treeRoot], { stdio: ['ignore', 'ignore', 'inherit'] });
}

let scanner;
if (useDist) {
  const built = path.join(root, 'dist/packages/go/src/graph/source/index.js');
  if (!fs.existsSync(built)) {
    console.error('Build the plugin first: npx nx run go:build');
    process.exit(2);
  }
  scanner = require(built);
} else {
  require('@swc-node/register');
  scanner = require(path.join(root, 'packages/go/src/graph/source/index.ts'));
}
const { scanGoFile, fileIncluded } = scanner;

// Directories the go tool never looks into.
const skipDir = (name) => name.startsWith('.') || name.startsWith('_') || name === 'testdata' || name === 'node_modules';

function walk(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skipDir(entry.name)) walk(path.join(dir, entry.name), out);
    } else if (entry.name.endsWith('.go')) {
      out.push(path.join(dir, entry.name));
    }
  }
  return out;
}

const files = walk(treeRoot, []);
const target = { goos: 'linux', goarch: 'amd64', cgoEnabled: false, goVersion: '1.26' };
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const samples = { read: [], scan: [], filter: [], total: [] };
let bytes = 0;
let imports = 0;
let included = 0;
let errors = 0;
for (let run = 0; run < runs; run++) {
  const t0 = process.hrtime.bigint();
  const sources = new Array(files.length);
  bytes = 0;
  for (let i = 0; i < files.length; i++) {
    sources[i] = fs.readFileSync(files[i], 'utf8');
    bytes += sources[i].length;
  }
  const t1 = process.hrtime.bigint();
  const headers = new Array(files.length);
  for (let i = 0; i < files.length; i++) headers[i] = scanGoFile(sources[i]);
  const t2 = process.hrtime.bigint();
  imports = 0;
  included = 0;
  errors = 0;
  for (let i = 0; i < files.length; i++) {
    const h = headers[i];
    if (h.error !== undefined) errors++;
    if (fileIncluded(path.basename(files[i]), h, target)) {
      included++;
      imports += h.imports.length;
    }
  }
  const t3 = process.hrtime.bigint();
  samples.read.push(Number(t1 - t0) / 1e6);
  samples.scan.push(Number(t2 - t1) / 1e6);
  samples.filter.push(Number(t3 - t2) / 1e6);
  samples.total.push(ms(t0));
}

const fmt = (v) => v.toFixed(1).padStart(8);
const row = (label, values, extra = '') => console.log(`${label.padEnd(7)}${fmt(values[0])} ${fmt(median(values))}${extra}`);
console.log(`tree      ${treeRoot}`);
console.log(`loaded    ${useDist ? 'dist (built plugin)' : 'source (@swc-node/register)'}`);
console.log(`files     ${files.length}`);
console.log(`bytes     ${bytes} (characters)`);
console.log(`included  ${included} for linux/amd64 without cgo; ${imports} import specs; ${errors} malformed headers`);
console.log(`runs      ${runs}`);
console.log(`ms       first   median`);
row('read', samples.read);
row('scan', samples.scan, `   (${((median(samples.scan) * 1e3) / files.length).toFixed(2)} µs/file median)`);
row('filter', samples.filter);
row('total', samples.total);
