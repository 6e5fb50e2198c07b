import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Commands in a hand-made workspace that needs no package registry: the same clean environment as
 * `run.ts` (nothing inherited from the outer npm/nx/jest run, no daemon, no Nx Cloud, CI mode), without
 * the registry variables.
 */

const INHERITED = [/^npm_/i, /^NX_/, /^INIT_CWD$/, /^JEST_/, /^TS_NODE_/, /^NODE_OPTIONS$/];

export const GIT_IDENTITY = {
  GIT_AUTHOR_NAME: 'go-e2e',
  GIT_AUTHOR_EMAIL: 'go-e2e@example.com',
  GIT_COMMITTER_NAME: 'go-e2e',
  GIT_COMMITTER_EMAIL: 'go-e2e@example.com',
};

export function localEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !INHERITED.some((re) => re.test(key))) env[key] = value;
  }
  Object.assign(env, GIT_IDENTITY, {
    CI: 'true',
    NX_NO_CLOUD: 'true',
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    NX_INTERACTIVE: 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
  });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface LocalRunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Default 10 minutes. */
  timeoutMs?: number;
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** Append the command and its output to `<logDir>/commands.log`. */
  logDir?: string;
}

export interface LocalRunResult {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved in arrival order. */
  output: string;
  durationMs: number;
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : JSON.stringify(arg));

/** Runs `cmd` with an argument array (no shell); throws with the full output on a non-zero exit or a timeout. */
export function runLocal(cmd: string, args: string[], opts: LocalRunOptions): Promise<LocalRunResult> {
  const command = [cmd, ...args].map(quote).join(' ');
  const timeoutMs = opts.timeoutMs ?? 10 * 60 * 1000;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: localEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      output += chunk;
      if (process.env.GO_E2E_VERBOSE) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      output += chunk;
      if (process.env.GO_E2E_VERBOSE) process.stderr.write(chunk);
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
      const result: LocalRunResult = { command, code, stdout, stderr, output, durationMs: Date.now() - started };
      if (opts.logDir) {
        mkdirSync(opts.logDir, { recursive: true });
        appendFileSync(
          join(opts.logDir, 'commands.log'),
          `\n$ (cd ${opts.cwd} && ${command})  # exit ${code ?? signal} in ${result.durationMs}ms\n${output}`,
        );
      }
      if (timedOut) reject(new Error(`\`${command}\` timed out after ${timeoutMs}ms in ${opts.cwd}\n--- output ---\n${output}`));
      else if (code !== 0 && !opts.allowFailure) reject(new Error(`\`${command}\` exited ${code ?? signal} in ${opts.cwd}\n--- output ---\n${output}`));
      else resolve(result);
    });
  });
}

/** The workspace's own Nx binary. */
export function nxLocal(ws: string, args: string[], opts: Omit<LocalRunOptions, 'cwd'> = {}): Promise<LocalRunResult> {
  return runLocal(join(ws, 'node_modules', '.bin', 'nx'), args, { ...opts, cwd: ws });
}

export function git(ws: string, args: string[], opts: Omit<LocalRunOptions, 'cwd'> = {}): Promise<LocalRunResult> {
  return runLocal('git', args, { ...opts, cwd: ws });
}
