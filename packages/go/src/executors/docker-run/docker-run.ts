import { logger, type ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { relative } from 'node:path';
import { DockerClient } from '../../docker';
import { ensureImage } from '../../docker/ensure-image';
import { LABEL_RUN } from '../../utils/constants';
import { projectLocation, resolveFromProject, type ProjectLocation } from '../../utils/executor-context';
import { parseEnvFile, toEnvList } from './lib/env';
import { pickContainerPort, serviceUrl, validatePortOption } from './lib/ports';
import { waitUntilReady, type ContainerStatus, type WaitOutcome } from './lib/wait-healthy';
import type { DockerRunExecutorSchema } from './schema';

function tcpProbe(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** The image to run and how it was chosen; a recorded image is ensured (present, pulled by digest, or rebuilt). */
async function resolveImage(client: DockerClient, context: ExecutorContext, location: ProjectLocation, option?: string) {
  if (option) {
    const image = await client.inspectImage(option);
    if (!image) throw new Error(`Image "${option}" is not in the Docker engine at ${client.endpoint}. Build or pull it first.`);
    return { ref: option, image };
  }
  const { metadata, image } = await ensureImage(client, context, location);
  return { ref: metadata.tags[0] ?? metadata.id, image };
}

async function containerStatus(client: DockerClient, id: string, podman = false): Promise<ContainerStatus | undefined> {
  const info = await client.inspectContainer(id);
  if (!info) return undefined;
  let health = info.State.Health?.Status;
  // Podman without systemd never runs the HEALTHCHECK by itself: run it on each poll.
  if (podman && info.State.Running && health === 'starting') health = (await client.runPodmanHealthcheck(id)) ?? health;
  return { running: info.State.Running, exitCode: info.State.ExitCode, health };
}

function describeFailure(outcome: Exclude<WaitOutcome, { kind: 'ready' }>, name: string, timeoutSeconds: number): string {
  switch (outcome.kind) {
    case 'exited':
      return `Container ${name} exited${outcome.exitCode !== undefined ? ` with code ${outcome.exitCode}` : ''} before it became healthy.`;
    case 'unhealthy':
      return `Container ${name} turned unhealthy: its HEALTHCHECK failed.`;
    case 'timeout':
      return `Container ${name} was not healthy after ${timeoutSeconds}s (health: ${outcome.lastHealth ?? 'no healthcheck, port closed'}). Raise --healthTimeout or check the logs.`;
  }
}

export async function dockerRunExecutor(
  options: DockerRunExecutorSchema,
  context: ExecutorContext,
  client: DockerClient = DockerClient.fromEnvironment(options.engine),
  /** Stops a foreground run like Ctrl-C does (for callers that embed the executor). */
  stop?: AbortSignal,
): Promise<{ success: boolean }> {
  let containerId: string | undefined;
  let name = options.name ?? context.projectName ?? 'service';
  const stopTimeout = options.stopTimeout ?? 10;
  const cleanup = async () => {
    if (containerId) await client.stopAndRemoveContainer(containerId, stopTimeout);
  };
  try {
    const location = projectLocation(context);
    name = options.name ?? `${location.projectName}-dev`;
    validatePortOption(options.port, 'port', true);
    validatePortOption(options.containerPort, 'containerPort', false);
    const host = options.host ?? '127.0.0.1';
    const healthTimeout = options.healthTimeout ?? 60;
    let fileEnv: Record<string, string> | undefined;
    if (options.envFile) {
      const envPath = resolveFromProject(location, options.envFile, 'envFile');
      if (!existsSync(envPath)) throw new Error(`envFile ${relative(location.workspaceRoot, envPath)} does not exist. Create it or drop --envFile.`);
      fileEnv = parseEnvFile(readFileSync(envPath, 'utf8'), relative(location.workspaceRoot, envPath));
    }
    const env = toEnvList(fileEnv, options.env);

    await client.ping();
    const { ref, image } = await resolveImage(client, context, location, options.image);
    const containerPort = pickContainerPort(image.Config?.ExposedPorts, options.containerPort);
    const hostPort = options.port ?? containerPort;

    const existing = await client.inspectContainer(name);
    if (existing) {
      if (existing.Config.Labels?.[LABEL_RUN] !== location.projectName) {
        throw new Error(`A container named "${name}" already exists and was not started by docker-run for ${location.projectName}. Pass --name=<other> or remove it (docker rm -f ${name}).`);
      }
      logger.info(`Replacing ${name}, left over from an earlier run.`);
      await client.stopAndRemoveContainer(existing.Id, stopTimeout);
    }

    const portKey = `${containerPort}/tcp`;
    containerId = await client.createContainer({
      name,
      Image: image.Id,
      Env: env,
      ExposedPorts: { [portKey]: {} },
      Labels: { [LABEL_RUN]: location.projectName },
      HostConfig: { PortBindings: { [portKey]: [{ HostIp: host, HostPort: hostPort === 0 ? '' : String(hostPort) }] } },
    });
    try {
      await client.startContainer(containerId);
    } catch (err) {
      throw new Error(`${(err as Error).message} Is port ${hostPort} on ${host} free? Pass --port=<free port>, or --port=0 for any.`);
    }
    const started = await client.inspectContainer(containerId);
    const publishedPort = Number(started?.NetworkSettings.Ports?.[portKey]?.[0]?.HostPort ?? hostPort);
    const url = serviceUrl(host, publishedPort);
    logger.info(`Started ${name} from ${ref} (${image.Id.slice(0, 19)}); waiting for it to be healthy…`);

    const logs = await client.followLogs(containerId, (line) => process.stdout.write(`[${name}] ${line}\n`));
    const id = containerId;
    const podman = await client.isPodman();
    const outcome = await waitUntilReady(
      () => containerStatus(client, id, podman),
      () => tcpProbe(host, publishedPort),
      { timeoutMs: healthTimeout * 1000 },
    );
    if (outcome.kind !== 'ready') {
      logs.stop();
      const tail = await client.tailLogs(id, 30);
      throw new Error(`${describeFailure(outcome, name, healthTimeout)}\nLast log lines:\n${tail || '(none)'}`);
    }
    logger.info(`${location.projectName} is ${outcome.viaHealthcheck ? 'healthy' : 'accepting connections'}: ${url} (container ${name})`);

    if (options.detach) {
      logs.stop();
      logger.info(`Left running. Stop it with: docker rm -f ${name}`);
      containerId = undefined;
      return { success: true };
    }

    const result = await watchUntilStopped(client, id, name, stop);
    logs.stop();
    if (result === 'signal') {
      // Nx passes Ctrl-C on and may follow with SIGTERM: neither may cut the clean-up short.
      const ignore = () => undefined;
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
      try {
        logger.info(`Stopping ${name}…`);
        await cleanup();
        containerId = undefined;
        logger.info(`Removed ${name}.`);
      } finally {
        process.off('SIGINT', ignore);
        process.off('SIGTERM', ignore);
      }
      return { success: true };
    }
    const tail = await client.tailLogs(id, 30);
    throw new Error(`${result}\nLast log lines:\n${tail || '(none)'}`);
  } catch (err) {
    logger.error(`docker-run failed for ${context.projectName ?? 'the project'}: ${(err as Error).message}`);
    try {
      await cleanup();
    } catch (cleanupError) {
      logger.error(`Could not remove container ${name}: ${(cleanupError as Error).message}. Remove it with: docker rm -f ${name}`);
    }
    return { success: false };
  }
}

/** Resolves 'signal' on Ctrl-C / SIGTERM (or `stop`), or a failure message when the container exits or turns unhealthy. */
function watchUntilStopped(client: DockerClient, id: string, name: string, stop?: AbortSignal): Promise<'signal' | string> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: 'signal' | string) => {
      clearTimeout(timer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      stop?.removeEventListener('abort', onSignal);
      resolve(result);
    };
    const onSignal = () => finish('signal');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (stop?.aborted) return finish('signal');
    stop?.addEventListener('abort', onSignal);
    const poll = async () => {
      try {
        const status = await containerStatus(client, id);
        if (!status || !status.running) return finish(`Container ${name} exited${status?.exitCode !== undefined ? ` with code ${status.exitCode}` : ''}.`);
        if (status.health === 'unhealthy') return finish(`Container ${name} turned unhealthy.`);
      } catch (err) {
        return finish(`Lost track of container ${name}: ${(err as Error).message}`);
      }
      timer = setTimeout(poll, 1000);
    };
    timer = setTimeout(poll, 1000);
  });
}

export default async function runExecutor(options: DockerRunExecutorSchema, context: ExecutorContext) {
  return dockerRunExecutor(options, context);
}
