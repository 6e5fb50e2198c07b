import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Variables inherited from the outer npm/nx/jest run that must not reach the commands under test. */
const INHERITED_ENV_PATTERNS = [/^npm_/i, /^NX_/, /^INIT_CWD$/, /^JEST_/, /^TS_NODE_/, /^NODE_OPTIONS$/];

export interface RunOptions {
  cwd: string;
  /** Extra variables on top of the e2e environment. */
  env?: Record<string, string | undefined>;
  /** Kill the command after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
}

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  durationMs: number;
}

/**
 * A clean environment for the commands under test: nothing inherited from the outer npm/nx/jest run,
 * no Nx daemon or Cloud, CI mode, a fixed git identity; `extra` on top (undefined removes a variable).
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || INHERITED_ENV_PATTERNS.some((re) => re.test(k))) continue;
    env[k] = v;
  }
  Object.assign(env, {
    CI: 'true',
    NX_NO_CLOUD: 'true',
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    NX_INTERACTIVE: 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    GIT_AUTHOR_NAME: 'go-e2e',
    GIT_AUTHOR_EMAIL: 'go-e2e@example.com',
    GIT_COMMITTER_NAME: 'go-e2e',
    GIT_COMMITTER_EMAIL: 'go-e2e@example.com',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Environment for the commands of the registry-backed suite: a clean one plus the local registry. */
export function e2eEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ ...registryEnv(), ...extra });
}

/** The npm variables that point at the local registry started by the global setup. */
export function registryEnv(): Record<string, string> {
  const raw = process.env.GO_E2E_REGISTRY_ENV;
  if (!raw) throw new Error('GO_E2E_REGISTRY_ENV is not set: the suite must run through its jest globalSetup');
  return JSON.parse(raw) as Record<string, string>;
}

/** Version of @org/go published to the local registry by the global setup. */
export function pluginVersion(): string {
  const v = process.env.GO_E2E_PLUGIN_VERSION;
  if (!v) throw new Error('GO_E2E_PLUGIN_VERSION is not set: the suite must run through its jest globalSetup');
  return v;
}

export function registryUrl(): string {
  return registryEnv().npm_config_registry;
}

let logDir: string | undefined;
/** Every command's output is also appended to <dir>/commands.log. */
export function setCommandLogDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  logDir = dir;
}

const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a));

/**
 * Runs `cmd` with an argument array (no shell) in `cwd` with `env`, appending it and its output to
 * `<logDir>/commands.log` when given. Throws with the full output on a non-zero exit or a timeout.
 */
export function spawnCommand(cmd: string, args: string[], opts: RunOptions & { env: NodeJS.ProcessEnv; logDir?: string }): Promise<RunResult> {
  const command = [cmd, ...args].map(quote).join(' ');
  const timeoutMs = opts.timeoutMs ?? 10 * 60 * 1000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
      output += d;
      if (process.env.GO_E2E_VERBOSE) process.stdout.write(d);
    });
    child.stderr.on('data', (d: string) => {
      stderr += d;
      output += d;
      if (process.env.GO_E2E_VERBOSE) process.stderr.write(d);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not start \`${command}\` in ${opts.cwd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = { command, code, signal, stdout, stderr, output, durationMs: Date.now() - started };
      if (opts.logDir) {
        mkdirSync(opts.logDir, { recursive: true });
        appendFileSync(
          join(opts.logDir, 'commands.log'),
          `\n$ (cd ${opts.cwd} && ${command})  # exit ${code ?? signal} in ${result.durationMs}ms\n${output}`,
        );
      }
      if (timedOut) {
        reject(new Error(`\`${command}\` timed out after ${timeoutMs}ms in ${opts.cwd}\n--- output ---\n${output}`));
      } else if (code !== 0 && !opts.allowFailure) {
        reject(new Error(`\`${command}\` exited ${code ?? signal} in ${opts.cwd}\n--- output ---\n${output}`));
      } else {
        resolve(result);
      }
    });
  });
}

/** Runs `cmd` in `cwd` with the e2e environment (see spawnCommand). */
export function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return spawnCommand(cmd, args, { ...opts, env: e2eEnv(opts.env), logDir });
}

/** `npx nx ...` inside a workspace. */
export function nx(cwd: string, args: string[], opts: Omit<RunOptions, 'cwd'> = {}): Promise<RunResult> {
  return run('npx', ['nx', ...args], { ...opts, cwd });
}
