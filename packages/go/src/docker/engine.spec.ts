import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEngine, dockerodeOptions, resolveEngine } from './engine';

/** A Docker config folder with contexts, as `docker context create` writes it. */
function dockerConfig(contexts: Record<string, { host: string; skipTLSVerify?: boolean; tls?: boolean }>, current?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'org-go-docker-config-'));
  for (const [name, c] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex');
    mkdirSync(join(dir, 'contexts/meta', id), { recursive: true });
    writeFileSync(join(dir, 'contexts/meta', id, 'meta.json'), JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: c.skipTLSVerify ?? false } } }));
    if (c.tls) {
      mkdirSync(join(dir, 'contexts/tls', id, 'docker'), { recursive: true });
      for (const file of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, 'contexts/tls', id, 'docker', file), `${file} of ${name}\n`);
    }
  }
  if (current) writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: {}, currentContext: current }));
  return dir;
}

describe('choosing the engine as the docker CLI does', () => {
  const dirs: string[] = [];
  const config = (...args: Parameters<typeof dockerConfig>) => {
    const dir = dockerConfig(...args);
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const defaultHost = process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';

  it('takes an explicit engine first, then DOCKER_HOST, DOCKER_CONTEXT, the current context, the default', () => {
    const DOCKER_CONFIG = config({ remote: { host: 'tcp://10.0.0.5:2375' }, lab: { host: 'ssh://ci@lab.example' } }, 'lab');
    expect(resolveEngine('unix:///tmp/podman.sock', { DOCKER_CONFIG, DOCKER_HOST: 'tcp://x:1' })).toMatchObject({ host: 'unix:///tmp/podman.sock', source: 'option' });
    expect(resolveEngine('remote', { DOCKER_CONFIG, DOCKER_HOST: 'tcp://x:1' })).toMatchObject({ host: 'tcp://10.0.0.5:2375', source: 'option', context: 'remote' });
    expect(resolveEngine(undefined, { DOCKER_CONFIG, DOCKER_HOST: 'tcp://x:1', DOCKER_CONTEXT: 'remote' })).toMatchObject({ host: 'tcp://x:1', source: 'DOCKER_HOST' });
    expect(resolveEngine(undefined, { DOCKER_CONFIG, DOCKER_CONTEXT: 'remote' })).toMatchObject({ host: 'tcp://10.0.0.5:2375', source: 'DOCKER_CONTEXT', context: 'remote' });
    expect(resolveEngine(undefined, { DOCKER_CONFIG })).toMatchObject({ host: 'ssh://ci@lab.example', source: 'docker config', context: 'lab' });
    expect(resolveEngine(undefined, { DOCKER_CONFIG, DOCKER_CONTEXT: 'default' })).toEqual({ host: 'ssh://ci@lab.example', source: 'docker config', context: 'lab', tls: undefined });
    expect(resolveEngine(undefined, { DOCKER_CONFIG: config({}) })).toEqual({ host: defaultHost, source: 'default' });
  });

  it('says which context is missing and how to list them', () => {
    const DOCKER_CONFIG = config({});
    expect(() => resolveEngine('nope', { DOCKER_CONFIG })).toThrow(/Docker context "nope" does not exist .*docker context ls/);
    expect(() => resolveEngine(undefined, { DOCKER_CONFIG, DOCKER_CONTEXT: 'gone' })).toThrow(/Docker context "gone" does not exist/);
  });

  it('maps hosts to dockerode options: sockets, named pipes, tcp with the context\'s TLS files, ssh', () => {
    expect(dockerodeOptions({ host: 'unix:///run/user/1000/podman/podman.sock', source: 'option' })).toEqual({ socketPath: '/run/user/1000/podman/podman.sock' });
    expect(dockerodeOptions({ host: 'npipe:////./pipe/docker_engine', source: 'option' })).toEqual({ socketPath: '//./pipe/docker_engine' });
    expect(dockerodeOptions({ host: 'tcp://127.0.0.1:2375', source: 'option' })).toEqual({ protocol: 'http', host: '127.0.0.1', port: '2375' });
    const DOCKER_CONFIG = config({ secure: { host: 'tcp://build.example:2376', tls: true } });
    const secure = resolveEngine('secure', { DOCKER_CONFIG });
    const options = dockerodeOptions(secure);
    expect(options).toMatchObject({ protocol: 'https', host: 'build.example', port: '2376' });
    expect(String(options.ca)).toBe('ca.pem of secure\n');
    expect(String(options.cert)).toBe('cert.pem of secure\n');
    expect(dockerodeOptions({ host: 'ssh://ci@lab.example:2222', source: 'option' })).toMatchObject({ protocol: 'ssh', host: 'lab.example', port: '2222', username: 'ci' });
    expect(describeEngine(secure)).toBe('tcp://build.example:2376 (context "secure")');
  });
});

describe('an engine that cannot be resolved', () => {
  it('fails on the first engine call with the reason, not at construction', async () => {
    const { DockerClient } = await import('./client');
    const client = DockerClient.fromEnvironment('no-such-context', { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'org-go-docker-config-')) });
    await expect(client.ping()).rejects.toThrow(/Docker context "no-such-context" does not exist/);
    await expect(client.inspectImage('x')).rejects.toThrow(/Docker context "no-such-context" does not exist/);
  });
});
