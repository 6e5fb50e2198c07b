import type { NxJsonConfiguration } from '@nx/devkit';
import { DEFAULT_LIBRARIES_DIR, DEFAULT_SERVICES_DIR, PLUGIN_NAME } from './constants';

/** Options users can set on the `@org/go` entry of nx.json `plugins`. */
export interface GoPluginOptions {
  buildTargetName?: string;
  testTargetName?: string;
  lintTargetName?: string;
  tidyTargetName?: string;
  dockerBuildTargetName?: string;
  dockerRunTargetName?: string;
  dockerScanTargetName?: string;
  dockerTagTargetName?: string;
  dockerPushTargetName?: string;
  /** Default `mode` of the inferred docker-build targets: `multistage` (Dockerfile build in the engine) or `prebuilt` (host go build, assembled image). */
  dockerBuildMode?: 'multistage' | 'prebuilt';
  /** docker-push waits for docker-scan (the vulnerability gate) of the same project (default true). */
  scanBeforePush?: boolean;
  /** Folder new services go in (default `apps`). */
  servicesDir?: string;
  /** Folder new libraries go in (default `libs`). */
  librariesDir?: string;
  /** Platform the import graph is computed for (build constraints): default linux/amd64 without cgo, as images are built. */
  goos?: string;
  goarch?: string;
  cgoEnabled?: boolean;
  buildTags?: string[];
  /** Go release for `//go:build go1.N` constraints (default: the newest the plugin knows). */
  goVersion?: string;
}

type PlatformKeys = 'goos' | 'goarch' | 'cgoEnabled' | 'buildTags' | 'goVersion';
export type ResolvedGoPluginOptions = Required<Omit<GoPluginOptions, PlatformKeys>> & Pick<GoPluginOptions, PlatformKeys>;

export function resolvePluginOptions(options: GoPluginOptions | undefined): ResolvedGoPluginOptions {
  return {
    buildTargetName: options?.buildTargetName ?? 'build',
    testTargetName: options?.testTargetName ?? 'test',
    lintTargetName: options?.lintTargetName ?? 'lint',
    tidyTargetName: options?.tidyTargetName ?? 'tidy',
    dockerBuildTargetName: options?.dockerBuildTargetName ?? 'docker-build',
    dockerRunTargetName: options?.dockerRunTargetName ?? 'docker-run',
    dockerScanTargetName: options?.dockerScanTargetName ?? 'docker-scan',
    dockerTagTargetName: options?.dockerTagTargetName ?? 'docker-tag',
    dockerPushTargetName: options?.dockerPushTargetName ?? 'docker-push',
    dockerBuildMode: options?.dockerBuildMode ?? 'multistage',
    scanBeforePush: options?.scanBeforePush ?? true,
    servicesDir: options?.servicesDir ?? DEFAULT_SERVICES_DIR,
    librariesDir: options?.librariesDir ?? DEFAULT_LIBRARIES_DIR,
    goos: options?.goos,
    goarch: options?.goarch,
    cgoEnabled: options?.cgoEnabled,
    buildTags: options?.buildTags,
    goVersion: options?.goVersion,
  };
}

/** The options of the plugin's entry in nx.json, or undefined when it is not registered. */
export function findPluginEntry(nxJson: NxJsonConfiguration | null): { options?: GoPluginOptions } | undefined {
  for (const entry of nxJson?.plugins ?? []) {
    if (entry === PLUGIN_NAME) return {};
    if (typeof entry === 'object' && entry.plugin === PLUGIN_NAME) {
      return { options: entry.options as GoPluginOptions | undefined };
    }
  }
  return undefined;
}
