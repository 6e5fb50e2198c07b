#!/usr/bin/env node
// Benchmark: size and build time of a generated service's image, per runtime base and build mode.
//
//   npx nx run go:build && node tools/bench/image-build.mjs [--runs N] [--mode multistage|prebuilt|both] [--plugin <dir>]
//
// For each base (scratch, distroless) it generates a service with the built plugin (dist/packages/go, or
// --plugin) into a temporary workspace, then through the docker-build executor, per mode:
//   cold   — multistage: no layer cache (noCache: true), what CI pays on a fresh engine;
//            prebuilt: an empty Go build cache (GOCACHE in a new folder);
//   warm   — one line of Go changed (a route added: the binary changes): the layer cache / the host
//            Go build cache are reused;
//   no-op  — nothing changed.
// For prebuilt it also times the incremental host `go build` alone after another one-line change
// (the floor prebuilt can reach), and checks that two builds of the same sources give the same image id.
// Prints a table of the figures (median of --runs, default 1). Needs a Docker engine and the base images.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const arg = (name, fallback) => {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const dist = path.resolve(arg('--plugin', path.join(root, 'dist/packages/go')));
if (!fs.existsSync(path.join(dist, 'src/executors/docker-build/docker-build.js'))) {
  console.error(`No built plugin in ${dist}. Build it first: npx nx run go:build`);
  process.exit(2);
}
const modeArg = arg('--mode', 'both');
const modes = modeArg === 'both' ? ['multistage', 'prebuilt'] : [modeArg];
if (!modes.every((mode) => ['multistage', 'prebuilt'].includes(mode))) {
  console.error(`--mode must be multistage, prebuilt or both, not ${modeArg}`);
  process.exit(2);
}
const runs = Number(arg('--runs', '1'));

const require = createRequire(path.join(root, 'package.json'));
const { createTreeWithEmptyWorkspace } = require('@nx/devkit/testing');
const devkit = require('@nx/devkit');
const { serviceGenerator } = require(path.join(dist, 'src/generators/service/service.js'));
const { dockerBuildExecutor } = require(path.join(dist, 'src/executors/docker-build/docker-build.js'));

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Quiet executors: the table is the output.
devkit.logger.info = () => undefined;
devkit.logger.warn = () => undefined;
const write = process.stdout.write.bind(process.stdout);
const temp = [];
const tempDir = (prefix) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
};

async function generate(name, baseImage) {
  const tree = createTreeWithEmptyWorkspace();
  await serviceGenerator(tree, { name, baseImage });
  const ws = tempDir('org-go-bench-');
  for (const change of tree.listChanges()) {
    if (change.type === 'DELETE' || !change.content) continue;
    const file = path.join(ws, change.path);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, change.content);
  }
  return ws;
}

/** A one-line change that changes the binary: one more route. */
let edits = 0;
function editOneLine(ws, name) {
  const file = path.join(ws, `apps/${name}/internal/server/routes.go`);
  const text = fs.readFileSync(file, 'utf8');
  edits += 1;
  fs.writeFileSync(file, text.replace(/(\tmux\.Handle\("GET \/healthz", handleHealthz\(\)\)\n)/, `$1\tmux.Handle("GET /bench-${edits}", handleHealthz())\n`));
}

async function build(ws, name, options, env = {}) {
  const context = {
    root: ws,
    cwd: ws,
    projectName: name,
    isVerbose: false,
    projectsConfigurations: { version: 2, projects: { [name]: { root: `apps/${name}` } } },
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  const started = process.hrtime.bigint();
  process.stdout.write = () => true;
  let result;
  try {
    result = await dockerBuildExecutor({ quiet: true, ...options }, context);
  } finally {
    process.stdout.write = write;
    for (const key of Object.keys(env)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  }
  if (!result.success) throw new Error(`docker-build (${options.mode ?? 'multistage'}) failed for ${name}`);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const image = JSON.parse(fs.readFileSync(path.join(ws, 'dist/apps', name, 'docker/image.json'), 'utf8'));
  return { seconds, size: image.size, contextBytes: image.contextBytes, contextFiles: image.contextFiles, id: image.id };
}

/** The incremental host go build alone, after a one-line change, as prebuilt runs it. */
function goBuildAlone(ws, name, env) {
  editOneLine(ws, name);
  const out = path.join(tempDir('org-go-bench-bin-'), name);
  const started = process.hrtime.bigint();
  execFileSync('go', ['build', '-trimpath', '-buildvcs=false', '-ldflags=-s -w -X main.version=dev', '-o', out, `./cmd/${name}`], {
    cwd: path.join(ws, 'apps', name),
    env: { ...process.env, ...env, CGO_ENABLED: '0', GOOS: 'linux' },
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const rows = [];
try {
  for (const baseImage of ['scratch', 'distroless']) {
    for (const mode of modes) {
      const name = `bench-${baseImage}-${mode === 'prebuilt' ? 'pb' : 'ms'}`;
      const ws = await generate(name, baseImage);
      const cold = [];
      const warm = [];
      const noop = [];
      const goAlone = [];
      let reproducible;
      let last;
      for (let i = 0; i < runs; i++) {
        // prebuilt: a Go build cache of its own, empty for the cold build, then warm.
        const env = mode === 'prebuilt' ? { GOCACHE: tempDir('org-go-bench-gocache-') } : {};
        last = await build(ws, name, mode === 'prebuilt' ? { mode } : { noCache: true }, env);
        cold.push(last.seconds);
        editOneLine(ws, name);
        last = await build(ws, name, { mode }, env);
        warm.push(last.seconds);
        const again = await build(ws, name, { mode }, env);
        noop.push(again.seconds);
        if (mode === 'prebuilt') {
          reproducible = (reproducible ?? true) && again.id === last.id;
          goAlone.push(goBuildAlone(ws, name, env));
        }
      }
      rows.push({
        baseImage,
        mode,
        size: last.size,
        cold: median(cold),
        warm: median(warm),
        noop: median(noop),
        goAlone: goAlone.length ? median(goAlone) : undefined,
        reproducible,
        sent: mode === 'prebuilt' ? `archive ${(last.contextBytes / 1e6).toFixed(2)} MB` : `${last.contextFiles} files, ${(last.contextBytes / 1024).toFixed(1)} KiB`,
      });
      execFileSync('docker', ['rmi', '-f', `${name}:latest`], { stdio: 'ignore', env: { ...process.env, DOCKER_API_VERSION: '1.41' } });
    }
  }
} finally {
  for (const dir of temp) fs.rmSync(dir, { recursive: true, force: true });
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`\nGenerated service image (${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, runs=${runs}, median)\n`);
console.log('| base | mode | image size | cold build | warm rebuild (one line of Go changed) | no-op rebuild | sent to the engine | host go build alone (incremental) | same id on rebuild |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.baseImage} | ${row.mode} | ${(row.size / 1e6).toFixed(2)} MB (${(row.size / 2 ** 20).toFixed(2)} MiB) | ${row.cold.toFixed(1)} s | ${row.warm.toFixed(1)} s | ${row.noop.toFixed(1)} s | ${row.sent} | ${row.goAlone === undefined ? '—' : `${row.goAlone.toFixed(2)} s`} | ${row.reproducible === undefined ? '—' : row.reproducible ? 'yes' : 'no'} |`,
  );
}
