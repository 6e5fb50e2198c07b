/** The part of a container's state that readiness depends on. */
export interface ContainerStatus {
  running: boolean;
  exitCode?: number;
  /** Docker's health status when the image has a HEALTHCHECK: starting, healthy or unhealthy. */
  health?: string;
}

export type WaitOutcome =
  | { kind: 'ready'; viaHealthcheck: boolean }
  | { kind: 'exited'; exitCode?: number }
  | { kind: 'unhealthy' }
  | { kind: 'timeout'; lastHealth?: string };

/**
 * Polls until the container is healthy (or, without a HEALTHCHECK, until `probe` succeeds),
 * exits, turns unhealthy or the deadline passes. The clock and sleep are injectable for tests.
 */
export async function waitUntilReady(
  status: () => Promise<ContainerStatus | undefined>,
  probe: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; now?: () => number; sleep?: (ms: number) => Promise<void> },
): Promise<WaitOutcome> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = now() + options.timeoutMs;
  let last: ContainerStatus | undefined;
  for (;;) {
    last = await status();
    if (!last || !last.running) return { kind: 'exited', exitCode: last?.exitCode };
    if (last.health === 'healthy') return { kind: 'ready', viaHealthcheck: true };
    if (last.health === 'unhealthy') return { kind: 'unhealthy' };
    if (last.health === undefined && (await probe())) return { kind: 'ready', viaHealthcheck: false };
    if (now() >= deadline) return { kind: 'timeout', lastHealth: last.health };
    await sleep(options.intervalMs ?? 500);
  }
}
