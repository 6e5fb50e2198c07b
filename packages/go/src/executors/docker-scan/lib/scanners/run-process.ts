import { spawn } from 'node:child_process';

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Cap on stdout kept in memory (bytes); scanners' JSON reports stay far below the default. */
  maxBuffer?: number;
}

/**
 * Runs a scanner with an argument array — nothing user-controlled ever reaches a shell. Resolves with
 * whatever the process printed and how it ended; a timeout kills it (SIGTERM, then SIGKILL after 5 s).
 */
export function runProcess(executable: string, args: string[], options: RunProcessOptions = {}): Promise<ProcessResult> {
  const maxBuffer = options.maxBuffer ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      options.timeoutMs && options.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
          }, options.timeoutMs)
        : undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= maxBuffer) out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

/**
 * How a scanner ended, for the error: `(exit 3)`, or for one a signal ended (SIGKILL from the kernel's
 * out-of-memory killer or from someone), that it never finished and so gave no verdict.
 */
export function exitDescription(result: Pick<ProcessResult, 'code' | 'signal'>): string {
  if (result.code !== null || !result.signal) return `(exit ${result.code})`;
  return `(exit ${result.signal}): it was killed before it finished (out of memory, or stopped from outside), so there is no verdict; run the scan again`;
}

/** The last lines of a scanner's stderr, for error messages. */
export function stderrTail(stderr: string, lines = 15): string {
  const kept = stderr.trim().split('\n').slice(-lines).join('\n');
  return kept || '(the scanner printed nothing on stderr)';
}
