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
  /** Modules with the same `replace` list resolve every import path alike: they share a resolution cache. */
  group: number;
}

/** Other targets a platform-excluded file could be built for: such a file's imports are platform-only edges. */
const OTHER_PLATFORMS: Array<Pick<BuildTarget, 'goos' | 'goarch' | 'cgoEnabled'>> = [
  { goos: 'windows', goarch: 'amd64', cgoEnabled: true },
  { goos: 'darwin', goarch: 'arm64', cgoEnabled: true },
  { goos: 'linux', goarch: 'arm64', cgoEnabled: true },
  { goos: 'linux', goarch: 'amd64', cgoEnabled: true },
  { goos: 'freebsd', goarch: 'amd64', cgoEnabled: true },
];

const KINDS: readonly DependencyKind[] = ['normal', 'test', 'platform'];
const KIND_NORMAL = 0;
const KIND_TEST = 1;
const KIND_PLATFORM = 2;
/** Strength of a dependency kind (by index in KINDS): a project pair keeps its strongest kind. */
const STRENGTH = [3, 2, 1];

const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const joinDir = (root: string, rel: string) => (root === '.' ? rel || '.' : rel ? `${root}/${rel}` : root);
const depthOf = (root: string) => {
  if (root === '.') return 0;
  let depth = 1;
  for (let i = root.indexOf('/'); i >= 0; i = root.indexOf('/', i + 1)) depth += 1;
  return depth;
};

/** Lowercase ASCII letters, digits, `.`, `/` and `-`: strings whose localeCompare order is their code-unit order. */
function plainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 45 && c <= 57))) return false;
  }
  return true;
}

/**
 * `localeCompare`, the order results are sorted in. Its first call in a process costs several
 * milliseconds (ICU's collator is set up); for the usual Go paths and names (see plainAscii) the plain
 * comparison gives the same order, so the collator is used only when some string needs it.
 */
function collation(strings: Iterable<string>): (a: string, b: string) => number {
  for (const text of strings) if (!plainAscii(text)) return (a, b) => a.localeCompare(b);
  return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

function normalizeDir(dir: string): string {
  const normalized = posix.normalize(dir).replace(/\/$/, '');
  return normalized === '' ? '.' : normalized;
}


/**
 * Computes projects, their import closures and the dependencies between them for one build target.
 *
 * Written for large workspaces computed once per process (cold code): packages, import paths and
 * projects are numbered, import paths are resolved once per distinct `replace` list rather than per
 * module, and closures run on typed arrays.
 */
export function computeGoWorkspaceGraph(input: GraphInput, target: BuildTarget): GoWorkspaceGraph {
  const errors: string[] = [];

  // Modules, and where `replace` directives point.
  const modules: Module[] = [];
  for (const [root, goMod] of input.modules) {
    if (!goMod.modulePath) {
      errors.push(`${joinDir(root, 'go.mod')} has no "module" line. Add one, e.g. "module example.com/acme/${baseOf(root === '.' ? 'app' : root)}".`);
      continue;
    }
    modules.push({ root, path: goMod.modulePath, replaces: [], group: 0 });
  }
  const moduleByRoot = new Map(modules.map((module) => [module.root, module]));
  const workReplaces = (input.goWork?.replaces ?? [])
    .filter((replace) => replace.toDir)
    .map((replace) => ({ from: replace.from, toRoot: normalizeDir(replace.toDir as string) }));
  const groups = new Map<string, number>();
  for (const module of modules) {
    const goMod = input.modules.get(module.root);
    // go.work replaces apply to every module of the workspace and win over go.mod ones.
    module.replaces.push(...workReplaces);
    for (const replace of goMod?.replaces ?? []) {
      if (replace.toDir) module.replaces.push({ from: replace.from, toRoot: normalizeDir(posix.join(module.root, replace.toDir)) });
    }
    const signature = module.replaces.length === 0 ? '' : JSON.stringify(module.replaces);
    let group = groups.get(signature);
    if (group === undefined) groups.set(signature, (group = groups.size));
    module.group = group;
  }
  const workUses = input.goWork ? new Set(input.goWork.uses.map(normalizeDir)) : undefined;
  const moduleByPath = new Map<string, Module>();
  const depths = new Map(modules.map((module) => [module, depthOf(module.root)]));
  const compareRoots = collation(modules.map((module) => module.root));
  const modulesDeepestFirst = [...modules].sort((a, b) => (depths.get(b) as number) - (depths.get(a) as number) || compareRoots(a.root, b.root));
  for (const module of modulesDeepestFirst) if (!moduleByPath.has(module.path)) moduleByPath.set(module.path, module);
  const moduleOfDir = new Map<string, Module | undefined>();
  /** The module a folder belongs to: the nearest folder upwards with a go.mod. */
  const moduleFor = (dir: string): Module | undefined => {
    if (moduleOfDir.has(dir)) return moduleOfDir.get(dir);
    const module = moduleByRoot.get(dir) ?? (dir === '.' ? undefined : moduleFor(dirOf(dir)));
    moduleOfDir.set(dir, module);
    return module;
  };

  // Packages: files grouped by folder (numbered in order of appearance), each file classified for the target.
  // Per-file facts live in flat arrays (a file's package and kind; its import ids in one list), so that
  // thousands of files allocate a few arrays rather than a few per file.
  const files = input.files;
  const fileCount = files.length;
  const pkgDirs: string[] = [];
  const pkgModules: Module[] = [];
  const pkgIsMain: boolean[] = [];
  const pkgOfDir = new Map<string, number>();
  /** Per file: its package (-1: outside any module) and kind (-1: not part of any build considered). */
  const filePkg = new Int32Array(fileCount);
  const fileKind = new Int32Array(fileCount);
  /** Import paths numbered in order of appearance; a file's ids are importsOf[importStart[f]..importStart[f + 1]]. */
  const importIds = new Map<string, number>();
  const importPaths: string[] = [];
  const importStart = new Int32Array(fileCount + 1);
  let specCount = 0;
  for (let index = 0; index < fileCount; index++) specCount += files[index].header.imports.length;
  const importsOf = new Int32Array(specCount);
  let importCount = 0;
  const tags = { goos: target.goos, goarch: target.goarch, goVersion: target.goVersion, extraTags: target.extraTags };
  const otherTargets: BuildTarget[] = OTHER_PLATFORMS.map((other) => ({ ...tags, ...other }));
  let lastDir = '';
  let lastPkg = -2;
  for (let index = 0; index < fileCount; index++) {
    importStart[index] = importCount;
    fileKind[index] = -1;
    const { path, header } = files[index];
    const slash = path.lastIndexOf('/');
    let pkg: number;
    // Files come sorted, mostly: a file in the previous file's folder needs no lookup.
    if (lastPkg !== -2 && (slash < 0 ? lastDir === '.' : slash === lastDir.length && path.startsWith(lastDir))) {
      pkg = lastPkg;
    } else {
      const dir = slash < 0 ? '.' : path.slice(0, slash);
      const known = pkgOfDir.get(dir);
      if (known !== undefined) {
        pkg = known;
      } else {
        const module = moduleFor(dir);
        if (!module) {
          pkg = -1;
        } else {
          pkg = pkgDirs.length;
          pkgOfDir.set(dir, pkg);
          pkgDirs.push(dir);
          pkgModules.push(module);
          pkgIsMain.push(false);
        }
      }
      lastDir = dir;
      lastPkg = pkg;
    }
    filePkg[index] = pkg;
    if (pkg < 0) continue;
    const name = slash < 0 ? path : path.slice(slash + 1);
    const isTest = name.endsWith('_test.go');
    let kind: number;
    if (fileIncluded(name, header, target)) {
      kind = isTest ? KIND_TEST : KIND_NORMAL;
      if (!isTest && header.packageName === 'main') pkgIsMain[pkg] = true;
    } else if (!isTest && otherTargets.some((other) => fileIncluded(name, header, other))) {
      kind = KIND_PLATFORM;
    } else {
      continue;
    }
    fileKind[index] = kind;
    const specs = header.imports;
    for (let i = 0; i < specs.length; i++) {
      const importPath = specs[i].path;
      let id = importIds.get(importPath);
      if (id === undefined) {
        id = importPaths.length;
        importIds.set(importPath, id);
        importPaths.push(importPath);
      }
      importsOf[importCount++] = id;
    }
  }
  importStart[fileCount] = importCount;
  const packageCount = pkgDirs.length;
  // Each package's counted files, in input order: filesOf[fileStart[p]..fileStart[p + 1]].
  const fileStart = new Int32Array(packageCount + 1);
  for (let index = 0; index < fileCount; index++) if (fileKind[index] >= 0) fileStart[filePkg[index] + 1] += 1;
  for (let pkg = 0; pkg < packageCount; pkg++) fileStart[pkg + 1] += fileStart[pkg];
  const filesOf = new Int32Array(fileStart[packageCount]);
  const filled = fileStart.slice(0, packageCount);
  for (let index = 0; index < fileCount; index++) if (fileKind[index] >= 0) filesOf[filled[filePkg[index]]++] = index;

  /** The workspace folder an import path names from a module (go.work and go.mod replaces, then module paths). */
  const resolveDir = (from: Module, importPath: string): string | undefined => {
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
  /** Package an import resolves to, per replace group and import id: -2 not yet known, -1 none. */
  const resolution: Int32Array[] = [];
  const resolvePackage = (from: Module, id: number): number => {
    let cache = resolution[from.group];
    if (!cache) resolution[from.group] = cache = new Int32Array(importPaths.length).fill(-2);
    let pkg = cache[id];
    if (pkg === -2) {
      const dir = resolveDir(from, importPaths[id]);
      pkg = dir === undefined ? -1 : (pkgOfDir.get(dir) ?? -1);
      cache[id] = pkg;
    }
    return pkg;
  };

  // Each package's imports of workspace packages, per kind, with the first file importing each:
  // depPkg/depFile[depStart[3p + kind]..depStart[3p + kind + 1]].
  const depStart = new Int32Array(3 * packageCount + 1);
  // At most one per import of a counted file.
  const depPkg = new Int32Array(importCount);
  const depFile = new Int32Array(importCount);
  let depCount = 0;
  const seen = new Int32Array(importPaths.length);
  let stamp = 0;
  for (let pkg = 0; pkg < packageCount; pkg++) {
    const module = pkgModules[pkg];
    const first = fileStart[pkg];
    const last = fileStart[pkg + 1];
    for (let kind = 0; kind < 3; kind++) {
      depStart[3 * pkg + kind] = depCount;
      stamp += 1;
      for (let f = first; f < last; f++) {
        const index = filesOf[f];
        if (fileKind[index] !== kind) continue;
        const end = importStart[index + 1];
        for (let i = importStart[index]; i < end; i++) {
          const id = importsOf[i];
          if (seen[id] === stamp) continue;
          seen[id] = stamp;
          const dep = resolvePackage(module, id);
          if (dep >= 0 && dep !== pkg) {
            depPkg[depCount] = dep;
            depFile[depCount++] = index;
          }
        }
      }
    }
  }
  depStart[3 * packageCount] = depCount;

  // Projects: one per module; a module with several main packages gets one service project per command.
  type Draft = Omit<GoProject, 'closures' | 'imports' | 'name'> & { name?: string };
  const drafts: Draft[] = [];
  const mainsByModule = new Map<Module, string[]>();
  for (let pkg = 0; pkg < packageCount; pkg++) {
    if (!pkgIsMain[pkg]) continue;
    const list = mainsByModule.get(pkgModules[pkg]);
    if (list) list.push(pkgDirs[pkg]);
    else mainsByModule.set(pkgModules[pkg], [pkgDirs[pkg]]);
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
  /** The project owning each package: the nearest project root upwards, within the package's module. */
  const ownerOf: Array<Draft | undefined> = new Array(packageCount);
  const owned = new Map<Draft, string[]>();
  for (let pkg = 0; pkg < packageCount; pkg++) {
    const root = pkgModules[pkg].root;
    let dir = pkgDirs[pkg];
    while (!projectByRoot.has(dir) && dir !== root) dir = dirOf(dir);
    const owner = projectByRoot.get(dir);
    ownerOf[pkg] = owner;
    if (!owner) continue;
    const list = owned.get(owner);
    if (list) list.push(pkgDirs[pkg]);
    else owned.set(owner, [pkgDirs[pkg]]);
  }

  // Closures over packages, reported in folder order: `rank` is a package's place in sorted folder order.
  // Sorting the folder strings themselves needs no comparison function (code-unit order).
  const sortedDirs = pkgDirs.slice().sort();
  const sorted = new Int32Array(packageCount);
  for (let r = 0; r < packageCount; r++) sorted[r] = pkgOfDir.get(sortedDirs[r]) as number;
  const rank = new Int32Array(packageCount);
  for (let r = 0; r < packageCount; r++) rank[sorted[r]] = r;
  const moduleRoots: string[] = [];
  const moduleIdOf = new Map<Module, number>();
  const moduleOf = new Int32Array(packageCount);
  for (let r = 0; r < packageCount; r++) {
    const module = pkgModules[sorted[r]];
    let id = moduleIdOf.get(module);
    if (id === undefined) {
      id = moduleRoots.length;
      moduleIdOf.set(module, id);
      moduleRoots.push(module.root);
    }
    moduleOf[sorted[r]] = id;
  }
  const relativeDirOf = pkgDirs.map((dir, pkg) => {
    const root = moduleRoots[moduleOf[pkg]];
    return root === '.' ? dir : dir === root ? '.' : dir.slice(root.length + 1);
  });
  const packagesInModule = new Int32Array(moduleRoots.length);
  for (let pkg = 0; pkg < packageCount; pkg++) packagesInModule[moduleOf[pkg]] += 1;
  const marks = new Uint32Array(packageCount);
  const queue = new Int32Array(packageCount);
  const reached = new Int32Array(moduleRoots.length);
  const firstRank = new Int32Array(moduleRoots.length);
  // Scratch space of closure(), reused from call to call.
  const touched = new Int32Array(moduleRoots.length);
  const order = new Int32Array(moduleRoots.length);
  const ranks = new Int32Array(packageCount);
  const dirsOf: Array<string[] | undefined> = new Array(moduleRoots.length);
  let visit = 0;
  const closure = (starts: string[]): Closure => {
    visit += 1;
    let length = 0;
    for (const start of starts) {
      const pkg = pkgOfDir.get(start);
      if (pkg !== undefined && marks[pkg] !== visit) {
        marks[pkg] = visit;
        queue[length++] = pkg;
      }
    }
    for (let i = 0; i < length; i++) {
      const pkg = queue[i];
      const end = depStart[3 * pkg + KIND_NORMAL + 1];
      for (let d = depStart[3 * pkg + KIND_NORMAL]; d < end; d++) {
        const dep = depPkg[d];
        if (marks[dep] !== visit) {
          marks[dep] = visit;
          queue[length++] = dep;
        }
      }
    }
    // Modules in the order of their first package reached; a module reached whole is `**`.
    let touchedCount = 0;
    for (let i = 0; i < length; i++) {
      const pkg = queue[i];
      const module = moduleOf[pkg];
      if (reached[module] === 0) {
        touched[touchedCount++] = module;
        firstRank[module] = rank[pkg];
      } else if (rank[pkg] < firstRank[module]) {
        firstRank[module] = rank[pkg];
      }
      reached[module] += 1;
    }
    for (let t = 0; t < touchedCount; t++) order[t] = firstRank[touched[t]];
    order.subarray(0, touchedCount).sort();
    // Folders of the modules reached in part, in folder order.
    let partial = 0;
    for (let i = 0; i < length; i++) {
      const module = moduleOf[queue[i]];
      if (reached[module] !== packagesInModule[module]) ranks[partial++] = rank[queue[i]];
    }
    ranks.subarray(0, partial).sort();
    for (let i = 0; i < partial; i++) {
      const pkg = sorted[ranks[i]];
      const module = moduleOf[pkg];
      const list = dirsOf[module];
      if (list) list.push(relativeDirOf[pkg]);
      else dirsOf[module] = [relativeDirOf[pkg]];
    }
    const out: Record<string, string[]> = {};
    for (let t = 0; t < touchedCount; t++) {
      const module = moduleOf[sorted[order[t]]];
      out[moduleRoots[module]] = dirsOf[module] ?? [WHOLE_MODULE];
      dirsOf[module] = undefined;
      reached[module] = 0;
    }
    return { modules: out };
  };

  // Project dependencies: the strongest kind per pair, with a file that shows it.
  const edges = new Map<Draft, Map<Draft, GoDependency>>();
  for (let pkg = 0; pkg < packageCount; pkg++) {
    const source = ownerOf[pkg];
    if (!source) continue;
    let fromSource = edges.get(source);
    if (!fromSource) edges.set(source, (fromSource = new Map()));
    for (let kind = 0; kind < 3; kind++) {
      const end = depStart[3 * pkg + kind + 1];
      for (let d = depStart[3 * pkg + kind]; d < end; d++) {
        const target = ownerOf[depPkg[d]];
        if (!target || target === source) continue;
        const existing = fromSource.get(target);
        if (!existing || STRENGTH[kind] > STRENGTH[KINDS.indexOf(existing.kind)]) {
          fromSource.set(target, { source: source.name as string, target: target.name as string, sourceFile: files[depFile[d]].path, kind: KINDS[kind] });
        }
      }
    }
  }
  const dependencies: GoDependency[] = [];
  for (const targets of edges.values()) for (const dependency of targets.values()) dependencies.push(dependency);
  const compareNames = collation(drafts.map((draft) => draft.name as string));
  dependencies.sort((a, b) => compareNames(a.source, b.source) || compareNames(a.target, b.target));
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
  const compareProjectRoots = collation(projects.map((project) => project.root));
  projects.sort((a, b) => compareProjectRoots(a.root, b.root));
  return { projects, dependencies, errors };
}
