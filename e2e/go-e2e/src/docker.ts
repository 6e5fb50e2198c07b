import Docker from 'dockerode';

let client: Docker | undefined;

/** A Docker Engine client; honours DOCKER_HOST like the plugin does. */
export function docker(): Docker {
  client ??= new Docker();
  return client;
}

function statusOf(e: unknown): number | undefined {
  return (e as { statusCode?: number })?.statusCode;
}

/** Image inspect data, or undefined when the engine has no such image. */
export async function inspectImage(ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker().getImage(ref).inspect();
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** Container inspect data, or undefined when the engine has no such container. */
export async function inspectContainer(nameOrId: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker().getContainer(nameOrId).inspect();
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

/** Stop (if running) and remove a container; a missing container is not an error. */
export async function removeContainer(nameOrId: string): Promise<boolean> {
  const c = docker().getContainer(nameOrId);
  try {
    await c.remove({ force: true, v: true });
    return true;
  } catch (e) {
    const s = statusOf(e);
    if (s === 404) return false;
    if (s === 409) {
      // removal already in progress
      return true;
    }
    throw e;
  }
}

/** Stop then remove a container the way a user would (graceful stop first). */
export async function stopAndRemoveContainer(nameOrId: string, stopTimeoutSec = 10): Promise<void> {
  const c = docker().getContainer(nameOrId);
  try {
    await c.stop({ t: stopTimeoutSec });
  } catch (e) {
    const s = statusOf(e);
    if (s !== 304 && s !== 404) throw e;
  }
  await removeContainer(nameOrId);
}

/** Remove an image reference; a missing image is not an error. */
export async function removeImage(ref: string, force = true): Promise<boolean> {
  try {
    await docker().getImage(ref).remove({ force });
    return true;
  } catch (e) {
    if (statusOf(e) === 404) return false;
    throw e;
  }
}

/** Containers (running or not) created from `imageRefOrId`. */
export async function containersFromImage(imageRefOrId: string): Promise<Docker.ContainerInfo[]> {
  return docker().listContainers({ all: true, filters: { ancestor: [imageRefOrId] } });
}

/** Poll a container until its health status is `healthy` (or fail on `unhealthy` / timeout). */
export async function waitForHealthy(nameOrId: string, timeoutMs = 60_000): Promise<Docker.ContainerInspectInfo> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await inspectContainer(nameOrId);
    if (!info) throw new Error(`container ${nameOrId} does not exist`);
    const status = info.State.Health?.Status;
    if (status === 'healthy') return info;
    if (status === 'unhealthy' || !info.State.Running) {
      throw new Error(`container ${nameOrId} is ${status ?? info.State.Status}: ${JSON.stringify(info.State)}`);
    }
    if (Date.now() > deadline) throw new Error(`container ${nameOrId} not healthy after ${timeoutMs}ms (${status})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function pingDocker(): Promise<void> {
  await docker().ping();
}

/** Whether the engine answers, for clean-ups that must not fail when it does not. */
export function engineAnswers(): Promise<boolean> {
  return pingDocker().then(
    () => true,
    () => false,
  );
}
