import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RegistryCredentials } from './credentials';

/**
 * Registry failures, classified by what the caller can do: retry (`unreachable`, `server`), fix the
 * credentials (`auth`), or nothing (`protocol`). Classification uses errno codes and HTTP statuses.
 */
export type RegistryErrorKind = 'unreachable' | 'auth' | 'server' | 'protocol';

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly kind: RegistryErrorKind,
    readonly statusCode?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  get retryable(): boolean {
    return this.kind === 'unreachable' || this.kind === 'server';
  }
}

/** The manifest types a tag may point at; the registry answers with the digest of what it stores. */
export const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'UND_ERR_SOCKET']);

interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RegistryClientOptions {
  /** `http` only for registries the engine also reaches without TLS (loopback, or configured insecure). */
  scheme: 'http' | 'https';
  credentials?: RegistryCredentials;
  timeoutMs?: number;
}

/** Parses `Bearer realm="…",service="…"` / `Basic realm="…"`. */
export function parseChallenge(header: string | undefined): { scheme: string; params: Record<string, string> } | undefined {
  if (!header) return undefined;
  const match = /^(\w+)\s*(.*)$/s.exec(header.trim());
  if (!match) return undefined;
  const params: Record<string, string> = {};
  for (const pair of match[2].matchAll(/(\w+)="([^"]*)"/g)) params[pair[1].toLowerCase()] = pair[2];
  return { scheme: match[1].toLowerCase(), params };
}

/**
 * A small client of the registry HTTP API (distribution v2): checks credentials, reads manifest digests
 * and tag lists. Handles basic auth and the bearer token flow.
 */
export class RegistryClient {
  private basic?: string;
  private readonly tokens = new Map<string, string>();
  /** The host the API is served from (Docker Hub's is not docker.io). */
  readonly apiHost: string;

  constructor(
    readonly host: string,
    private readonly options: RegistryClientOptions,
  ) {
    this.apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
  }

  get baseUrl(): string {
    return `${this.options.scheme}://${this.apiHost}`;
  }

  private describeCredentials(): string {
    return this.options.credentials ? 'the credentials given' : 'no credentials (none were found)';
  }

  private raw(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Response> {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const req = send(target, { method, headers: body ? { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } : headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => reject(this.networkError(err as NodeJS.ErrnoException, target)));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.networkError(err as NodeJS.ErrnoException, target)));
      if (body) req.write(body);
      req.end();
    });
  }

  private networkError(err: NodeJS.ErrnoException, target: URL): RegistryError {
    const code = err.code ?? 'ERROR';
    const kind: RegistryErrorKind = NETWORK_CODES.has(code) ? 'unreachable' : 'protocol';
    const hint = code.startsWith('ERR_SSL') || code.includes('CERT') ? ' If this registry is served over plain HTTP, list it in the engine\'s "insecure-registries".' : '';
    const detail = err.message && !err.message.includes(code) ? `${code}: ${err.message}` : code;
    return new RegistryError(`Cannot reach the registry at ${target.origin} (${detail}). Check that it is running and that this machine reaches it.${hint}`, kind, undefined, code);
  }

  private async token(challenge: Record<string, string>, scope: string): Promise<string> {
    const realm = challenge['realm'];
    if (!realm) throw new RegistryError(`${this.host} asked for a bearer token without saying where to get one.`, 'protocol');
    const url = new URL(realm);
    const credentials = this.options.credentials;
    let response: Response;
    if (credentials?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.identityToken, client_id: 'org-go', ...(challenge['service'] ? { service: challenge['service'] } : {}), scope });
      response = await this.raw('POST', url.toString(), { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString());
    } else {
      if (challenge['service']) url.searchParams.set('service', challenge['service']);
      url.searchParams.set('scope', scope);
      const headers: Record<string, string> = {};
      if (credentials?.username !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
      response = await this.raw('GET', url.toString(), headers);
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(`${this.host} refused ${this.describeCredentials()} (HTTP ${response.status} from its token service).`, 'auth', response.status);
    }
    if (response.status >= 500) throw new RegistryError(`The token service of ${this.host} failed (HTTP ${response.status}).`, 'server', response.status);
    if (response.status !== 200) throw new RegistryError(`The token service of ${this.host} answered HTTP ${response.status}.`, 'protocol', response.status);
    const parsed = JSON.parse(response.body) as { token?: string; access_token?: string };
    const token = parsed.token ?? parsed.access_token;
    if (!token) throw new RegistryError(`The token service of ${this.host} sent no token.`, 'protocol');
    return token;
  }

  /** One API call with authentication as the registry asks for it; 401/403/5xx become RegistryErrors. */
  private async call(method: string, path: string, scope: string, headers: Record<string, string> = {}): Promise<Response> {
    const withAuth = () => {
      const bearer = this.tokens.get(scope);
      if (bearer) return { ...headers, Authorization: `Bearer ${bearer}` };
      if (this.basic) return { ...headers, Authorization: this.basic };
      return headers;
    };
    let response = await this.raw(method, `${this.baseUrl}${path}`, withAuth());
    if (response.status === 401) {
      const challenge = parseChallenge(response.headers['www-authenticate'] as string | undefined);
      const credentials = this.options.credentials;
      if (challenge?.scheme === 'basic') {
        if (!credentials?.username) {
          throw new RegistryError(`${this.host} requires credentials and none were found.`, 'auth', 401);
        }
        this.basic = `Basic ${Buffer.from(`${credentials.username}:${credentials.password ?? ''}`).toString('base64')}`;
      } else if (challenge?.scheme === 'bearer') {
        this.tokens.set(scope, await this.token(challenge.params, scope));
      } else {
        throw new RegistryError(`${this.host} answered HTTP 401 without a usable WWW-Authenticate challenge.`, 'auth', 401);
      }
      response = await this.raw(method, `${this.baseUrl}${path}`, withAuth());
    }
    if (response.status === 401 || response.status === 403) {
      throw new RegistryError(`${this.host} refused ${this.describeCredentials()} for ${method} ${path} (HTTP ${response.status}).`, 'auth', response.status);
    }
    if (response.status >= 500) {
      throw new RegistryError(`${this.host} failed on ${method} ${path} (HTTP ${response.status}).`, 'server', response.status);
    }
    return response;
  }

  /**
   * Checks that the registry answers and accepts the credentials for pushing to `repository`
   * (`team/orders`, without the host).
   */
  async checkAccess(repository: string): Promise<void> {
    const response = await this.call('GET', '/v2/', `repository:${repository}:pull,push`);
    if (response.status !== 200) {
      throw new RegistryError(`${this.host} does not speak the registry API v2 (GET /v2/ answered HTTP ${response.status}).`, 'protocol', response.status);
    }
  }

  /** The digest `repository:tag` points at, or undefined when there is no such tag. */
  async manifestDigest(repository: string, tag: string): Promise<string | undefined> {
    const response = await this.manifest('HEAD', repository, tag);
    return response && this.contentDigest(response, repository, tag);
  }

  /** `repository:tag`'s manifest (HEAD or GET), undefined when there is no such tag. */
  private async manifest(method: 'HEAD' | 'GET', repository: string, tag: string): Promise<Response | undefined> {
    const response = await this.call(method, `/v2/${repository}/manifests/${encodeURIComponent(tag)}`, `repository:${repository}:pull`, { Accept: MANIFEST_ACCEPT });
    if (response.status === 404) return undefined;
    if (response.status !== 200) {
      throw new RegistryError(`${method} /v2/${repository}/manifests/${tag} on ${this.host} answered HTTP ${response.status}.`, 'protocol', response.status);
    }
    return response;
  }

  private contentDigest(response: Response, repository: string, tag: string): string {
    const digest = response.headers['docker-content-digest'];
    if (typeof digest !== 'string' || !digest.startsWith('sha256:')) {
      throw new RegistryError(`${this.host} sent no Docker-Content-Digest for ${repository}:${tag}.`, 'protocol');
    }
    return digest;
  }

  /**
   * What `repository:tag` holds: the manifest digest and, for a single-image manifest, its config
   * digest, which is the image id an engine gives the image. Undefined when there is no such tag;
   * `config` is undefined for a multi-platform index.
   */
  async manifestConfig(repository: string, tag: string): Promise<{ digest: string; config?: string } | undefined> {
    const response = await this.manifest('GET', repository, tag);
    if (!response) return undefined;
    const digest = this.contentDigest(response, repository, tag);
    let manifest: { config?: { digest?: unknown } };
    try {
      manifest = JSON.parse(response.body) as typeof manifest;
    } catch {
      throw new RegistryError(`${this.host} sent a manifest for ${repository}:${tag} that is not JSON.`, 'protocol');
    }
    const config = manifest.config?.digest;
    return { digest, config: typeof config === 'string' ? config : undefined };
  }

  /** The tags of `repository` (empty when it does not exist yet). */
  async listTags(repository: string): Promise<string[]> {
    const response = await this.call('GET', `/v2/${repository}/tags/list`, `repository:${repository}:pull`);
    if (response.status === 404) return [];
    if (response.status !== 200) throw new RegistryError(`GET /v2/${repository}/tags/list on ${this.host} answered HTTP ${response.status}.`, 'protocol', response.status);
    return (JSON.parse(response.body) as { tags?: string[] | null }).tags ?? [];
  }
}

/** Registries the engine talks to without TLS: loopback always (Docker's own rule), others when the engine lists them as insecure. */
export function registryScheme(host: string, insecure: { cidrs: string[]; hosts: string[] }): 'http' | 'https' {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name === '::1' || /^127\./.test(name)) return 'http';
  if (insecure.hosts.includes(host) || insecure.hosts.includes(name)) return 'http';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name) && insecure.cidrs.some((cidr) => inCidr(name, cidr))) return 'http';
  return 'https';
}

function ipv4(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function inCidr(address: string, cidr: string): boolean {
  const [network, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const ip = ipv4(address);
  const net = ipv4(network);
  if (ip === undefined || net === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ip & mask) === (net & mask);
}
