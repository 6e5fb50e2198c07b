import { request } from 'node:http';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET `url` over plain HTTP; resolves for any status, rejects on connection errors and timeouts. */
export function httpGet(url: string, timeoutMs = 5000): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Poll `url` until it answers `status` (default 200) or `timeoutMs` passes. */
export async function waitForHttp(url: string, { status = 200, timeoutMs = 30_000, intervalMs = 500 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const res = await httpGet(url, Math.min(5000, timeoutMs));
      if (res.status === status) return res;
      last = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`GET ${url} did not answer ${status} within ${timeoutMs}ms (last: ${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
