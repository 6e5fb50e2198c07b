/**
 * `docker login` for CI jobs whose image has no Docker CLI (the generated GitLab pipeline): stores the
 * registry credentials from environment variables in the Docker config file, as `docker login` does
 * without a credential store, so docker-push (which reads that file) can push.
 *
 *   REGISTRY=registry.example.com REGISTRY_USERNAME=… REGISTRY_PASSWORD=… node node_modules/@org/go/src/ci/registry-login.js
 *
 * The secrets are read from the environment only, never from arguments (which other processes can see).
 * Other entries of an existing config file are kept.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import { dockerConfigPath } from '../docker/credentials';

export interface LoginVariables {
  registryVar: string;
  usernameVar: string;
  passwordVar: string;
}

export const DEFAULT_LOGIN_VARIABLES: LoginVariables = { registryVar: 'REGISTRY', usernameVar: 'REGISTRY_USERNAME', passwordVar: 'REGISTRY_PASSWORD' };

/** Writes the credentials; returns the config file's path. Throws naming the variable that is missing. */
export function registryLogin(env: NodeJS.ProcessEnv, vars: LoginVariables = DEFAULT_LOGIN_VARIABLES): string {
  const registry = env[vars.registryVar]?.trim();
  const username = env[vars.usernameVar];
  const password = env[vars.passwordVar];
  const missing = [
    [vars.registryVar, registry],
    [vars.usernameVar, username],
    [vars.passwordVar, password],
  ]
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set. Define ${missing.length === 1 ? 'it as a CI/CD variable' : 'them as CI/CD variables'} (the password masked and protected).`);
  }
  const host = (registry as string).replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0];
  const file = dockerConfigPath(env);
  let config: { auths?: Record<string, unknown> } & Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      config = JSON.parse(readFileSync(file, 'utf8')) as typeof config;
    } catch {
      throw new Error(`${file} is not valid JSON; remove it or fix it first.`);
    }
  }
  config.auths = { ...(config.auths ?? {}), [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

export function runRegistryLogin(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => console.log(line)): number {
  try {
    const file = registryLogin(env);
    log(`registry-login: credentials for ${env.REGISTRY} stored in ${file}`);
    return 0;
  } catch (err) {
    log(`registry-login: ${(err as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = runRegistryLogin();
}
