#!/usr/bin/env node
// The main job of @org/go, end to end, as a new user walks it:
//   publish the plugin to a local registry → create a throw-away Nx workspace → nx add @org/go →
//   generate two services → build every image → change one service and commit →
//   nx affected -t docker-build rebuilds only that one → run it detached → probe it → print the URL.
//
// Usage: node tools/demo.mjs [--dir <folder>] [--cleanup]
//   --dir      where to create the workspace (default: a new folder under the system's temp folder)
//   --cleanup  stop and remove the demo container and images at the end
// Run tools/setup.sh and `npx nx run go:build` first (tools/demo.sh does both).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, getFreePort, publishPlugin, startLocalRegistry } from './local-registry.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const parent = path.resolve(option('dir') ?? path.join(os.tmpdir(), `org-go-demo-${stamp}`));
const wsName = 'shop';
const ws = path.join(parent, wsName);

const banner = (text) => console.log(`\n\x1b[1m=== ${text}\x1b[0m`);

function run(cmd, cmdArgs, { cwd = ws, env, capture = false } = {}) {
  console.log(`\x1b[2m$ ${[cmd, ...cmdArgs].join(' ')}\x1b[0m`);
  const result = spawnSync(cmd, cmdArgs, { cwd, env, encoding: 'utf8', stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
  if (capture) process.stdout.write(result.stdout ?? '');
  if (result.status !== 0) {
    if (capture) process.stderr.write(result.stderr ?? '');
    throw new Error(`"${[cmd, ...cmdArgs].join(' ')}" failed with exit code ${result.status}`);
  }
  return result.stdout ?? '';
}

function get(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { timeout: 3000 }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

const started = Date.now();
banner('Local npm registry with the freshly built @org/go');
const registry = await startLocalRegistry();
let exitCode = 0;
try {
  const version = await publishPlugin({ registry: registry.url, env: registry.env });
  console.log(`published @org/go@${version} to ${registry.url}`);
  const env = { ...cleanEnv(), ...registry.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', CI: 'true' };

  banner(`A new Nx workspace in ${ws}`);
  fs.mkdirSync(parent, { recursive: true });
  run('npx', ['-y', 'create-nx-workspace@23.2.1', wsName, '--preset=apps', '--nxCloud=skip', '--packageManager=npm', '--interactive=false', '--skipGit=false'], { cwd: parent, env });

  // The workspace must be a git repository of its own (nx affected compares commits): inside another
  // repository create-nx-workspace leaves git alone.
  const top = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: ws, encoding: 'utf8' }).stdout.trim();
  if (path.resolve(top || '/') !== ws) {
    run('git', ['init', '-q', '-b', 'main']);
    run('git', ['add', '-A']);
    run('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@example.com', 'commit', '-qm', 'New Nx workspace']);
  }

  banner('nx add @org/go, then two services');
  run('npx', ['nx', 'add', `@org/go@${version}`], { env });
  run('npx', ['nx', 'g', '@org/go:service', 'orders', '--no-interactive'], { env });
  run('npx', ['nx', 'g', '@org/go:service', 'billing', '--port=8081', '--no-interactive'], { env });
  run('npx', ['nx', 'show', 'projects'], { env });
  run('git', ['add', '-A']);
  run('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@example.com', 'commit', '-qm', 'Add orders and billing services']);

  banner('Build every service image once');
  run('npx', ['nx', 'run-many', '-t', 'docker-build', '--outputStyle=static'], { env });

  banner('Change only orders, commit, and build what the change reaches');
  const routes = path.join(ws, 'apps/orders/internal/server/routes.go');
  fs.appendFileSync(routes, '\n// Demo change: a comment is enough to change the service.\n');
  run('git', ['-c', 'user.name=demo', '-c', 'user.email=demo@example.com', 'commit', '-qam', 'Touch orders']);
  const affected = run('npx', ['nx', 'show', 'projects', '--affected', '--base=HEAD~1', '--head=HEAD', '-t', 'docker-build'], { env, capture: true });
  const affectedList = affected.split('\n').filter(Boolean);
  console.log(`affected by the change: ${affectedList.join(', ')}`);
  if (affectedList.join(',') !== 'orders') throw new Error(`expected only orders to be affected, got: ${affectedList.join(', ')}`);
  run('npx', ['nx', 'affected', '-t', 'docker-build', '--base=HEAD~1', '--head=HEAD', '--outputStyle=static'], { env });

  banner('Run orders, wait until healthy, probe it');
  const port = await getFreePort();
  run('npx', ['nx', 'run', 'orders:docker-run', '--detach', `--port=${port}`, '--outputStyle=static'], { env });
  const url = `http://127.0.0.1:${port}`;
  for (const probe of ['/healthz', '/readyz', '/v1/info']) {
    const { status, body } = await get(url + probe);
    console.log(`GET ${probe} → ${status} ${body.trim()}`);
    if (status !== 200) throw new Error(`${probe} answered ${status}`);
  }
  const health = execFileSync('docker', ['inspect', '--format', '{{.State.Health.Status}}', 'orders-dev'], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_API_VERSION: process.env.DOCKER_API_VERSION ?? '1.41' },
  }).trim();
  console.log(`Docker reports orders-dev: ${health}`);
  const image = JSON.parse(fs.readFileSync(path.join(ws, 'dist/apps/orders/docker/image.json'), 'utf8'));
  console.log(`image ${image.tags.join(', ')}: ${(image.size / 1024 / 1024).toFixed(1)} MiB`);

  banner('Done');
  console.log(`orders is running at ${url}   (workspace: ${ws})`);
  console.log(`took ${((Date.now() - started) / 1000).toFixed(0)}s`);
  if (flag('cleanup')) {
    run('npx', ['nx', 'reset'], { env });
    execFileSync('docker', ['rm', '-f', 'orders-dev'], { stdio: 'inherit', env: { ...process.env, DOCKER_API_VERSION: '1.41' } });
    console.log('removed the orders-dev container');
  } else {
    console.log('stop it with: docker rm -f orders-dev');
  }
} catch (err) {
  console.error(`\ndemo failed: ${err.message}`);
  exitCode = 1;
} finally {
  await registry.stop();
}
process.exit(exitCode);
