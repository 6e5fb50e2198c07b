/**
 * Engine selection against real engines: a Docker CLI context that points at a second engine (its own
 * data root and socket), DOCKER_CONTEXT, and a tcp:// engine URL — each reaches the engine it names and
 * no other.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeDocker } from '../testing/docker';
import { createBuildContext } from './build-context';
import { DockerClient } from './client';

const SECOND_SOCKET = '/var/run/org-go-docker2.sock';
const ENSURE_DOCKER = resolve(__dirname, '../../../../tools/ensure-docker.sh');

describeDocker('engine selection on real engines', () => {
  let config: string;
  let work: string;
  let proxy: Server;
  let proxyPort: number;
  const env = () => ({ ...process.env, DOCKER_HOST: undefined, DOCKER_CONFIG: config });
  const first = DockerClient.fromEnvironment('unix:///var/run/docker.sock');

  beforeAll(async () => {
    execFileSync('bash', [ENSURE_DOCKER, '--second'], { stdio: 'pipe', timeout: 90_000 });
    config = mkdtempSync(join(tmpdir(), 'org-go-docker-config-'));
    work = mkdtempSync(join(tmpdir(), 'org-go-engine-'));
    // `docker context create second --docker host=unix:///var/run/org-go-docker2.sock`, written as the CLI writes it.
    const id = createHash('sha256').update('second').digest('hex');
    mkdirSync(join(config, 'contexts/meta', id), { recursive: true });
    writeFileSync(join(config, 'contexts/meta', id, 'meta.json'), JSON.stringify({ Name: 'second', Metadata: {}, Endpoints: { docker: { Host: `unix://${SECOND_SOCKET}`, SkipTLSVerify: false } } }));
    // The first engine's API on a loopback TCP port (what `dockerd -H tcp://127.0.0.1:…` offers).
    proxy = createServer((socket) => {
      const upstream = createConnection('/var/run/docker.sock');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
    proxyPort = (proxy.address() as { port: number }).port;
  }, 120_000);

  afterAll(async () => {
    await new Promise((done) => proxy?.close(done));
    rmSync(config, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('a context name and DOCKER_CONTEXT reach the second engine, and an image built there is only there', async () => {
    const byName = DockerClient.fromEnvironment('second', env());
    const byEnv = DockerClient.fromEnvironment(undefined, { ...env(), DOCKER_CONTEXT: 'second' });
    expect(byName.endpoint).toBe(`unix://${SECOND_SOCKET} (context "second")`);
    await byName.ping();
    await byEnv.ping();

    const tag = `org-go-engine-probe:${Date.now().toString(36)}`;
    writeFileSync(join(work, 'Dockerfile'), `FROM scratch\nCOPY marker /marker\nLABEL probe=${tag}\n`);
    writeFileSync(join(work, 'marker'), 'marker\n');
    const context = createBuildContext(work, 'Dockerfile');
    const [{ imageId }] = await Promise.all([byName.buildImage(context.stream, { dockerfile: 'Dockerfile' }, () => undefined), context.done]);
    try {
      expect((await byEnv.inspectImage(imageId))?.Id).toBe(imageId);
      expect(await first.inspectImage(imageId)).toBeUndefined();
    } finally {
      await byName.removeImage(imageId, true);
    }
  });

  it('a tcp:// engine URL talks the Engine API over TCP', async () => {
    const tcp = DockerClient.fromEnvironment(`tcp://127.0.0.1:${proxyPort}`, env());
    expect(tcp.endpoint).toBe(`tcp://127.0.0.1:${proxyPort} (option)`);
    await tcp.ping();
    const images = await tcp.inspectImage('golang:1.26-bookworm');
    expect(images?.Id).toBe((await first.inspectImage('golang:1.26-bookworm'))?.Id);
  });

  it('an unknown context is a clear error on the first engine call, and nothing is sent', async () => {
    await expect(DockerClient.fromEnvironment('nope', env()).ping()).rejects.toThrow(/Docker context "nope" does not exist/);
  });
});
