import { posix } from 'node:path';
import { fileIncluded, type BuildTarget, type GoFileHeader } from './source';
import type { GoModFile, GoWorkFile } from './go-mod';

/** Everything the graph is computed from; gathered (and cached) by the loader, so this part is pure. */
export interface GraphInput {
  /** go.mod files by module folder (workspace-relative, `.` for the root). */
  modules: Map<string, GoModFile>;
  goWork?: GoWorkFile;
  /** Every .go file (workspace-relative path) with its scanned header. */
  files: Array<{ path: string; header: GoFileHeader }>;
  /** Folders holding a Dockerfile. */
  dockerfileDirs: Set<string>;
  /** Names set by a project.json, by folder. */
  configuredNames: Map<string, string>;
}

export type DependencyKind = 'normal' | 'test' | 'platform';

export interface GoProject {
  root: string;
  name: string;
  kind: 'service' | 'library';
  moduleRoot: string;
  modulePath: string;
  /** Main package folders this project builds (empty for libraries). */
  mains: string[];
  hasDockerfile: boolean;
  /** False for a module that a go.work exists but does not list (reached through `replace` only): Go must run with GOWORK=off there. */
  inGoWork: boolean;
  /**
   * Services: the package folders their binary (`image`) and `go build ./...` (`build`) are compiled
   * from, transitively, within the workspace. Libraries: empty (their inputs are project-level).
   */
  closures: { build: Closure; image: Closure };
  /** Projects this one imports, by kind (a project appears under its strongest kind only). */
  imports: Record<DependencyKind, string[]>;
}

/**
 * Package folders a target is built from, grouped by module folder; folders are relative to the module
 * (`.` for its root), and `['**']` stands for every package of the module.
 */
export interface Closure {
  modules: Record<string, string[]>;
}

export const WHOLE_MODULE = '**';

/** Every package folder of a closure, workspace-relative. */
export function closurePackages(closure: Closure): string[] {
  return Object.entries(closure.modules).flatMap(([module, dirs]) =>
    dirs.map((dir) => (dir === WHOLE_MODULE ? `${module}/**` : module === '.' ? dir : dir === '.' ? module : `${module}/${dir}`)),
  );
}

export interface GoDependency {
  source: string;
  target: string;
  sourceFile: string;
  kind: DependencyKind;
}

export interface GoWorkspaceGraph {
  projects: GoProject[];
  dependencies: GoDependency[];
  /** Problems a person must fix (e.g. two projects with one name); the graph is still usable. */
  errors: string[];
}

interface Module {
  root: string;
  path: string;
  replaces: Array<{ from: string; toRoot: string }>;
}

interface Package {
  dir: string;
  module: Module;
  isMain: boolean;
  /** Import path → first file importing it, per kind. */
  imports: Record<DependencyKind, Map<string, string>>;
  /** Resolved imports with the first file importing each, per kind. */
  resolved: Record<DependencyKind, Array<[dir: string, file: string]>>;
}

/** Other targets a platform-excluded file could be built for: such a file's imports are platform-only edges. */
const OTHER_PLATFORMS: Array<Pick<BuildTarget, 'goos' | 'goarch' | 'cgoEnabled'>> = [
  { goos: 'windows', goarch: 'amd64', cgoEnabled: true },
  { goos: 'darwin', goarch: 'arm64', cgoEnabled: true },
  { goos: 'linux', goarch: 'arm64', cgoEnabled: true },
  { goos: 'linux', goarch: 'amd64', cgoEnabled: true },
  { goos: 'freebsd', goarch: 'amd64', cgoEnabled: true },
];

const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const joinDir = (root: string, rel: string) => (root === '.' ? rel || '.' : rel ? `${root}/${rel}` : root);

function byDepth<T extends { root: string }>(items: T[]): T[] {
  const depth = (root: string) => (root === '.' ? 0 : root.split('/').length);
  return [...items].sort((a, b) => depth(b.root) - depth(a.root) || a.root.localeCompare(b.root));
}

function normalizeDir(dir: string): string {
  const normalized = posix.normalize(dir).replace(/\/$/, '');
  return normalized === '' ? '.' : normalized;
}

/** Computes projects, their import closures and the dependencies between them for one build target. */
export function computeGoWorkspaceGraph(input: GraphInput, target: BuildTarget): GoWorkspaceGraph {
  const errors: string[] = [];

  // Modules, and where `replace` directives point.
  const modules: Module[] = [];
  for (const [root, goMod] of input.modules) {
    if (!goMod.modulePath) {
      errors.push(`${joinDir(root, 'go.mod')} has no "module" line. Add one, e.g. "module example.com/acme/${baseOf(root === '.' ? 'app' : root)}".`);
      continue;
    }
    modules.push({ root, path: goMod.modulePath, replaces: [] });
  }
  const moduleByRoot = new Map(modules.map((module) => [module.root, module]));
  const workReplaces = (input.goWork?.replaces ?? [])
    .filter((replace) => replace.toDir)
    .map((replace) => ({ from: replace.from, toRoot: normalizeDir(replace.toDir as string) }));
  for (const module of modules) {
    const goMod = input.modules.get(module.root);
    for (const replace of goMod?.replaces ?? []) {
      if (replace.toDir) module.replaces.push({ from: replace.from, toRoot: normalizeDir(posix.join(module.root, replace.toDir)) });
    }
    // go.work replaces apply to every module of the workspace and win over go.mod ones.
    module.replaces.unshift(...workReplaces);
  }
  const workUses = input.goWork ? new Set(input.goWork.uses.map(normalizeDir)) : undefined;
  const modulesDeepestFirst = byDepth(modules);
  const moduleByPath = new Map<string, Module>();
  for (const module of modulesDeepestFirst) if (!moduleByPath.has(module.path)) moduleByPath.set(module.path, module);
  const moduleOfDir = new Map<string, Module | undefined>();
  /** The module a folder belongs to: the nearest folder upwards with a go.mod. */
  const moduleFor = (dir: string): Module | undefined => {
    if (moduleOfDir.has(dir)) return moduleOfDir.get(dir);
    const module = moduleByRoot.get(dir) ?? (dir === '.' ? undefined : moduleFor(dirOf(dir)));
    moduleOfDir.set(dir, module);
    return module;
  };

  // Packages: files grouped by folder, classified for the target.
  const packages = new Map<string, Package>();
  const tags = { goos: target.goos, goarch: target.goarch, goVersion: target.goVersion, extraTags: target.extraTags };
  for (const { path, header } of input.files) {
    const dir = dirOf(path);
    const module = moduleFor(dir);
    if (!module) continue;
    let pkg = packages.get(dir);
    if (!pkg) {
      pkg = {
        dir,
        module,
        isMain: false,
        imports: { normal: new Map(), test: new Map(), platform: new Map() },
        resolved: { normal: [], test: [], platform: [] },
      };
      packages.set(dir, pkg);
    }
    const name = baseOf(path);
    const isTest = name.endsWith('_test.go');
    let kind: DependencyKind | undefined;
    if (fileIncluded(name, header, target)) {
      kind = isTest ? 'test' : 'normal';
      if (!isTest && header.packageName === 'main') pkg.isMain = true;
    } else if (!isTest && OTHER_PLATFORMS.some((other) => fileIncluded(name, header, { ...tags, ...other }))) {
      kind = 'platform';
    }
    if (!kind) continue;
    const imports = pkg.imports[kind];
    for (const spec of header.imports) if (!imports.has(spec.path)) imports.set(spec.path, path);
  }

  const resolved = new Map<Module, Map<string, string | undefined>>();
  /** The workspace folder an import path names from a module, memoized per module (most imports repeat). */
  const resolve = (from: Module, importPath: string): string | undefined => {
    let cache = resolved.get(from);
    if (!cache) resolved.set(from, (cache = new Map()));
    if (cache.has(importPath)) return cache.get(importPath);
    const dir = resolveUncached(from, importPath);
    cache.set(importPath, dir);
    return dir;
  };
  const resolveUncached = (from: Module, importPath: string): string | undefined => {
    for (const replace of from.replaces) {
      if (importPath === replace.from || importPath.startsWith(`${replace.from}/`)) {
        if (!moduleByRoot.has(replace.toRoot)) return undefined;
        return joinDir(replace.toRoot, importPath.slice(replace.from.length + 1));
      }
    }
    let prefix = importPath;
    for (;;) {
      const module = moduleByPath.get(prefix);
      if (module) {
        const dir = joinDir(module.root, importPath.slice(prefix.length + 1));
        // A folder inside a nested module is that module's, not this one's.
        return moduleFor(dir) === module ? dir : undefined;
      }
      const slash = prefix.lastIndexOf('/');
      if (slash < 0) return undefined;
      prefix = prefix.slice(0, slash);
    }
  };
  for (const pkg of packages.values()) {
    for (const kind of ['normal', 'test', 'platform'] as const) {
      for (const [importPath, file] of pkg.imports[kind]) {
        const dir = resolve(pkg.module, importPath);
        if (dir !== undefined && dir !== pkg.dir && packages.has(dir)) {
          pkg.resolved[kind].push([dir, file]);
        }
      }
    }
  }

  // Projects: one per module; a module with several main packages gets one service project per command.
  type Draft = Omit<GoProject, 'closures' | 'imports' | 'name'> & { name?: string };
  const drafts: Draft[] = [];
  const mainsByModule = new Map<Module, string[]>();
  for (const pkg of packages.values()) {
    if (!pkg.isMain) continue;
    const list = mainsByModule.get(pkg.module);
    if (list) list.push(pkg.dir);
    else mainsByModule.set(pkg.module, [pkg.dir]);
  }
  for (const module of modules) {
    const mains = (mainsByModule.get(module) ?? []).sort();
    const base = { moduleRoot: module.root, modulePath: module.path, inGoWork: workUses === undefined || workUses.has(module.root) };
    if (mains.length > 1) {
      drafts.push({ ...base, root: module.root, kind: 'library', mains: [], hasDockerfile: false });
      for (const main of mains) {
        drafts.push({ ...base, root: main, kind: 'service', mains: [main], hasDockerfile: input.dockerfileDirs.has(main) });
      }
    } else {
      drafts.push({ ...base, root: module.root, kind: mains.length === 1 ? 'service' : 'library', mains, hasDockerfile: input.dockerfileDirs.has(module.root) });
    }
  }
  const names = new Map<string, string[]>();
  for (const draft of drafts) {
    draft.name =
      input.configuredNames.get(draft.root) ??
      (draft.root === '.' ? (draft.modulePath.split('/').pop() as string) : baseOf(draft.root));
    names.set(draft.name, [...(names.get(draft.name) ?? []), draft.root]);
  }
  for (const [name, roots] of names) {
    if (roots.length > 1) {
      errors.push(
        `Several Go projects are named "${name}" (${roots.join(', ')}). Give each a unique name: add a project.json with {"name": "<unique name>"} beside its go.mod or main package.`,
      );
    }
  }
  const projectByRoot = new Map(drafts.map((draft) => [draft.root, draft]));
  const ownerOf = new Map<string, Draft>();
  for (const pkg of packages.values()) {
    // The nearest project root upwards, within the package's module (a command folder or the module).
    let dir = pkg.dir;
    while (!projectByRoot.has(dir) && dir !== pkg.module.root) dir = dirOf(dir);
    const owner = projectByRoot.get(dir);
    if (owner) ownerOf.set(pkg.dir, owner);
  }

  // Closures over package folders, on integer ids (sorted folder order) for speed on large trees.
  const dirs = [...packages.keys()].sort();
  const idOf = new Map(dirs.map((dir, id) => [dir, id]));
  const normalDeps = dirs.map((dir) => (packages.get(dir) as Package).resolved.normal.map(([dep]) => idOf.get(dep) as number));
  const moduleRoots = [...new Set(dirs.map((dir) => (packages.get(dir) as Package).module.root))];
  const moduleIdOf = new Map(moduleRoots.map((root, id) => [root, id]));
  const moduleOf = Int32Array.from(dirs, (dir) => moduleIdOf.get((packages.get(dir) as Package).module.root) as number);
  const relativeDirOf = dirs.map((dir, id) => {
    const root = moduleRoots[moduleOf[id]];
    return root === '.' ? dir : dir === root ? '.' : dir.slice(root.length + 1);
  });
  const packageCount = new Int32Array(moduleRoots.length);
  for (const module of moduleOf) packageCount[module] += 1;
  const marks = new Uint32Array(dirs.length);
  const perModule = new Int32Array(moduleRoots.length);
  let stamp = 0;
  const closure = (starts: string[]): Closure => {
    stamp += 1;
    const queue: number[] = [];
    for (const start of starts) {
      const id = idOf.get(start);
      if (id !== undefined && marks[id] !== stamp) {
        marks[id] = stamp;
        queue.push(id);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      for (const dep of normalDeps[queue[i]]) {
        if (marks[dep] !== stamp) {
          marks[dep] = stamp;
          queue.push(dep);
        }
      }
    }
    queue.sort((a, b) => a - b);
    perModule.fill(0);
    for (const id of queue) perModule[moduleOf[id]] += 1;
    const modules: Record<string, string[]> = {};
    for (const id of queue) {
      const module = moduleOf[id];
      const root = moduleRoots[module];
      if (perModule[module] === packageCount[module]) modules[root] = [WHOLE_MODULE];
      else (modules[root] ??= []).push(relativeDirOf[id]);
    }
    return { modules };
  };

  const owned = new Map<Draft, string[]>();
  for (const [dir, owner] of ownerOf) {
    const list = owned.get(owner);
    if (list) list.push(dir);
    else owned.set(owner, [dir]);
  }

  // Project dependencies: the strongest kind per pair, with a file that shows it.
  const strength: Record<DependencyKind, number> = { normal: 3, test: 2, platform: 1 };
  const edges = new Map<Draft, Map<Draft, GoDependency>>();
  for (const pkg of packages.values()) {
    const source = ownerOf.get(pkg.dir);
    if (!source) continue;
    let fromSource = edges.get(source);
    if (!fromSource) edges.set(source, (fromSource = new Map()));
    for (const kind of ['normal', 'test', 'platform'] as const) {
      for (const [dir, file] of pkg.resolved[kind]) {
        const target = ownerOf.get(dir);
        if (!target || target === source) continue;
        const existing = fromSource.get(target);
        if (!existing || strength[kind] > strength[existing.kind]) {
          fromSource.set(target, { source: source.name as string, target: target.name as string, sourceFile: file, kind });
        }
      }
    }
  }
  const dependencies = [...edges.values()].flatMap((targets) => [...targets.values()]).sort((a, b) => a.source.localeCompare(b.source) || a.target.localeCompare(b.target));
  const dependenciesBySource = new Map<string, GoDependency[]>();
  for (const dependency of dependencies) {
    const list = dependenciesBySource.get(dependency.source);
    if (list) list.push(dependency);
    else dependenciesBySource.set(dependency.source, [dependency]);
  }

  const projects: GoProject[] = drafts.map((draft) => {
    const own = owned.get(draft) ?? [];
    const imports: Record<DependencyKind, string[]> = { normal: [], test: [], platform: [] };
    for (const dependency of dependenciesBySource.get(draft.name as string) ?? []) imports[dependency.kind].push(dependency.target);
    const isService = draft.kind === 'service';
    return {
      ...draft,
      name: draft.name as string,
      closures: {
        build: isService ? closure(own) : { modules: {} },
        image: isService ? closure(draft.mains) : { modules: {} },
      },
      imports,
    };
  });
  projects.sort((a, b) => a.root.localeCompare(b.root));
  return { projects, dependencies, errors };
}
