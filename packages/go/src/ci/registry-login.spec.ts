import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveRegistryCredentials } from '../docker/credentials';
import { registryLogin, runRegistryLogin } from './registry-login';

describe('registry-login', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'org-go-login-'));
    env = { HOME: home, REGISTRY: 'registry.example.com:5000', REGISTRY_USERNAME: 'ci-bot', REGISTRY_PASSWORD: 's3cr:et' };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('stores the credentials as docker login does, where docker-push finds them', async () => {
    const file = registryLogin(env);
    expect(file).toBe(join(home, '.docker', 'config.json'));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ auths: { 'registry.example.com:5000': { auth: Buffer.from('ci-bot:s3cr:et').toString('base64') } } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const resolved = await resolveRegistryCredentials('registry.example.com:5000', env);
    expect(resolved).toEqual({ credentials: { username: 'ci-bot', password: 's3cr:et' }, source: expect.stringContaining('auths') });
  });

  it('keeps the other entries of an existing config; honours DOCKER_CONFIG', () => {
    const dir = join(home, 'docker-config');
    registryLogin({ ...env, DOCKER_CONFIG: dir, REGISTRY: 'ghcr.io' });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'ghcr.io': { auth: 'eA==' } }, proxies: { default: {} } }));
    registryLogin({ ...env, DOCKER_CONFIG: dir, REGISTRY: 'https://quay.io/v2/' });
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual({
      auths: { 'ghcr.io': { auth: 'eA==' }, 'quay.io': { auth: Buffer.from('ci-bot:s3cr:et').toString('base64') } },
      proxies: { default: {} },
    });
  });

  it('names the variables that are missing, and exits 1', () => {
    expect(() => registryLogin({ HOME: home, REGISTRY: 'r.io' })).toThrow('REGISTRY_USERNAME, REGISTRY_PASSWORD are not set.');
    const log: string[] = [];
    expect(runRegistryLogin({ ...env, REGISTRY_PASSWORD: '' }, (line) => log.push(line))).toBe(1);
    expect(log).toEqual(['registry-login: REGISTRY_PASSWORD is not set. Define it as a CI/CD variable (the password masked and protected).']);
    expect(runRegistryLogin(env, (line) => log.push(line))).toBe(0);
    expect(log[1]).not.toContain('s3cr');
  });
});
