import {
  createNodesFromFiles,
  hashArray,
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
} from '@nx/devkit';
import { workspaceDataDirectory } from '@nx/devkit/internal';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { IGNORED_DIRS } from '../utils/constants';
import { resolvePluginOptions, type GoPluginOptions, type ResolvedGoPluginOptions } from '../utils/plugin-options';
import { projectNameOf, readGoModule } from './go-module';
import { createTargetGroups, createTargets } from './targets';

export const GO_MOD_GLOB = '**/go.mod';

/** Whether a go.mod path is one the plugin should not turn into a project. */
export function isIgnoredGoMod(file: string): boolean {
  const segments = file.split(/[\\/]/);
  return segments.slice(0, -1).some((segment) => IGNORED_DIRS.includes(segment));
}

/** Everything that decides a module's nodes, so a cached result is reused only when none of it changed. */
function cacheKey(workspaceRoot: string, root: string, options: ResolvedGoPluginOptions): string {
  const abs = join(workspaceRoot, root);
  const read = (file: string) => (existsSync(join(abs, file)) ? readFileSync(join(abs, file), 'utf8') : '');
  const listing = (dir: string) => {
    try {
      return readdirSync(join(abs, dir)).sort().join(',');
    } catch {
      return '';
    }
  };
  const commandSources = listing('cmd')
    .split(',')
    .filter(Boolean)
    .map((command) => `${command}:${listing(`cmd/${command}`)}`);
  return hashArray([
    read('go.mod'),
    read('project.json'),
    String(existsSync(join(abs, 'Dockerfile'))),
    listing('.'),
    ...commandSources,
    JSON.stringify(options),
  ]);
}

type NodesCache = Record<string, CreateNodesResult>;

function cachePath(): string {
  return join(workspaceDataDirectory, 'org-go-nodes.json');
}

function readCache(): NodesCache {
  try {
    return JSON.parse(readFileSync(cachePath(), 'utf8')) as NodesCache;
  } catch {
    return {};
  }
}

function writeCache(cache: NodesCache): void {
  try {
    mkdirSync(dirname(cachePath()), { recursive: true });
    writeFileSync(cachePath(), JSON.stringify(cache));
  } catch {
    // A cache that cannot be written only costs time on the next run.
  }
}

function createNodesForModule(
  goModFile: string,
  options: ResolvedGoPluginOptions,
  context: CreateNodesContext,
  caches: { previous: NodesCache; next: NodesCache },
): CreateNodesResult {
  if (isIgnoredGoMod(goModFile)) return {};
  const root = dirname(goModFile);
  const key = cacheKey(context.workspaceRoot, root, options);
  const cached = caches.previous[key];
  if (cached) {
    caches.next[key] = cached;
    return cached;
  }
  const info = readGoModule(context.workspaceRoot, root);
  const targets = createTargets(info, options);
  const isService = info.commands.length > 0;
  const result: CreateNodesResult = {
    projects: {
      [root]: {
        name: projectNameOf(info),
        root,
        projectType: isService ? 'application' : 'library',
        tags: ['lang:go', isService ? 'type:service' : 'type:library'],
        targets,
        metadata: {
          technologies: ['go'],
          targetGroups: createTargetGroups(targets, options),
          goModule: info.modulePath,
        } as Record<string, unknown>,
      },
    },
  };
  caches.next[key] = result;
  return result;
}

/** Infers a project per Go module (`go.mod`), with Go and Docker targets. Results are cached per module content. */
export const createNodes: CreateNodes<GoPluginOptions> = [
  GO_MOD_GLOB,
  async (files, rawOptions, context) => {
    const options = resolvePluginOptions(rawOptions);
    const caches = { previous: readCache(), next: {} as NodesCache };
    const results = await createNodesFromFiles(
      (file, _options, ctx) => createNodesForModule(file, options, ctx, caches),
      files,
      rawOptions,
      context,
    );
    writeCache(caches.next);
    return results;
  },
];
