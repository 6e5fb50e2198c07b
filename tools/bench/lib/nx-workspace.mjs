// Helpers for benchmarks that drive a real git workspace with the real `nx` CLI, the way the graph e2e
// does (e2e/go-e2e/src/graph-workspace.ts, local-run.ts, nx-tasks.ts): the plugin loaded from a built
// folder through node_modules/@org/go, Nx from this repository's node_modules, no daemon, no Nx Cloud.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadTypeScript, repoRoot } from './plugin-workspace.mjs';

/** The e2e suite's command runner and Nx run-record readers, shared rather than copied. */
export function loadE2eHelpers() {
  const run = loadTypeScript('e2e/go-e2e/src/run.ts');
  const tasks = loadTypeScript('e2e/go-e2e/src/nx-tasks.ts');
  return { cleanEnv: run.cleanEnv, spawnCommand: run.spawnCommand, ...tasks };
}

/**
 * `node_modules` of links into this repository's (Nx and the rest as installed here), with `@org/go`
 * pointing at `pluginDir` and any `extra` packages (name → folder) linked in as well.
 */
export function linkNodeModules(ws, pluginDir, extra = {}) {
  const source = path.join(repoRoot, 'node_modules');
  const target = path.join(ws, 'node_modules');
  fs.mkdirSync(path.join(target, '@org'), { recursive: true });
  const scopes = new Set(Object.keys(extra).filter((name) => name.startsWith('@')).map((name) => name.split('/')[0]));
  for (const entry of fs.readdirSync(source)) {
    if (entry === '@org' || scopes.has(entry)) continue;
    fs.symlinkSync(path.join(source, entry), path.join(target, entry));
  }
  for (const scope of scopes) {
    fs.mkdirSync(path.join(target, scope), { recursive: true });
    if (fs.existsSync(path.join(source, scope))) {
      for (const entry of fs.readdirSync(path.join(source, scope))) fs.symlinkSync(path.join(source, scope, entry), path.join(target, scope, entry));
    }
  }
  for (const entry of fs.readdirSync(path.join(source, '@org'))) {
    if (entry !== 'go') fs.symlinkSync(path.join(source, '@org', entry), path.join(target, '@org', entry));
  }
  fs.symlinkSync(pluginDir, path.join(target, '@org', 'go'), 'dir');
  for (const [name, dir] of Object.entries(extra)) {
    fs.rmSync(path.join(target, name), { force: true });
    fs.symlinkSync(dir, path.join(target, name), 'dir');
  }
}

/**
 * Runs `cmd` with `args`, feeding `stdin` (a readable stream) when given; resolves with the interleaved
 * output and the exit code, never throws on a non-zero exit. Appends to `log` (a file) when given.
 */
export function runWithInput(cmd, args, { cwd, env, stdin, log }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (output += d));
    if (stdin) {
      stdin.on('error', (err) => {
        child.kill();
        reject(err);
      });
      child.stdin.on('error', () => undefined);
      stdin.pipe(child.stdin);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      if (log) fs.appendFileSync(log, `$ ${[cmd, ...args].join(' ')}  (${cwd})\n${output}\n[exit ${code}]\n\n`);
      resolve({ code, output });
    });
  });
}

/** Seconds since `start` (a process.hrtime.bigint()). */
export const secondsSince = (start) => Number(process.hrtime.bigint() - start) / 1e9;

/** CPU, memory and engine facts, as service-load.mjs prints them. */
export async function machineFacts(engines) {
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  const load = os.loadavg().map((value) => value.toFixed(1)).join(' ');
  const lines = [`${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, node ${process.version}, load average ${load} at start`];
  for (const [name, docker] of Object.entries(engines)) {
    const version = await docker.version().catch((err) => ({ Version: `unreachable (${err.message})` }));
    const info = await docker.info().catch(() => ({}));
    lines.push(`engine ${name}: Docker ${version.Version} (API ${version.ApiVersion ?? '?'}), ${info.Driver ?? '?'} storage, ${info.NCPU ?? '?'} CPUs`);
  }
  return lines;
}
