/**
 * Errors from the Docker engine, classified by what the caller can do about them.
 * Classification uses `statusCode` and `code` (errno), never message text.
 */
export type DockerErrorKind = 'unreachable' | 'not-found' | 'conflict' | 'auth' | 'engine' | 'build';

export class DockerError extends Error {
  constructor(
    message: string,
    readonly kind: DockerErrorKind,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}

/**
 * The engine went away (stopped, restarted, crashed) while it was building. `leftoverContainers` are the
 * classic builder's step containers that could not be removed then (the engine did not answer): the next
 * build on that engine removes them.
 */
export class BuildInterruptedError extends DockerError {
  constructor(
    message: string,
    readonly leftoverContainers: string[],
  ) {
    super(message, 'unreachable');
    this.name = 'BuildInterruptedError';
  }
}

interface RawDockerError {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  reason?: string;
  message?: string;
}

// EPIPE: the socket file is still there but the engine behind it is going (a stopping engine, a stale socket).
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'EPERM', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'ENOTFOUND', 'EPIPE']);

/** A connection to the engine that broke while a response was streaming (`aborted`, reset, closed socket). */
export function isConnectionLoss(err: unknown): boolean {
  if (err instanceof DockerError) return false;
  const e = err as RawDockerError;
  if (e?.code && (UNREACHABLE_CODES.has(e.code) || e.code === 'ERR_STREAM_PREMATURE_CLOSE')) return true;
  return e?.message === 'aborted' || e?.message === 'socket hang up';
}

/** The engine's own message from a dockerode error (JSON body first). */
export function engineMessage(err: unknown): string {
  const e = err as RawDockerError;
  return e?.json?.message ?? e?.reason ?? e?.message ?? String(err);
}

/** How to point the executors at another engine, given where this one was chosen (see describeEngine). */
export function otherEngineHint(endpoint: string): string {
  if (endpoint.endsWith(' (option)')) return 'set the "engine" option to';
  if (/ \(context "[^"]*"\)$/.test(endpoint)) return 'switch the Docker context (docker context use …) to';
  return 'set DOCKER_HOST to';
}

export function unreachableMessage(endpoint: string, code: string): string {
  const other = otherEngineHint(endpoint);
  const hint =
    code === 'EACCES' || code === 'EPERM'
      ? `Add your user to the "docker" group (then log in again) or run with sudo, or ${other} an engine you may use.`
      : `Start Docker (Docker Desktop with WSL integration on Windows, \`sudo systemctl start docker\` or \`tools/ensure-docker.sh\` on Linux) or ${other} a running engine.`;
  return `Cannot reach the Docker engine at ${endpoint} (${code}). ${hint}`;
}

/** Turns whatever dockerode threw into a DockerError with a next step. */
export function classifyDockerError(err: unknown, endpoint: string, action: string): DockerError {
  if (err instanceof DockerError) return err;
  const e = err as RawDockerError;
  if (e?.code && UNREACHABLE_CODES.has(e.code)) {
    return new DockerError(unreachableMessage(endpoint, e.code), 'unreachable');
  }
  const status = e?.statusCode;
  const detail = engineMessage(err);
  if (status === 404) return new DockerError(`${action}: not found (${detail}).`, 'not-found', status);
  if (status === 409) return new DockerError(`${action}: conflict (${detail}).`, 'conflict', status);
  if (status === 401 || status === 403) {
    return new DockerError(`${action}: access denied (${detail}). Check your registry credentials (docker login).`, 'auth', status);
  }
  return new DockerError(`${action} failed: ${detail}`, 'engine', status);
}
