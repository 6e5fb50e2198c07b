import Dockerode from 'dockerode';
import type { ContainerCreateOptions, ContainerInspectInfo, ImageInspectInfo } from 'dockerode';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tarStream from 'tar-stream';
import { describeEndpoint } from './endpoint';
import { describeEngine, dockerodeOptions, resolveEngine, type EngineTarget } from './engine';
import { BuildInterruptedError, classifyDockerError, DockerError, isConnectionLoss, otherEngineHint } from './errors';
import { followProgress, type ProgressEvent } from './progress';

export interface BuildOptions {
  dockerfile: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  platform?: string;
  network?: string;
  /** Print only a summary; the engine still streams its progress, which is not shown. */
  quiet?: boolean;
}

export interface LogFollower {
  stop(): void;
}

/**
 * The one Docker Engine client of the plugin. Every executor talks to the engine through it;
 * dockerode picks the engine from DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH) like the docker CLI.
 */
export class DockerClient {
  readonly endpoint: string;

  constructor(
    private readonly docker: Dockerode,
    endpoint?: string,
  ) {
    this.endpoint = endpoint ?? describeEndpoint();
  }

  /**
   * The engine the docker CLI would use here (see resolveEngine), or the one `engine` names: an engine URL
   * (`unix://`, `tcp://`, `ssh://`, `npipe://`) or a Docker CLI context name.
   */
  static fromEnvironment(engine?: string, env: NodeJS.ProcessEnv = process.env): DockerClient {
    let target: EngineTarget;
    try {
      target = resolveEngine(engine, env);
    } catch (err) {
      // Executors build their client before their own error handling runs: the mistake surfaces on the
      // first engine call (ping) as a DockerError, reported like any other.
      const reason = new DockerError((err as Error).message, 'unreachable');
      const refuse = new Proxy(
        {},
        {
          get: () => () => {
            throw reason;
          },
        },
      ) as unknown as Dockerode;
      return new DockerClient(refuse, engine ?? env.DOCKER_CONTEXT ?? 'the configured Docker context');
    }
    // DOCKER_HOST and the default socket: docker-modem's own reading of the environment (TLS, ssh, Docker Desktop's socket).
    if (target.source === 'DOCKER_HOST' || target.source === 'default') return new DockerClient(new Dockerode(), describeEndpoint(env));
    return new DockerClient(new Dockerode(dockerodeOptions(target)), describeEngine(target));
  }

  /** Whether the engine answers a ping within `timeoutMs`. */
  async answers(timeoutMs = 2000): Promise<boolean> {
    try {
      await this.ping(timeoutMs);
      return true;
    } catch {
      return false;
    }
  }

  /** Whether the engine stops answering within `watchMs` (pinged every 250 ms; at least once). */
  private async goesAway(watchMs: number): Promise<boolean> {
    const deadline = Date.now() + watchMs;
    for (;;) {
      if (!(await this.answers(1000))) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Fails within `timeoutMs` with a message naming the engine and how to start it. */
  async ping(timeoutMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DockerError(
              `The Docker engine at ${this.endpoint} did not answer within ${timeoutMs / 1000}s. Check that Docker is running, or ${otherEngineHint(this.endpoint)} a running engine.`,
              'unreachable',
            ),
          ),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.docker.ping(), timeout]);
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, 'Pinging the Docker engine');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Builds an image from a tar stream of the context. Resolves with the image id only when the
   * engine reports success; tags are applied separately by the caller, after the build succeeded.
   */
  async buildImage(
    context: NodeJS.ReadableStream,
    options: BuildOptions,
    onEvent: (event: ProgressEvent) => void,
  ): Promise<{ imageId: string }> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.buildImage(context, {
        dockerfile: options.dockerfile,
        buildargs: options.buildArgs,
        labels: options.labels,
        target: options.target,
        nocache: options.noCache,
        pull: options.pull ? '1' : undefined,
        platform: options.platform,
        networkmode: options.network,
        rm: true,
        forcerm: true,
      } as Dockerode.ImageBuildOptions);
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, 'Starting the image build');
    }
    let imageId: string | undefined;
    // The classic builder runs each RUN step in a container of its own (" ---> Running in <id>") and removes
    // it when the step ends; one the engine was running when it went away is still in its store afterwards.
    let stepContainer: string | undefined;
    try {
      await followProgress(stream, (event) => {
        if (event.aux?.ID) imageId = event.aux.ID;
        // Older engines report the id only as text: "Successfully built <id>" (or the bare id).
        const built = event.stream?.match(/^(?:Successfully built )?((?:sha256:)?[0-9a-f]{12,64})\s*$/);
        if (built && !imageId) imageId = built[1];
        const running = event.stream?.match(/^ ---> Running in ([0-9a-f]{12,64})\s*$/);
        if (running) stepContainer = running[1];
        if (stepContainer && event.stream?.startsWith(`Removing intermediate container ${stepContainer}`)) stepContainer = undefined;
        onEvent(event);
      });
    } catch (err) {
      if (isConnectionLoss(err)) throw await this.lostDuringBuild((err as { code?: string }).code ?? (err as Error).message, stepContainer);
      // A stopping engine kills the step's container (SIGTERM, SIGKILL after 10 s: exit 143 or 137) and may
      // report that before it closes the connection and goes: a killed step on an engine that stops
      // answering within a few seconds was the engine's doing.
      if (err instanceof DockerError && err.kind === 'build' && (await this.goesAway(err.statusCode === 137 || err.statusCode === 143 ? 3000 : 0))) {
        const killed = err.statusCode === 137 || err.statusCode === 143;
        throw await this.lostDuringBuild(killed ? `it killed the running step, exit code ${err.statusCode}` : `the build ended with: ${err.message.length > 160 ? `${err.message.slice(0, 159)}…` : err.message}`, stepContainer);
      }
      throw err;
    }
    if (!imageId) {
      throw new DockerError(
        `The Docker engine at ${this.endpoint} ended the build without reporting an image id: it may have stopped or restarted during the build. No image was recorded; run the build again.`,
        'build',
      );
    }
    return { imageId };
  }

  /**
   * The engine went away in the middle of a build: the error says so, and the step container it was
   * running is removed now if the engine answers again, else named in `leftoverContainers` for the caller.
   */
  private async lostDuringBuild(detail: string, stepContainer: string | undefined): Promise<BuildInterruptedError> {
    const message =
      `Lost the Docker engine at ${this.endpoint} in the middle of the build (${detail}): it stopped or restarted, and the image was not built. ` +
      'Start the engine again (Docker Desktop, `sudo systemctl start docker` or `tools/ensure-docker.sh` on Linux) and run the build again.';
    if (!stepContainer) return new BuildInterruptedError(message, []);
    try {
      await this.docker.getContainer(stepContainer).remove({ force: true, v: true });
      return new BuildInterruptedError(message, []);
    } catch (removeError) {
      const status = (removeError as { statusCode?: number }).statusCode;
      return new BuildInterruptedError(message, status === 404 ? [] : [stepContainer]);
    }
  }

  /**
   * Loads an image archive in the `docker save` layout (`POST /images/load`). Resolves with the image
   * ids the engine reports (`Loaded image ID: sha256:…`); rejects on an error in its stream.
   */
  async loadImage(archive: NodeJS.ReadableStream, onEvent: (event: ProgressEvent) => void = () => undefined): Promise<{ imageIds: string[] }> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.docker.loadImage(archive, { quiet: true });
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, 'Loading the image archive');
    }
    const imageIds: string[] = [];
    await followProgress(stream, (event) => {
      const loaded = event.stream?.match(/Loaded image ID: (sha256:[0-9a-f]{64})/);
      if (loaded) imageIds.push(loaded[1]);
      onEvent(event);
    });
    return { imageIds };
  }

  /** The image's `docker save` archive (`GET /images/{ref}/get`): its config and uncompressed layers. */
  async exportImage(ref: string): Promise<NodeJS.ReadableStream> {
    try {
      return await this.docker.getImage(ref).get();
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Exporting image ${ref}`);
    }
  }

  /** The engine's own platform (what it builds for when no platform is asked), e.g. linux/amd64. */
  async enginePlatform(): Promise<string> {
    try {
      const version = await this.docker.version();
      return `${version.Os}/${version.Arch}`;
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, 'Reading the engine version');
    }
  }

  /** Image details, or undefined when the engine has no such image. */
  async inspectImage(ref: string): Promise<ImageInspectInfo | undefined> {
    try {
      return await this.docker.getImage(ref).inspect();
    } catch (err) {
      const classified = classifyDockerError(err, this.endpoint, `Inspecting image ${ref}`);
      if (classified.kind === 'not-found') return undefined;
      throw classified;
    }
  }

  async tagImage(imageId: string, reference: string): Promise<void> {
    const { repo, tag } = splitReference(reference);
    try {
      await this.docker.getImage(imageId).tag({ repo, tag });
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Tagging ${imageId} as ${reference}`);
    }
  }

  /**
   * Pushes one tag (`registry/team/orders:1.4.2`) through the engine, with `auth` as X-Registry-Auth.
   * Resolves with the manifest digest the registry stored; rejects when the engine's stream reports an
   * error (it answers HTTP 200 and reports push failures in the stream).
   */
  async pushImage(reference: string, auth: Record<string, string>, onEvent: (event: ProgressEvent) => void = () => undefined): Promise<{ digest: string; size?: number }> {
    const { repo, tag } = splitReference(reference);
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.getImage(repo).push({ tag, authconfig: auth })) as NodeJS.ReadableStream;
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Pushing ${reference}`);
    }
    let digest: string | undefined;
    let size: number | undefined;
    try {
      await followProgress(stream, (event) => {
        if (event.aux?.Digest) {
          digest = event.aux.Digest;
          size = event.aux.Size;
        }
        onEvent(event);
      });
    } catch (err) {
      throw new DockerError(`Pushing ${reference} failed: ${(err as Error).message}`, 'engine', (err as DockerError).statusCode);
    }
    if (!digest) throw new DockerError(`The Docker engine finished pushing ${reference} without reporting its digest.`, 'engine');
    return { digest, size };
  }

  /**
   * Pulls `reference` (`registry/team/orders@sha256:…` or a tag) through the engine, with `auth` as
   * X-Registry-Auth. Rejects when the engine's stream reports an error (it answers HTTP 200 and reports
   * pull failures in the stream).
   */
  async pullImage(reference: string, auth: Record<string, string>, onEvent: (event: ProgressEvent) => void = () => undefined): Promise<void> {
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.pull(reference, Object.keys(auth).length > 0 ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Pulling ${reference}`);
    }
    try {
      await followProgress(stream, onEvent);
    } catch (err) {
      throw new DockerError(`Pulling ${reference} failed: ${(err as Error).message}`, 'engine', (err as DockerError).statusCode);
    }
  }

  /** Registries the engine reaches over plain HTTP (its insecure-registries setting), for talking to them the same way. */
  async insecureRegistries(): Promise<{ cidrs: string[]; hosts: string[] }> {
    try {
      const info = (await this.docker.info()) as { RegistryConfig?: { InsecureRegistryCIDRs?: string[]; IndexConfigs?: Record<string, { Name?: string; Secure?: boolean }> } };
      const config = info.RegistryConfig;
      const hosts = Object.values(config?.IndexConfigs ?? {})
        .filter((index) => index.Secure === false && index.Name)
        .map((index) => index.Name as string);
      return { cidrs: config?.InsecureRegistryCIDRs ?? [], hosts };
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, 'Reading the engine\'s registry settings');
    }
  }

  async removeImage(ref: string, force = false): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force });
    } catch (err) {
      const classified = classifyDockerError(err, this.endpoint, `Removing image ${ref}`);
      if (classified.kind !== 'not-found') throw classified;
    }
  }

  async inspectContainer(idOrName: string): Promise<ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(idOrName).inspect();
    } catch (err) {
      const classified = classifyDockerError(err, this.endpoint, `Inspecting container ${idOrName}`);
      if (classified.kind === 'not-found') return undefined;
      throw classified;
    }
  }

  async createContainer(options: ContainerCreateOptions): Promise<string> {
    try {
      const container = await this.docker.createContainer(options);
      return container.id;
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Creating container ${options.name ?? ''}`.trim());
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Starting container ${id.slice(0, 12)}`);
    }
  }

  /** Stops (SIGTERM, then SIGKILL after `timeoutSeconds`) and removes; a container already gone is fine. */
  async stopAndRemoveContainer(id: string, timeoutSeconds = 10): Promise<void> {
    const container = this.docker.getContainer(id);
    try {
      await container.stop({ t: timeoutSeconds });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      // 304: already stopped; 404: already gone.
      if (status !== 304 && status !== 404) throw classifyDockerError(err, this.endpoint, `Stopping container ${id.slice(0, 12)}`);
    }
    try {
      await container.remove({ force: true, v: true });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      // 404: gone; 409: removal already in progress.
      if (status !== 404 && status !== 409) throw classifyDockerError(err, this.endpoint, `Removing container ${id.slice(0, 12)}`);
    }
  }

  /** Follows stdout/stderr of a container from now on; `onLine` gets whole lines. */
  async followLogs(id: string, onLine: (line: string, source: 'stdout' | 'stderr') => void, since = 0): Promise<LogFollower> {
    const container = this.docker.getContainer(id);
    let raw: NodeJS.ReadableStream;
    try {
      raw = (await container.logs({ follow: true, stdout: true, stderr: true, since })) as NodeJS.ReadableStream;
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, `Reading logs of ${id.slice(0, 12)}`);
    }
    const out = lineSplitter((line) => onLine(line, 'stdout'));
    const errOut = lineSplitter((line) => onLine(line, 'stderr'));
    this.docker.modem.demuxStream(raw, out, errOut);
    raw.on('end', () => {
      out.end();
      errOut.end();
    });
    return {
      stop: () => {
        (raw as unknown as { destroy?: () => void }).destroy?.();
      },
    };
  }

  /** The last `lines` lines a container wrote (stdout and stderr, in order). */
  async tailLogs(id: string, lines = 30): Promise<string> {
    try {
      const buffer = (await this.docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as Buffer;
      return demuxBuffer(buffer);
    } catch (err) {
      const classified = classifyDockerError(err, this.endpoint, `Reading logs of ${id.slice(0, 12)}`);
      if (classified.kind === 'not-found') return '';
      throw classified;
    }
  }

  /** Podman answers the Docker API too; it names itself in the version's components. */
  async isPodman(): Promise<boolean> {
    try {
      const version = (await this.docker.version()) as { Components?: { Name?: string }[] };
      return (version.Components ?? []).some((component) => /podman/i.test(component.Name ?? ''));
    } catch (err) {
      throw classifyDockerError(err, this.endpoint, 'Reading the engine version');
    }
  }

  /**
   * Podman runs HEALTHCHECKs from systemd timers; where there is no systemd they never run and health
   * stays "starting". Its own API runs one on demand (libpod `GET /containers/{id}/healthcheck`):
   * returns the resulting status, or undefined when the engine cannot.
   */
  async runPodmanHealthcheck(id: string): Promise<string | undefined> {
    try {
      const result = (await new Promise<unknown>((resolve, reject) =>
        this.docker.modem.dial(
          { path: `/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`, method: 'GET', statusCodes: { 200: true, 404: 'no such container', 409: 'no healthcheck', 500: 'server error' }, options: {} },
          (err: unknown, data: unknown) => (err ? reject(err) : resolve(data)),
        ),
      )) as { Status?: string };
      return result?.Status;
    } catch {
      return undefined;
    }
  }

  /** `docker save` of one image into `file` (a Docker image archive), written through a temporary name. */
  async saveImage(ref: string, file: string): Promise<void> {
    const partial = `${file}.partial-${process.pid}`;
    try {
      await pipeline(await this.exportImage(ref), createWriteStream(partial));
      renameSync(partial, file);
    } catch (err) {
      rmSync(partial, { force: true });
      if (err instanceof DockerError) throw err;
      throw classifyDockerError(err, this.endpoint, `Saving image ${ref}`);
    }
  }

  /**
   * Copies one regular file out of an image without running it: creates a container that is never started,
   * reads the file through the archive API, removes the container. Rejects when the path is not a file.
   */
  async copyFileFromImage(ref: string, path: string, destination: string): Promise<void> {
    let id: string | undefined;
    try {
      const container = await this.docker.createContainer({ Image: ref, Entrypoint: ['/nonexistent'], Cmd: [], NetworkDisabled: true, Labels: { 'org.go.scratch': 'true' } });
      id = container.id;
      const archive = (await container.getArchive({ path })) as NodeJS.ReadableStream;
      await extractSingleFile(archive, destination);
    } catch (err) {
      if (err instanceof DockerError) throw err;
      if ((err as { statusCode?: number }).statusCode === undefined) throw err;
      throw classifyDockerError(err, this.endpoint, `Copying ${path} out of ${ref}`);
    } finally {
      if (id) await this.docker.getContainer(id).remove({ force: true, v: true }).catch(() => undefined);
    }
  }
}

/**
 * Writes the first regular file of a tar stream to `destination` (executable); anything else is an error.
 * On an error (a full disk, say) the archive is destroyed: the engine holds the container's lock until
 * the archive's response ends, so a stalled one would block removing the container for ever.
 */
function extractSingleFile(archive: NodeJS.ReadableStream, destination: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const extract = tarStream.extract();
    let written = false;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      (archive as unknown as { destroy?: () => void }).destroy?.();
      extract.destroy();
      reject(err);
    };
    extract.on('entry', (header, stream, next) => {
      if (written || header.type !== 'file') {
        stream.on('end', next);
        stream.resume();
        return;
      }
      written = true;
      const out = createWriteStream(destination, { mode: 0o755 });
      stream.on('error', fail);
      stream.pipe(out);
      out.on('finish', next);
      out.on('error', fail);
    });
    extract.on('finish', () => {
      if (settled) return;
      settled = true;
      if (written) resolve();
      else reject(new Error(`the image holds no regular file there (a link or a folder?)`));
    });
    extract.on('error', fail);
    archive.on('error', fail);
    archive.pipe(extract);
  });
}

/** Splits `registry:5000/team/orders:1.2.3` into repo and tag (tag defaults to latest). */
export function splitReference(reference: string): { repo: string; tag: string } {
  const at = reference.indexOf('@');
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    return { repo: withoutDigest.slice(0, lastColon), tag: withoutDigest.slice(lastColon + 1) };
  }
  return { repo: withoutDigest, tag: 'latest' };
}

/** Decodes Docker's multiplexed log format (8-byte frame headers) into text. */
export function demuxBuffer(buffer: Buffer): string {
  if (buffer.length >= 8 && (buffer[0] === 1 || buffer[0] === 2) && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0) {
    const parts: string[] = [];
    let offset = 0;
    while (offset + 8 <= buffer.length) {
      const size = buffer.readUInt32BE(offset + 4);
      parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
      offset += 8 + size;
    }
    return parts.join('');
  }
  return buffer.toString('utf8');
}

function lineSplitter(onLine: (line: string) => void): PassThrough {
  const stream = new PassThrough();
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    rest += chunk.toString('utf8');
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
  return stream;
}
