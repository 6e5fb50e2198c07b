#!/usr/bin/env node
// Benchmark: the generated service under load and under `docker stop`, locked down as production runs it.
//
//   npx nx run go:build && node tools/bench/service-load.mjs [--concurrency 32] [--duration 10] [--threads 2] [--plugin <dir>]
//
// Generates a service with the built plugin, builds its image (scratch base) with docker-build, and runs
// it with --read-only, --cap-drop=ALL, --security-opt=no-new-privileges (non-root by the image), port
// published on 127.0.0.1. Then:
//   1. wrk (Debian package `wrk`) against GET /v1/info: requests/s, p50/p99 latency, errors;
//   2. docker stop (SIGTERM, 15 s grace) during a closed-loop load whose client, like a load balancer,
//      stops sending once GET /readyz stops answering 200: requests sent vs answered (dropped), time to
//      stop, exit code, and when readiness flipped.
// Prints the figures; exits non-zero if a request was dropped or an error seen.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { arg, generateWorkspace, loadPlugin, loadTypeScript, quietly, removeTempDirs, requireFromRepo, serviceContext } from './lib/plugin-workspace.mjs';

const concurrency = Number(arg('--concurrency', '32'));
const duration = Number(arg('--duration', '10'));
const threads = Number(arg('--threads', '2'));
const { load } = loadPlugin();
const { serviceGenerator } = load('src/generators/service/service.js');
const { dockerBuildExecutor } = load('src/executors/docker-build/docker-build.js');
const { findFreePort } = load('src/executors/docker-run/lib/ports.js');
const { runLoad, watchReadiness } = loadTypeScript('packages/go/src/testing/http-load.ts');
const Dockerode = requireFromRepo('dockerode');
const docker = new Dockerode();

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' });
} catch (err) {
  if (err.code === 'ENOENT') {
    console.error('wrk is not installed: apt-get install wrk');
    process.exit(2);
  }
}

const name = `load-${Date.now().toString(36)}`;
let container;
let imageId;
try {
  const ws = await generateWorkspace((tree) => serviceGenerator(tree, { name }));
  const built = await quietly(() => dockerBuildExecutor({ quiet: true }, serviceContext(ws, name)));
  if (!built.success) throw new Error('docker-build failed');
  imageId = JSON.parse((await import('node:fs')).readFileSync(path.join(ws, 'dist/apps', name, 'docker/image.json'), 'utf8')).id;
  const port = await findFreePort('127.0.0.1');
  container = await docker.createContainer({
    Image: imageId,
    name,
    Env: ['SHUTDOWN_DELAY=2s', 'SHUTDOWN_TIMEOUT=10s', 'LOG_LEVEL=warn'],
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { ReadonlyRootfs: true, CapDrop: ['ALL'], SecurityOpt: ['no-new-privileges'], PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } },
  });
  await container.start();
  for (let i = 0; ; i++) {
    const state = (await container.inspect()).State;
    if (state.Health?.Status === 'healthy') break;
    if (!state.Running || i > 240) throw new Error(`the container is not healthy: ${JSON.stringify(state.Health?.Status ?? state.Status)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const base = `http://127.0.0.1:${port}`;

  // 1. Throughput with wrk.
  const out = execFileSync('wrk', [`-t${threads}`, `-c${concurrency}`, `-d${duration}s`, '--latency', `${base}/v1/info`], { encoding: 'utf8' });
  const num = (re) => out.match(re)?.[1];
  const wrk = {
    requestsPerSecond: Number(num(/Requests\/sec:\s+([\d.]+)/)),
    p50: num(/\n\s+50%\s+(\S+)/),
    p99: num(/\n\s+99%\s+(\S+)/),
    requests: Number(num(/(\d+) requests in/)),
    non2xx: Number(num(/Non-2xx or 3xx responses: (\d+)/) ?? 0),
    socketErrors: num(/Socket errors: ([^\n]+)/) ?? 'none',
  };

  // 2. docker stop during load.
  const readiness = watchReadiness(`${base}/readyz`, 100);
  const loadRun = runLoad({ url: `${base}/v1/info`, concurrency: 16, durationMs: 60_000, stopIssuing: () => readiness.notReadyAt() !== undefined });
  await new Promise((r) => setTimeout(r, 2000));
  const stopAsked = Date.now();
  await container.stop({ t: 15 });
  const stopSeconds = (Date.now() - stopAsked) / 1000;
  const shutdown = await loadRun;
  readiness.stop();
  const state = (await container.inspect()).State;

  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; engine ${(await docker.version()).Version}`);
  console.log(`image ${imageId.slice(7, 19)} (scratch), run --read-only --cap-drop=ALL --security-opt=no-new-privileges as 65532`);
  console.log('');
  console.log(`wrk -t${threads} -c${concurrency} -d${duration}s GET /v1/info`);
  console.log(`  requests/s ${wrk.requestsPerSecond.toFixed(0)}   p50 ${wrk.p50}   p99 ${wrk.p99}   requests ${wrk.requests}   non-2xx ${wrk.non2xx}   socket errors ${wrk.socketErrors}`);
  console.log('');
  console.log('docker stop (SIGTERM, 15 s grace) during load, 16 connections, client stops sending when /readyz ≠ 200');
  console.log(
    `  answered ${shutdown.ok}/${shutdown.sent}   dropped ${shutdown.errors}   non-2xx ${shutdown.non2xx}   not ready after ${readiness.notReadyAt() - stopAsked} ms   stopped in ${stopSeconds.toFixed(1)} s   exit ${state.ExitCode}`,
  );
  if (wrk.non2xx > 0 || wrk.socketErrors !== 'none' || shutdown.errors > 0 || state.ExitCode !== 0) process.exitCode = 1;
} finally {
  await container?.remove({ force: true }).catch(() => undefined);
  if (imageId) await docker.getImage(imageId).remove({ force: true }).catch(() => undefined);
  removeTempDirs();
}
