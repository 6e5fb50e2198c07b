import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './global-setup';
import { getFreePort } from './ports';

/**
 * An open image registry (Debian's docker-registry) of the spec's own, on a free loopback port, started
 * and stopped through tools/start-docker-registry.sh, and read over its HTTP API only.
 */
export interface ImageRegistry {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** Tags of a repository, sorted (none when the repository does not exist). */
  tags(repository: string): Promise<string[]>;
  /** The manifest digest a tag points at. */
  digest(repository: string, tag: string): Promise<string | undefined>;
  /** Every tag of a repository with its digest. */
  snapshot(repository: string): Promise<Record<string, string>>;
  /** Stop it and delete its storage. */
  dispose(): Promise<void>;
}

const SCRIPT = join(repoRoot, 'tools', 'start-docker-registry.sh');

function script(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SCRIPT, ...args], { env, timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`start-docker-registry.sh ${args.join(' ')}: ${stderr || stdout || err.message}`));
      else resolve(stdout);
    });
  });
}

function http(method: string, url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(url, { method, headers, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const MANIFEST_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

export async function startImageRegistry(): Promise<ImageRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'go-e2e-image-registry-'));
  let env: NodeJS.ProcessEnv = {};
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await getFreePort();
    env = { ...process.env, REGISTRY_PORT: String(port), ORG_GO_REGISTRY_DIR: dir };
    delete env.ORG_GO_REGISTRY_USER;
    delete env.ORG_GO_REGISTRY_PASSWORD;
    try {
      await script([], env);
      break;
    } catch (e) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw e;
      }
    }
  }
  const host = `127.0.0.1:${port}`;
  const registry: ImageRegistry = {
    host,
    async tags(repository) {
      const res = await http('GET', `http://${host}/v2/${repository}/tags/list`);
      if (res.status === 404) return [];
      if (res.status !== 200) throw new Error(`GET /v2/${repository}/tags/list: HTTP ${res.status} ${res.body}`);
      return [...((JSON.parse(res.body) as { tags?: string[] | null }).tags ?? [])].sort();
    },
    async digest(repository, tag) {
      const res = await http('HEAD', `http://${host}/v2/${repository}/manifests/${tag}`, { Accept: MANIFEST_TYPES });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`HEAD /v2/${repository}/manifests/${tag}: HTTP ${res.status}`);
      return res.headers['docker-content-digest'] as string;
    },
    async snapshot(repository) {
      const out: Record<string, string> = {};
      for (const tag of await registry.tags(repository)) out[tag] = (await registry.digest(repository, tag)) ?? '';
      return out;
    },
    async dispose() {
      try {
        await script(['--purge'], env);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return registry;
}
