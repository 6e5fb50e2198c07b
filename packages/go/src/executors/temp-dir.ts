import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Temporary folders of the executors (under os.tmpdir(), so TMPDIR moves them), removed by `remove()`
 * in the executor's `finally` — and also when the process is ended by a signal, where no `finally` runs:
 * Ctrl-C in a terminal reaches the executor's process directly, and a default SIGINT/SIGTERM ends Node
 * without running any JavaScript.
 */
export interface TempDir {
  path: string;
  remove(): void;
}

const live = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function removeAll(): void {
  for (const dir of live) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort while the process ends.
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeAll();
  unwatch();
  // Ours was the only handler: end the process as the signal would have without it. Otherwise the
  // handlers of whoever else listens (docker-run's clean stop, Nx's task runner) decide.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function onExit(): void {
  removeAll();
}

let watching = false;
function watch(): void {
  if (watching) return;
  watching = true;
  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('exit', onExit);
}

function unwatch(): void {
  if (!watching) return;
  watching = false;
  for (const signal of SIGNALS) process.off(signal, onSignal);
  process.off('exit', onExit);
}

/** A new folder `<os.tmpdir()>/<prefix>XXXXXX`, removed by `remove()` or when a signal ends the process. */
export function makeTempDir(prefix: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  live.add(path);
  watch();
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
      live.delete(path);
      if (live.size === 0) unwatch();
    },
  };
}
