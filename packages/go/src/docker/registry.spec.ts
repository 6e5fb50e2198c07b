import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineAuthConfig, normalizeRegistryKey, resolveRegistryCredentials, runCredentialHelper } from './credentials';
import { parseChallenge, RegistryClient, RegistryError, registryScheme } from './registry';

describe('resolveRegistryCredentials', () => {
  let dir: string;
  let bin: string;
  const env = (config: unknown, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return { DOCKER_CONFIG: dir, PATH: `${bin}:/usr/bin:/bin`, ...extra };
  };
  const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'org-go-creds-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    // A credential helper speaking the protocol: the server URL on stdin, JSON on stdout.
    const helper = join(bin, 'docker-credential-orgtest');
    writeFileSync(
      helper,
      [
        '#!/bin/sh',
        '[ "$1" = get ] || exit 2',
        'read -r server',
        'case "$server" in',
        '  127.0.0.1:5999) printf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-pass"}\' "$server" ;;',
        '  tokens.example.com) printf \'{"ServerURL":"%s","Username":"<token>","Secret":"refresh-123"}\' "$server" ;;',
        '  broken.example.com) echo "keychain locked" >&2; exit 3 ;;',
        '  *) echo "credentials not found in native keychain"; exit 1 ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(helper, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes base64 auths entries, matching keys with or without scheme and path', async () => {
    const config = { auths: { 'http://127.0.0.1:5056/v2/': { auth: basic('ci', 'p:a:ss') }, 'https://index.docker.io/v1/': { auth: basic('hub', 'x') } } };
    expect(await resolveRegistryCredentials('127.0.0.1:5056', env(config))).toEqual({
      credentials: { username: 'ci', password: 'p:a:ss' },
      source: `${join(dir, 'config.json')} auths`,
    });
    expect((await resolveRegistryCredentials('docker.io', env(config))).credentials).toEqual({ username: 'hub', password: 'x' });
    expect(await resolveRegistryCredentials('127.0.0.1:5057', env(config))).toEqual({ source: 'none' });
  });

  it('asks the host credential helper first, then credsStore, and falls back to auths when a helper has nothing', async () => {
    const config = { credHelpers: { '127.0.0.1:5999': 'orgtest' }, credsStore: 'orgtest', auths: { 'registry.example.com': { auth: basic('file', 'f') } } };
    expect(await resolveRegistryCredentials('127.0.0.1:5999', env(config))).toEqual({
      credentials: { username: 'helper-user', password: 'helper-pass' },
      source: 'credential helper docker-credential-orgtest',
    });
    expect((await resolveRegistryCredentials('tokens.example.com', env(config))).credentials).toEqual({ identityToken: 'refresh-123' });
    expect(await resolveRegistryCredentials('registry.example.com', env(config))).toMatchObject({ credentials: { username: 'file', password: 'f' } });
    await expect(resolveRegistryCredentials('broken.example.com', env(config))).rejects.toThrow(/docker-credential-orgtest get failed \(exit 3\): keychain locked/);
  });

  it('names a helper that is not installed', async () => {
    await expect(resolveRegistryCredentials('127.0.0.1:5999', env({ credsStore: 'nosuch' }))).rejects.toThrow(
      /names the credential helper "nosuch", but docker-credential-nosuch is not on PATH/,
    );
  });

  it('reads explicit options from the environment variables they name', async () => {
    const e = env({}, { REG_USER: 'u', REG_PASS: 'p' });
    expect(await resolveRegistryCredentials('x', e, { usernameEnv: 'REG_USER', passwordEnv: 'REG_PASS' })).toEqual({
      credentials: { username: 'u', password: 'p' },
      source: 'options (REG_USER/REG_PASS)',
    });
    await expect(resolveRegistryCredentials('x', e, { usernameEnv: 'REG_USER', passwordEnv: 'NOPE' })).rejects.toThrow(/Environment variable NOPE .* is not set/);
    await expect(resolveRegistryCredentials('x', e, { usernameEnv: 'REG_USER' })).rejects.toThrow(/go together/);
  });

  it('has no credentials without a config file, and says when the file is broken', async () => {
    expect(await resolveRegistryCredentials('x', { DOCKER_CONFIG: join(dir, 'nowhere') })).toEqual({ source: 'none' });
    writeFileSync(join(dir, 'config.json'), '{not json');
    await expect(resolveRegistryCredentials('x', { DOCKER_CONFIG: dir })).rejects.toThrow(/config.json is not valid JSON/);
  });

  it('runs the helper with the server on stdin', async () => {
    expect(await runCredentialHelper('orgtest', '127.0.0.1:5999', { PATH: bin })).toEqual({ username: 'helper-user', password: 'helper-pass' });
    expect(await runCredentialHelper('orgtest', 'elsewhere', { PATH: bin })).toBeUndefined();
  });

  it('builds the engine auth config', () => {
    expect(engineAuthConfig('127.0.0.1:5056', { username: 'u', password: 'p' })).toEqual({ username: 'u', password: 'p', serveraddress: '127.0.0.1:5056' });
    expect(engineAuthConfig('docker.io', { identityToken: 't' })).toEqual({ identitytoken: 't', serveraddress: 'https://index.docker.io/v1/' });
    expect(engineAuthConfig('x', undefined)).toEqual({});
    expect(normalizeRegistryKey('https://registry-1.docker.io/v2/')).toBe('docker.io');
  });
});

describe('RegistryClient against a stand-in registry', () => {
  let server: Server;
  let port: number;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (seen.length = 0));

  it('follows the bearer token flow with basic credentials and reads digests', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    handler = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token') {
        const ok = req.headers.authorization === `Basic ${Buffer.from('ci:pw').toString('base64')}`;
        res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
        return res.end(ok ? JSON.stringify({ token: `tok-${url.searchParams.get('scope')}` }) : '{}');
      }
      if (!req.headers.authorization?.startsWith('Bearer tok-')) {
        res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="stand-in"` });
        return res.end();
      }
      if (url.pathname === '/v2/') return res.writeHead(200).end('{}');
      if (url.pathname === '/v2/team/orders/manifests/1.4.2') return res.writeHead(200, { 'Docker-Content-Digest': digest }).end();
      if (url.pathname === '/v2/team/orders/tags/list') return res.writeHead(200).end(JSON.stringify({ name: 'team/orders', tags: ['1.4.2'] }));
      res.writeHead(404).end();
    };
    const client = new RegistryClient(`127.0.0.1:${port}`, { scheme: 'http', credentials: { username: 'ci', password: 'pw' } });
    await client.checkAccess('team/orders');
    expect(await client.manifestDigest('team/orders', '1.4.2')).toBe(digest);
    expect(await client.manifestDigest('team/orders', 'nope')).toBeUndefined();
    expect(await client.listTags('team/orders')).toEqual(['1.4.2']);
    expect(seen).toContain('GET /token?service=stand-in&scope=repository%3Ateam%2Forders%3Apull%2Cpush Basic Y2k6cHc=');

    const wrong = new RegistryClient(`127.0.0.1:${port}`, { scheme: 'http', credentials: { username: 'ci', password: 'nope' } });
    await expect(wrong.checkAccess('team/orders')).rejects.toMatchObject({ kind: 'auth', statusCode: 401, retryable: false });
  });

  it('uses basic auth when asked, and fails without credentials', async () => {
    handler = (req, res) => {
      if (req.headers.authorization !== `Basic ${Buffer.from('ci:pw').toString('base64')}`) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="r"' });
        return res.end();
      }
      res.writeHead(200).end('{}');
    };
    await new RegistryClient(`127.0.0.1:${port}`, { scheme: 'http', credentials: { username: 'ci', password: 'pw' } }).checkAccess('orders');
    await expect(new RegistryClient(`127.0.0.1:${port}`, { scheme: 'http' }).checkAccess('orders')).rejects.toThrow(/requires credentials and none were found/);
  });

  it('classifies 403, 5xx and an unreachable registry', async () => {
    handler = (req, res) => res.writeHead(req.url === '/v2/' ? 403 : 503).end();
    const client = new RegistryClient(`127.0.0.1:${port}`, { scheme: 'http' });
    await expect(client.checkAccess('orders')).rejects.toMatchObject({ kind: 'auth', statusCode: 403 });
    const unavailable = await client.manifestDigest('orders', 'x').catch((err: RegistryError) => err);
    expect(unavailable).toBeInstanceOf(RegistryError);
    expect(unavailable).toMatchObject({ kind: 'server', statusCode: 503, retryable: true });

    const closed = new RegistryClient('127.0.0.1:1', { scheme: 'http', timeoutMs: 2000 });
    await expect(closed.checkAccess('orders')).rejects.toMatchObject({ kind: 'unreachable', code: 'ECONNREFUSED', retryable: true });
  });

  it('parses challenges', () => {
    expect(parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a:pull' },
    });
    expect(parseChallenge('Basic realm="x"')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge(undefined)).toBeUndefined();
  });

  it.each<[string, { cidrs: string[]; hosts: string[] }, 'http' | 'https']>([
    ['127.0.0.1:5055', { cidrs: [], hosts: [] }, 'http'],
    ['localhost:5000', { cidrs: [], hosts: [] }, 'http'],
    ['registry.example.com', { cidrs: ['127.0.0.0/8'], hosts: [] }, 'https'],
    ['registry.internal:5000', { cidrs: [], hosts: ['registry.internal:5000'] }, 'http'],
    ['10.1.2.3:5000', { cidrs: ['10.0.0.0/8'], hosts: [] }, 'http'],
    ['11.1.2.3:5000', { cidrs: ['10.0.0.0/8'], hosts: [] }, 'https'],
  ])('registryScheme(%s) → %s', (host, insecure, scheme) => {
    expect(registryScheme(host, insecure)).toBe(scheme);
  });
});
