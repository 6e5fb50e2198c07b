import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Shape of tools/local-registry.mjs as used by the suite. */
export interface LocalRegistryModule {
  startLocalRegistry(opts?: { port?: number; storage?: string }): Promise<{
    url: string;
    port: number;
    pid?: number;
    env: Record<string, string>;
    logs(): string;
    stop(): Promise<void>;
  }>;
  publishPlugin(opts: { registry: string; env: Record<string, string>; version?: string }): Promise<string>;
}

export const repoRoot = resolve(__dirname, '..', '..', '..');

/** Load the ESM registry tool natively (kept out of the CommonJS transform). */
export function loadRegistryModule(): Promise<LocalRegistryModule> {
  const nativeImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;
  return nativeImport(pathToFileURL(join(repoRoot, 'tools', 'local-registry.mjs')).href) as Promise<LocalRegistryModule>;
}

/**
 * Start a verdaccio on 127.0.0.1, publish the built plugin to it once, and
 * hand the registry environment and the published version to the specs.
 */
export default async function globalSetup(): Promise<void> {
  const dist = join(repoRoot, 'dist', 'packages', 'go', 'package.json');
  if (!existsSync(dist)) {
    throw new Error(`${dist} is missing: build the plugin first (npx nx run go:build), or run the suite via nx run go-e2e:e2e`);
  }
  const { startLocalRegistry, publishPlugin } = await loadRegistryModule();

  const t0 = Date.now();
  const registry = await startLocalRegistry();
  const startMs = Date.now() - t0;
  (globalThis as Record<string, unknown>).__GO_E2E_REGISTRY__ = registry;

  const version = process.env.GO_E2E_PLUGIN_VERSION_OVERRIDE ?? `0.0.0-e2e.${Date.now()}`;
  const t1 = Date.now();
  try {
    await publishPlugin({ registry: registry.url, env: registry.env, version });
  } catch (e) {
    await registry.stop();
    throw e;
  }
  const publishMs = Date.now() - t1;

  process.env.GO_E2E_REGISTRY_ENV = JSON.stringify(registry.env);
  process.env.GO_E2E_PLUGIN_VERSION = version;
  process.env.GO_E2E_TIMINGS = JSON.stringify({ verdaccioStartMs: startMs, publishMs });
  console.log(
    `\n[go-e2e] verdaccio ${registry.url} (pid ${registry.pid}) ready in ${startMs}ms; ` +
      `published @org/go@${version} in ${publishMs}ms`,
  );
}
