#!/usr/bin/env node
// Benchmark: size and build time of a generated service's image, per runtime base.
//
//   npx nx run go:build && node tools/bench/image-build.mjs [--runs N]
//
// For each base (scratch, distroless) it generates a service with the built plugin (dist/packages/go)
// into a temporary workspace, then through the docker-build executor:
//   cold   — no layer cache (noCache: true): what CI pays on a fresh engine;
//   warm   — one .go file changed: the go.mod / `go mod download` layers are reused;
//   no-op  — nothing changed: every layer from cache.
// Prints a table of the figures (median of --runs, default 1). Needs a Docker engine and the base images.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = path.join(root, 'dist/packages/go');
if (!fs.existsSync(path.join(dist, 'package.json'))) {
  console.error('Build the plugin first: npx nx run go:build');
  process.exit(2);
}
const require = createRequire(path.join(root, 'package.json'));
const { createTreeWithEmptyWorkspace } = require('@nx/devkit/testing');
const devkit = require('@nx/devkit');
const { serviceGenerator } = require(path.join(dist, 'src/generators/service/service.js'));
const { dockerBuildExecutor } = require(path.join(dist, 'src/executors/docker-build/docker-build.js'));

const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 1;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Quiet executors: the table is the output.
devkit.logger.info = () => undefined;
const write = process.stdout.write.bind(process.stdout);

async function generate(name, baseImage) {
  const tree = createTreeWithEmptyWorkspace();
  await serviceGenerator(tree, { name, baseImage });
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'org-go-bench-'));
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || !change.content) continue;
    const file = path.join(ws, change.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, change.content);
  }
  return ws;
}

async function build(ws, name, options) {
  const context = {
    root: ws,
    cwd: ws,
    projectName: name,
    isVerbose: false,
    projectsConfigurations: { version: 2, projects: { [name]: { root: `apps/${name}` } } },
  };
  const started = process.hrtime.bigint();
  process.stdout.write = () => true;
  let result;
  try {
    result = await dockerBuildExecutor({ quiet: true, ...options }, context);
  } finally {
    process.stdout.write = write;
  }
  if (!result.success) throw new Error(`docker-build failed for ${name}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const image = JSON.parse(fs.readFileSync(path.join(ws, 'dist/apps', name, 'docker/image.json'), 'utf8'));
  return { seconds, size: image.size, contextBytes: image.contextBytes, contextFiles: image.contextFiles, id: image.id };
}

const rows = [];
for (const baseImage of ['scratch', 'distroless']) {
  const name = `bench-${baseImage}`;
  const ws = await generate(name, baseImage);
  const cold = [];
  const warm = [];
  const noop = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = await build(ws, name, { noCache: true });
    cold.push(last.seconds);
    fs.appendFileSync(path.join(ws, `apps/${name}/internal/server/routes.go`), `\n// bench change ${Date.now()}\n`);
    warm.push((await build(ws, name, {})).seconds);
    noop.push((await build(ws, name, {})).seconds);
  }
  rows.push({ baseImage, size: last.size, cold: median(cold), warm: median(warm), noop: median(noop), context: `${last.contextFiles} files, ${(last.contextBytes / 1024).toFixed(1)} KiB` });
  execFileSync('docker', ['rmi', '-f', `${name}:latest`], { stdio: 'ignore', env: { ...process.env, DOCKER_API_VERSION: '1.41' } });
  fs.rmSync(ws, { recursive: true, force: true });
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\nGenerated service image (${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, runs=${runs}, median)\n`);
console.log('| base | image size | cold build | warm rebuild (one .go changed) | no-op rebuild | context sent |');
console.log('|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.baseImage} | ${(row.size / 1e6).toFixed(2)} MB (${(row.size / 2 ** 20).toFixed(2)} MiB) | ${row.cold.toFixed(1)} s | ${row.warm.toFixed(1)} s | ${row.noop.toFixed(1)} s | ${row.context} |`);
}
