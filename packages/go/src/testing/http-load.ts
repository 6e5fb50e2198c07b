import { Agent, request } from 'node:http';

/** What a load run saw. `errors` are requests that were sent and got no HTTP response (reset, refused, timeout). */
export interface LoadResult {
  sent: number;
  ok: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  errors: number;
  errorSamples: string[];
  durationMs: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export interface LoadOptions {
  url: string;
  concurrency: number;
  /** Stop issuing new requests after this long. */
  durationMs: number;
  /** Checked before every new request: true stops issuing (e.g. the load balancer saw "not ready"). */
  stopIssuing?: () => boolean;
  timeoutMs?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function get(agent: Agent, url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A closed-loop HTTP load: `concurrency` workers on keep-alive connections, each sending the next request
 * when the last one is answered. Every request is accounted for: answered (2xx or not) or failed.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  const result = { sent: 0, ok: 0, non2xx: 0, errors: 0, errorSamples: [] as string[] };
  const started = Date.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (Date.now() < deadline && !options.stopIssuing?.()) {
      const t0 = process.hrtime.bigint();
      result.sent += 1;
      try {
        const status = await get(agent, options.url, options.timeoutMs ?? 10_000);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status >= 200 && status < 300) result.ok += 1;
        else result.non2xx += 1;
      } catch (err) {
        result.errors += 1;
        if (result.errorSamples.length < 5) result.errorSamples.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  agent.destroy();
  const durationMs = Date.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    ...result,
    durationMs,
    requestsPerSecond: Math.round((result.ok + result.non2xx) / (durationMs / 1000)),
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] ?? 0 },
  };
}

/** Polls a readiness URL like a load balancer does; records when it first stopped answering 200. */
export function watchReadiness(url: string, intervalMs = 100): { notReadyAt: () => number | undefined; stop: () => void } {
  let notReadyAt: number | undefined;
  const agent = new Agent({ keepAlive: false });
  const timer = setInterval(() => {
    if (notReadyAt !== undefined) return;
    get(agent, url, 1000).then(
      (status) => {
        if (status !== 200 && notReadyAt === undefined) notReadyAt = Date.now();
      },
      () => {
        if (notReadyAt === undefined) notReadyAt = Date.now();
      },
    );
  }, intervalMs);
  return {
    notReadyAt: () => notReadyAt,
    stop: () => {
      clearInterval(timer);
      agent.destroy();
    },
  };
}

/** The status of one GET (3 s timeout), for specs that probe a running service. */
export function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error(`no response from ${url} within 3 s`)));
    req.on('error', reject);
    req.end();
  });
}
