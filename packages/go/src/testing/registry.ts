import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** tools/start-docker-registry.sh: the one place that knows how to run Debian's docker-registry. */
export const REGISTRY_SCRIPT = resolve(__dirname, '../../../../tools/start-docker-registry.sh');

export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  dir: string;
  auth?: { username: string; password: string };
  /** Starts it (again), with the same port and storage. */
  start(): Promise<void>;
  /** Stops it gracefully (SIGTERM) and waits. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), like a crash in the middle of an upload. */
  kill(): void;
  /** Stops it and deletes its storage. */
  dispose(): Promise<void>;
  /** What the registry says over its HTTP API, read without any of the plugin's code. */
  tags(repository: string): Promise<string[]>;
  digest(repository: string, tag: string): Promise<string | undefined>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function runScript(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile('bash', [REGISTRY_SCRIPT, ...args], { env, timeout: 120_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`start-docker-registry.sh ${args.join(' ')} failed: ${stderr || stdout || err.message}`));
      else resolveRun(stdout);
    });
  });
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(method: string, url: string, headers: Record<string, string>): Promise<HttpResult> {
  return new Promise((resolveHttp, reject) => {
    const req = request(url, { method, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolveHttp({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Starts a registry of its own on a free loopback port (open, or with htpasswd basic auth), through
 * tools/start-docker-registry.sh. Specs stop and dispose of it themselves.
 */
export async function startTestRegistry(options: { auth?: { username: string; password: string } } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'org-go-image-registry-'));
  let port = 0;
  let env: NodeJS.ProcessEnv = {};
  const envFor = (p: number): NodeJS.ProcessEnv => ({
    ...process.env,
    REGISTRY_PORT: String(p),
    ORG_GO_REGISTRY_DIR: dir,
    ...(options.auth ? { ORG_GO_REGISTRY_USER: options.auth.username, ORG_GO_REGISTRY_PASSWORD: options.auth.password } : {}),
  });
  // A port found free may be taken before the registry binds it; then try another.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    env = envFor(port);
    try {
      await runScript([], env);
      break;
    } catch (err) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
  const host = `127.0.0.1:${port}`;
  const authHeader: Record<string, string> = options.auth
    ? { Authorization: `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}` }
    : {};
  const pidFile = join(dir, 'registry.pid');
  return {
    host,
    dir,
    auth: options.auth,
    start: async () => void (await runScript([], env)),
    stop: async () => void (await runScript(['--stop'], env)),
    kill: () => {
      if (!existsSync(pidFile)) return;
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    },
    dispose: async () => {
      await runScript(['--purge'], env);
      rmSync(dir, { recursive: true, force: true });
    },
    tags: async (repository) => {
      const res = await http('GET', `http://${host}/v2/${repository}/tags/list`, authHeader);
      if (res.status === 404) return [];
      if (res.status !== 200) throw new Error(`GET /v2/${repository}/tags/list on ${host}: HTTP ${res.status} ${res.body}`);
      return ((JSON.parse(res.body) as { tags?: string[] | null }).tags ?? []).sort();
    },
    digest: async (repository, tag) => {
      const res = await http('HEAD', `http://${host}/v2/${repository}/manifests/${tag}`, {
        ...authHeader,
        Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
      });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`HEAD /v2/${repository}/manifests/${tag} on ${host}: HTTP ${res.status}`);
      return res.headers['docker-content-digest'] as string;
    },
  };
}
