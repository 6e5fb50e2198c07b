#!/usr/bin/env node
// Local npm registry (verdaccio) for trying @org/go the way a user installs it.
//
// Module:
//   startLocalRegistry({ port?, storage?, upstream?, timeoutMs? }) -> { url, port, env, dir, stop() }
//   publishPackage({ registry, env, dir, version?, tag? })          -> version
//   publishPlugin({ registry, env, version?, distDir?, tag? })       -> version
//
// CLI:
//   node tools/local-registry.mjs start   [--port N]
//   node tools/local-registry.mjs publish [--port N] [--version V] [--build]
//
// Both commands print `export ...` lines for a shell and keep the registry up
// until SIGINT/SIGTERM. Our own scope (@org/*) is served only from the local
// storage; every other package is proxied from the upstream registry that npm
// is configured with on this machine.

import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const workspaceRoot = path.resolve(here, '..');
const LOOPBACK_PREFIX = 'http://127.0.0.1:';

/** Env vars inherited from an outer npm/nx/jest run that must not leak into child tools. */
const INHERITED_ENV_PATTERNS = [/^npm_/i, /^NX_/, /^INIT_CWD$/, /^JEST_/, /^TS_NODE_/];

/** A copy of `base` without variables that tie a child process to this repository's own npm/nx run. */
export function cleanEnv(base = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(base)) {
    if (v === undefined) continue;
    if (INHERITED_ENV_PATTERNS.some((re) => re.test(k))) continue;
    out[k] = v;
  }
  return out;
}

/** Ask the OS for a free TCP port on the loopback interface. */
export function getFreePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Minimal HTTP request helper: resolves { status, body } and never throws on HTTP errors. */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs}ms: ${method} ${url}`)));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** The registry npm is configured with on this machine (read at run time, never hard-coded). */
export function readUpstreamRegistry() {
  if (process.env.ORG_GO_UPSTREAM_REGISTRY) return withSlash(process.env.ORG_GO_UPSTREAM_REGISTRY);
  const ask = (env) =>
    execFileSync('npm', ['config', 'get', 'registry', '--workspaces=false'], {
      env,
      cwd: os.homedir(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  let value = ask(process.env);
  // When called from a shell that already points at a local registry, look past it.
  if (isLoopback(value)) value = ask(cleanEnv());
  if (!/^https?:\/\//.test(value) || isLoopback(value)) {
    throw new Error(`cannot determine the upstream npm registry (npm config get registry -> "${value}")`);
  }
  return withSlash(value);
}

function isLoopback(url) {
  return /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/i.test(url);
}

function withSlash(url) {
  return url.endsWith('/') ? url : `${url}/`;
}

function caFile() {
  if (process.env.NODE_EXTRA_CA_CERTS) return process.env.NODE_EXTRA_CA_CERTS;
  try {
    const v = execFileSync('npm', ['config', 'get', 'cafile', '--workspaces=false'], {
      encoding: 'utf8',
      cwd: os.homedir(),
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return v && v !== 'null' && v !== 'undefined' && fs.existsSync(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start verdaccio on 127.0.0.1 with throw-away storage, create a user on it and
 * write a temporary npm userconfig holding that user's token.
 */
export async function startLocalRegistry(options = {}) {
  const port = options.port ? Number(options.port) : await getFreePort();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const upstream = options.upstream ? withSlash(options.upstream) : readUpstreamRegistry();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'org-go-registry-'));
  const storage = options.storage ? path.resolve(options.storage) : path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const logFile = path.join(dir, 'verdaccio.log');
  const outFile = path.join(dir, 'verdaccio.out');
  const configFile = path.join(dir, 'config.yaml');
  const url = `${LOOPBACK_PREFIX}${port}/`;

  // JSON is valid YAML, so the config is written as JSON.
  const config = {
    storage,
    auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 100 } },
    uplinks: {
      upstream: {
        url: upstream,
        timeout: '60s',
        maxage: '12h',
        max_fails: 10,
        fail_timeout: '30s',
        cache: true,
      },
    },
    packages: {
      '@org/*': { access: '$all', publish: '$all', unpublish: '$all' },
      '**': { access: '$all', publish: '$all', unpublish: '$all', proxy: 'upstream' },
    },
    listen: `127.0.0.1:${port}`,
    max_body_size: '1000mb',
    server: { keepAliveTimeout: 60 },
    web: { enable: false },
    middlewares: { audit: { enabled: false } },
    publish: { allow_offline: true },
    log: { type: 'file', path: logFile, format: 'pretty', level: 'warn' },
  };
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  // Preloaded into verdaccio: exit when the process that started it goes away,
  // so an interrupted run never leaves a registry behind.
  const watchdog = path.join(dir, 'watchdog.cjs');
  fs.writeFileSync(
    watchdog,
    [
      'const parent = process.ppid;',
      'setInterval(() => {',
      '  let alive = process.ppid === parent;',
      '  if (alive) { try { process.kill(parent, 0); } catch { alive = false; } }',
      '  if (!alive) process.exit(0);',
      '}, 1000).unref();',
      '',
    ].join('\n'),
  );

  const childEnv = { ...cleanEnv(), NODE_ENV: 'production' };
  const ca = caFile();
  if (ca) childEnv.NODE_EXTRA_CA_CERTS = ca;

  const verdaccioBin = path.join(workspaceRoot, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (!fs.existsSync(verdaccioBin)) throw new Error(`verdaccio is not installed (${verdaccioBin}); run npm install`);
  const out = fs.openSync(outFile, 'a');
  const child = spawn(
    process.execPath,
    ['--require', watchdog, verdaccioBin, '--config', configFile, '--listen', `127.0.0.1:${port}`],
    { cwd: dir, env: childEnv, stdio: ['ignore', out, out] },
  );
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });

  const logs = () => `--- ${outFile} ---\n${tail(outFile)}\n--- ${logFile} ---\n${tail(logFile)}`;

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && exited === null; i++) await sleep(100);
      if (exited === null) child.kill('SIGKILL');
    }
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  };

  // Wait until this verdaccio answers /-/ping (a failed start may even exit 0).
  const started = Date.now();
  for (;;) {
    if (exited !== null) {
      await stop();
      throw new Error(`verdaccio exited during start-up (${JSON.stringify(exited)})\n${logs()}`);
    }
    try {
      const res = await request(`${url}-/ping`, { timeoutMs: 2000 });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > timeoutMs) {
      const msg = `verdaccio did not answer ${url}-/ping within ${timeoutMs}ms\n${logs()}`;
      await stop();
      throw new Error(msg);
    }
    await sleep(200);
  }

  // Create a user and keep its token in a throw-away npm userconfig.
  const username = `e2e-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(16).toString('hex');
  const res = await request(`${url}-/user/org.couchdb.user:${encodeURIComponent(username)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ _id: `org.couchdb.user:${username}`, name: username, password, type: 'user', roles: [] }),
  });
  let token;
  try {
    token = JSON.parse(res.body).token;
  } catch {
    token = undefined;
  }
  if (res.status !== 201 || !token) {
    await stop();
    throw new Error(`could not create a user on ${url} (HTTP ${res.status}): ${res.body}`);
  }
  const hostPath = `//127.0.0.1:${port}/`;
  const userconfig = path.join(dir, 'npmrc');
  fs.writeFileSync(
    userconfig,
    [
      `registry=${url}`,
      `${hostPath}:_authToken=${token}`,
      'fund=false',
      'audit=false',
      'update-notifier=false',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const env = {
    npm_config_registry: url,
    npm_config_userconfig: userconfig,
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    YARN_REGISTRY: url,
    YARN_NPM_REGISTRY_SERVER: url,
    BUN_CONFIG_REGISTRY: url,
  };

  return {
    url,
    port,
    dir,
    storage,
    upstream,
    username,
    logFile,
    env,
    pid: child.pid,
    logs,
    stop,
  };
}

/**
 * Refuse to publish anywhere but a verdaccio on 127.0.0.1 that answers /-/ping
 * and knows the token in our temporary userconfig.
 */
export async function assertLocalRegistry(registry, env) {
  const url = withSlash(String(registry ?? ''));
  if (!url.startsWith(LOOPBACK_PREFIX)) {
    throw new Error(`refusing to publish: registry "${registry}" is not a ${LOOPBACK_PREFIX}… registry`);
  }
  const ping = await request(`${url}-/ping`).catch((e) => ({ status: 0, body: String(e) }));
  if (ping.status !== 200) {
    throw new Error(`refusing to publish: ${url}-/ping answered ${ping.status} ${ping.body}`);
  }
  const userconfig = env?.npm_config_userconfig;
  const rc = userconfig && fs.existsSync(userconfig) ? fs.readFileSync(userconfig, 'utf8') : '';
  const hostPath = url.replace(/^http:/, '');
  const line = rc.split('\n').find((l) => l.startsWith(`${hostPath}:_authToken=`));
  if (!line) throw new Error(`refusing to publish: no token for ${hostPath} in ${userconfig ?? '(no userconfig)'}`);
  const token = line.slice(`${hostPath}:_authToken=`.length).trim();
  const who = await request(`${url}-/whoami`, { headers: { authorization: `Bearer ${token}` } });
  let username;
  try {
    username = JSON.parse(who.body).username;
  } catch {
    username = undefined;
  }
  if (who.status !== 200 || typeof username !== 'string' || !username.startsWith('e2e-')) {
    throw new Error(`refusing to publish: ${url} is not the registry started by this run (whoami: ${who.status})`);
  }
}

/** Publish the package in `dir` (a copy is published; `dir` itself is not modified). */
export async function publishPackage({ registry, env, dir, version, tag = 'e2e' }) {
  await assertLocalRegistry(registry, env);
  const src = path.resolve(dir);
  const pkgFile = path.join(src, 'package.json');
  if (!fs.existsSync(pkgFile)) throw new Error(`no package.json in ${src}`);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'org-go-publish-'));
  try {
    const copy = path.join(staging, 'package');
    fs.cpSync(src, copy, { recursive: true, dereference: true });
    const pkg = JSON.parse(fs.readFileSync(path.join(copy, 'package.json'), 'utf8'));
    const v = version ?? pkg.version;
    pkg.version = v;
    fs.writeFileSync(path.join(copy, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    const url = withSlash(registry);
    const childEnv = { ...cleanEnv(), ...env, npm_config_registry: url };
    try {
      execFileSync(
        'npm',
        ['publish', '--registry', url, '--tag', tag, '--access', 'public', '--provenance=false', '--ignore-scripts'],
        { cwd: copy, env: childEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (e) {
      throw new Error(`npm publish of ${pkg.name}@${v} to ${url} failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
    const seen = execFileSync('npm', ['view', `${pkg.name}@${v}`, 'version', '--registry', url], {
      cwd: staging,
      env: childEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    if (seen !== v) throw new Error(`published ${pkg.name}@${v} but the registry reports "${seen}"`);
    return v;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Publish the built plugin (dist/packages/go) under a throw-away e2e version. */
export async function publishPlugin({
  registry,
  env,
  version = `0.0.0-e2e.${Date.now()}`,
  distDir = path.join(workspaceRoot, 'dist', 'packages', 'go'),
  tag = 'e2e',
}) {
  if (!fs.existsSync(path.join(distDir, 'package.json'))) {
    throw new Error(`${distDir}/package.json not found: build the plugin first (npx nx run go:build)`);
  }
  return publishPackage({ registry, env, dir: distDir, version, tag });
}

function parseArgs(argv) {
  const args = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      args._.push(a);
      continue;
    }
    const [k, inline] = a.slice(2).split('=', 2);
    if (inline !== undefined) args[k] = inline;
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) args[k] = argv[++i];
    else args[k] = true;
  }
  return args;
}

function shellQuote(v) {
  return /^[\w@%+=:,./-]+$/.test(v) ? v : `'${String(v).replace(/'/g, `'\\''`)}'`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const cmd = args._[0];
  if (!cmd || !['start', 'publish'].includes(cmd) || args.help) {
    console.error(
      'usage: node tools/local-registry.mjs start   [--port N]\n' +
        '       node tools/local-registry.mjs publish [--port N] [--version V] [--build]',
    );
    process.exit(cmd && !args.help ? 2 : 0);
  }
  const t0 = Date.now();
  const reg = await startLocalRegistry({ port: args.port });
  console.error(`# verdaccio ready at ${reg.url} in ${Date.now() - t0}ms (pid ${reg.pid}, upstream from npm config)`);

  let stopping = false;
  const shutdown = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    await reg.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));

  try {
    if (cmd === 'publish') {
      if (args.build) {
        execFileSync('npx', ['nx', 'run', 'go:build', '--outputStyle=static'], {
          cwd: workspaceRoot,
          stdio: ['ignore', 2, 2],
        });
      }
      const t1 = Date.now();
      const version = await publishPlugin({
        registry: reg.url,
        env: reg.env,
        version: typeof args.version === 'string' ? args.version : undefined,
      });
      console.error(`# published @org/go@${version} (tag e2e) in ${Date.now() - t1}ms`);
      console.log(`export ORG_GO_VERSION=${shellQuote(version)}`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    await shutdown(1);
    return;
  }
  for (const [k, v] of Object.entries(reg.env)) console.log(`export ${k}=${shellQuote(v)}`);
  console.error('# registry keeps running; stop with Ctrl-C (SIGINT) or SIGTERM');
  setInterval(() => {}, 1 << 30);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
