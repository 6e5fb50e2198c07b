import { join } from 'node:path';
import { cleanEnv, spawnCommand, type RunResult } from './run';

/**
 * Commands in a hand-made workspace that needs no package registry: the same clean environment as
 * `run.ts` (nothing inherited from the outer npm/nx/jest run, no daemon, no Nx Cloud, CI mode), without
 * the registry variables.
 */

export const localEnv = cleanEnv;

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

export type LocalRunResult = RunResult;

/** Runs `cmd` with an argument array (no shell); throws with the full output on a non-zero exit or a timeout. */
export function runLocal(cmd: string, args: string[], opts: LocalRunOptions): Promise<LocalRunResult> {
  return spawnCommand(cmd, args, { ...opts, env: cleanEnv(opts.env) });
}

/** The workspace's own Nx binary. */
export function nxLocal(ws: string, args: string[], opts: Omit<LocalRunOptions, 'cwd'> = {}): Promise<LocalRunResult> {
  return runLocal(join(ws, 'node_modules', '.bin', 'nx'), args, { ...opts, cwd: ws });
}

export function git(ws: string, args: string[], opts: Omit<LocalRunOptions, 'cwd'> = {}): Promise<LocalRunResult> {
  return runLocal('git', args, { ...opts, cwd: ws });
}
