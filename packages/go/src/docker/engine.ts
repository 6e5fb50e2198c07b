import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DockerOptions } from 'dockerode';

/** Which engine the executors talk to, and why that one. */
export interface EngineTarget {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`, `npipe:////./pipe/docker_engine`. */
  host: string;
  /** Where the choice came from, for messages. */
  source: 'option' | 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'docker config' | 'default';
  /** The Docker CLI context it came from, if any. */
  context?: string;
  /** TLS material: folder with ca.pem, cert.pem, key.pem; verify the server's certificate when `verify`. */
  tls?: { certPath?: string; verify: boolean };
}

const DEFAULT_HOST = process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';
const HOST_SCHEMES = /^(unix|tcp|ssh|npipe|http|https):\/\//;

function dockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(env.HOME || env.USERPROFILE || homedir(), '.docker');
}

/** The Docker CLI's context store: `contexts/meta/<sha256 of the name>/meta.json`, TLS files beside it. */
export function readDockerContext(name: string, env: NodeJS.ProcessEnv): EngineTarget {
  const config = dockerConfigDir(env);
  const id = createHash('sha256').update(name).digest('hex');
  const metaFile = join(config, 'contexts', 'meta', id, 'meta.json');
  if (!existsSync(metaFile)) {
    throw new Error(`Docker context "${name}" does not exist (no ${metaFile}). List contexts with "docker context ls", or name an engine URL such as unix:///var/run/docker.sock.`);
  }
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readFileSync(metaFile, 'utf8'));
  } catch (err) {
    throw new Error(`Docker context "${name}" cannot be read (${metaFile}: ${(err as Error).message}). Recreate it with "docker context create".`);
  }
  const endpoint = meta.Endpoints?.docker;
  if (!endpoint?.Host) throw new Error(`Docker context "${name}" has no Docker endpoint (${metaFile}). Recreate it with "docker context create ${name} --docker host=…".`);
  const tlsDir = join(config, 'contexts', 'tls', id, 'docker');
  const tls = existsSync(join(tlsDir, 'cert.pem')) || existsSync(join(tlsDir, 'ca.pem')) ? { certPath: tlsDir, verify: !endpoint.SkipTLSVerify } : undefined;
  return { host: endpoint.Host, source: 'DOCKER_CONTEXT', context: name, tls };
}

/**
 * Picks the engine as the docker CLI does: an explicit choice (an engine URL or a context name), then
 * DOCKER_HOST (with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH), then DOCKER_CONTEXT, then the current context
 * of the Docker config (`docker context use`), then the platform's default socket or named pipe.
 */
export function resolveEngine(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): EngineTarget {
  const fromEnvTls = () =>
    env.DOCKER_TLS_VERIFY || env.DOCKER_CERT_PATH ? { certPath: env.DOCKER_CERT_PATH || dockerConfigDir(env), verify: env.DOCKER_TLS_VERIFY === '1' } : undefined;
  if (explicit) {
    if (HOST_SCHEMES.test(explicit)) return { host: explicit, source: 'option', tls: explicit.startsWith('tcp://') ? fromEnvTls() : undefined };
    if (explicit === 'default') return { host: DEFAULT_HOST, source: 'option', context: 'default' };
    return { ...readDockerContext(explicit, env), source: 'option' };
  }
  if (env.DOCKER_HOST) return { host: env.DOCKER_HOST, source: 'DOCKER_HOST', tls: fromEnvTls() };
  if (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== 'default') return readDockerContext(env.DOCKER_CONTEXT, env);
  const configFile = join(dockerConfigDir(env), 'config.json');
  if (existsSync(configFile)) {
    let current: string | undefined;
    try {
      current = (JSON.parse(readFileSync(configFile, 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      current = undefined; // an unreadable config is the docker CLI's problem to report; use the default
    }
    if (current && current !== 'default') return { ...readDockerContext(current, env), source: 'docker config' };
  }
  return { host: DEFAULT_HOST, source: 'default' };
}

/** dockerode options for an engine target (what docker-modem would derive from DOCKER_HOST). */
export function dockerodeOptions(target: EngineTarget): DockerOptions {
  const { host } = target;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) || '/var/run/docker.sock' };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) || '//./pipe/docker_engine' };
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    return {
      protocol: 'ssh',
      host: url.hostname,
      port: url.port || 22,
      username: decodeURIComponent(url.username) || undefined,
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    } as DockerOptions;
  }
  const tls = target.tls?.certPath && existsSync(join(target.tls.certPath, 'ca.pem')) ? target.tls : undefined;
  const https = url.protocol === 'https:' || Boolean(target.tls?.verify) || url.port === '2376';
  const options: DockerOptions = { protocol: https ? 'https' : 'http', host: url.hostname, port: url.port || (https ? 2376 : 2375) };
  if (tls?.certPath) {
    options.ca = readFileSync(join(tls.certPath, 'ca.pem'));
    if (existsSync(join(tls.certPath, 'cert.pem'))) options.cert = readFileSync(join(tls.certPath, 'cert.pem'));
    if (existsSync(join(tls.certPath, 'key.pem'))) options.key = readFileSync(join(tls.certPath, 'key.pem'));
  }
  return options;
}

/** `unix:///var/run/docker.sock (DOCKER_CONTEXT "remote")` — for messages. */
export function describeEngine(target: EngineTarget): string {
  const why = target.context ? `context "${target.context}"` : target.source === 'default' ? '' : target.source;
  return why ? `${target.host} (${why})` : target.host;
}
