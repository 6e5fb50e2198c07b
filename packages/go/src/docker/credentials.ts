import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Credentials for one registry, as the Engine API's X-Registry-Auth and the registry's token service take them. */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** An OAuth refresh token (`docker login` to registries that hand one out). */
  identityToken?: string;
}

export interface ResolvedCredentials {
  credentials?: RegistryCredentials;
  /** Where they came from, for messages: `options (REGISTRY_USER/REGISTRY_PASSWORD)`, `credential helper docker-credential-pass`, `~/.docker/config.json auths`, `none`. */
  source: string;
}

/** Names of environment variables that hold the credentials; the secrets themselves never go into nx.json. */
export interface ExplicitCredentialEnv {
  usernameEnv?: string;
  passwordEnv?: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/** `https://registry.example.com/v1/` → `registry.example.com`: how the Docker CLI matches `auths` keys to a registry. */
export function normalizeRegistryKey(key: string): string {
  const withoutScheme = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const host = withoutScheme.split('/')[0].toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/** The Docker config file the CLI reads: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  if (env.DOCKER_CONFIG) return join(env.DOCKER_CONFIG, 'config.json');
  return join(env.HOME || homedir(), '.docker', 'config.json');
}

/** Runs `docker-credential-<helper> get` with the server on stdin. Undefined when the helper has none for it. */
export type CredentialHelperRunner = (helper: string, serverUrl: string, env: NodeJS.ProcessEnv) => Promise<RegistryCredentials | undefined>;

/** The credential helper protocol (docker/docker-credential-helpers): JSON on stdout; "credentials not found" on a miss. */
export const runCredentialHelper: CredentialHelperRunner = (helper, serverUrl, env) =>
  new Promise((resolve, reject) => {
    const program = `docker-credential-${helper}`;
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} get did not answer within 30s (it may be waiting for a passphrase or a keychain prompt).`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new Error(`The Docker config names the credential helper "${helper}", but ${program} is not on PATH. Install it, or remove it from the Docker config.`)
          : new Error(`Running ${program}: ${err.message}`),
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        // The protocol's only signal for "no credentials for this server" is this message.
        if (/credentials not found/i.test(stdout + stderr)) return resolve(undefined);
        return reject(new Error(`${program} get failed (exit ${code}): ${(stdout + stderr).trim() || 'no output'}`));
      }
      let parsed: { Username?: string; Secret?: string };
      try {
        parsed = JSON.parse(stdout) as { Username?: string; Secret?: string };
      } catch {
        return reject(new Error(`${program} get printed something that is not JSON.`));
      }
      if (!parsed.Secret) return resolve(undefined);
      // `<token>` as the user name marks an identity token (the CLI's convention).
      resolve(parsed.Username === '<token>' ? { identityToken: parsed.Secret } : { username: parsed.Username, password: parsed.Secret });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });

function fromAuthsEntry(entry: NonNullable<DockerConfigFile['auths']>[string]): RegistryCredentials | undefined {
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}

function readConfig(path: string): DockerConfigFile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as DockerConfigFile;
  } catch {
    throw new Error(`${path} is not valid JSON. Fix it, or log in again with "docker login".`);
  }
}

/**
 * Credentials for `registryHost`, looked up as the Docker CLI does: explicit options (names of
 * environment variables) first; then the Docker config — a `credHelpers` entry for the host, else
 * `credsStore`, else the base64 `auths` entry. A helper that has nothing falls back to `auths`.
 */
export async function resolveRegistryCredentials(
  registryHost: string,
  env: NodeJS.ProcessEnv,
  explicit: ExplicitCredentialEnv = {},
  runHelper: CredentialHelperRunner = runCredentialHelper,
): Promise<ResolvedCredentials> {
  if (explicit.usernameEnv || explicit.passwordEnv) {
    if (!explicit.usernameEnv || !explicit.passwordEnv) {
      throw new Error('Options usernameEnv and passwordEnv go together: name the environment variables of both the user and the password.');
    }
    const username = env[explicit.usernameEnv];
    const password = env[explicit.passwordEnv];
    const unset = [!username && explicit.usernameEnv, !password && explicit.passwordEnv].filter(Boolean);
    if (unset.length > 0) {
      throw new Error(`Environment variable${unset.length > 1 ? 's' : ''} ${unset.join(' and ')} (named by usernameEnv/passwordEnv) ${unset.length > 1 ? 'are' : 'is'} not set. Set them, or drop the options to use the Docker config.`);
    }
    return { credentials: { username, password }, source: `options (${explicit.usernameEnv}/${explicit.passwordEnv})` };
  }

  const path = dockerConfigPath(env);
  const config = readConfig(path);
  if (!config) return { source: 'none' };
  const host = normalizeRegistryKey(registryHost);
  const serverUrl = host === 'docker.io' ? DOCKER_HUB_KEY : host;
  const authsEntry = Object.entries(config.auths ?? {}).find(([key]) => normalizeRegistryKey(key) === host)?.[1];
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => normalizeRegistryKey(key) === host)?.[1] ?? config.credsStore;
  if (helper) {
    const fromHelper = await runHelper(helper, serverUrl, env);
    if (fromHelper) return { credentials: fromHelper, source: `credential helper docker-credential-${helper}` };
  }
  const fromFile = authsEntry ? fromAuthsEntry(authsEntry) : undefined;
  if (fromFile) return { credentials: fromFile, source: `${path} auths` };
  return { source: 'none' };
}

/** The X-Registry-Auth body the engine expects. */
export function engineAuthConfig(registryHost: string, credentials: RegistryCredentials | undefined): Record<string, string> {
  const serveraddress = normalizeRegistryKey(registryHost) === 'docker.io' ? DOCKER_HUB_KEY : registryHost;
  if (!credentials) return {};
  if (credentials.identityToken) return { identitytoken: credentials.identityToken, serveraddress };
  return { username: credentials.username ?? '', password: credentials.password ?? '', serveraddress };
}
