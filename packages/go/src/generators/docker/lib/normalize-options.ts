import { getProjects, joinPathFragments, type Tree } from '@nx/devkit';
import { posix } from 'node:path';
import { fileIncluded } from '../../../graph/source';
import { WHOLE_MODULE, type GoProject } from '../../../graph/workspace-graph';
import { DEFAULT_PORT, RUNTIME_IMAGES, builderImageFor, type BaseImageKind } from '../../../utils/constants';
import { detectGoVersion, toLanguageVersion } from '../../../utils/go-version';
import { readGoWorkspace, type TreeGoWorkspace } from '../../shared/go-projects';
import { failIf, validateGoVersion, validatePort } from '../../shared/validate';

import type { DockerGeneratorSchema } from '../schema';
import { contextExceptions, embeddedFiles, type NeededPath } from './context-exceptions';
import { detectHealthcheckCommand, detectPort, findNonStringVersionVar, type PortCandidate, type SourceFile } from './detect';
import { tokenizeGo } from './go-tokens';
import { renderServiceDockerfile, renderServiceDockerignore, type HealthcheckMode } from './render';

export const DEFAULT_HEALTH_PATH = '/healthz';
const HEALTHCHECK_MODES: HealthcheckMode[] = ['self', 'http', 'none'];

export interface NormalizedDockerOptions {
  /** The service project that builds the image. */
  projectName: string;
  /** Its folder, where the Dockerfile goes. */
  projectRoot: string;
  /** The module folder: the build context, where the .dockerignore goes. */
  moduleRoot: string;
  modulePath: string;
  /** The main package folder (workspace-relative). */
  mainDir: string;
  /** The main package relative to the build context: `.` or `./cmd/api`. */
  packagePath: string;
  binary: string;
  goVersion: string;
  port: number;
  baseImage: BaseImageKind;
  healthcheck: HealthcheckMode;
  healthPath: string;
  overwrite: boolean;
  /** Files to write: path → content. An existing file with the same content is left alone. */
  files: Array<{ path: string; content: string }>;
  /** What was detected and decided, for the report. */
  facts: string[];
  /** Things the user should know or fix. */
  warnings: string[];
}

const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
};
const baseOf = (path: string) => path.slice(path.lastIndexOf('/') + 1);
/** `path` relative to `root` (both workspace-relative, `.` for the workspace root); `.` for the same folder. */
const relativeTo = (root: string, path: string) => posix.relative(root === '.' ? '' : root, path === '.' ? '' : path) || '.';
const inside = (root: string, path: string) => root === '.' || path === root || path.startsWith(`${root}/`);

function describeProjects(projects: GoProject[]): string {
  const list = [...projects].sort((a, b) => a.name.localeCompare(b.name)).map((project) => `${project.name} (${project.root}, ${project.kind})`);
  return list.length > 0 ? list.join(', ') : 'none';
}

/** The binary `go build` would make for a module-root main package: the module path's last element, skipping a /vN suffix. */
export function binaryFromModulePath(modulePath: string): string {
  const elements = modulePath.split('/');
  let last = elements[elements.length - 1];
  if (/^v\d+$/.test(last) && elements.length > 1) last = elements[elements.length - 2];
  return last;
}

const BINARY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Names the image root already uses: the binary cannot be copied to /<name>. */
const RESERVED_BINARY_NAMES = new Set(['etc', 'tmp', 'bin', 'usr', 'var', 'dev', 'proc', 'sys', 'home', 'root', 'lib', 'out']);

export function validateHealthPath(path: string): string | undefined {
  if (!/^\/[A-Za-z0-9\-._~!&()*+,;=:@%/?]*$/.test(path)) {
    return `Invalid healthPath "${path}": use an absolute URL path of letters, digits and -._~!&()*+,;=:@%/?, e.g. "/healthz".`;
  }
  return undefined;
}

/** The `toolchain go1.N.M` line of a go.mod, as major.minor. */
function toolchainVersion(goModText: string): string | undefined {
  const match = /^\s*toolchain\s+(go\S+)/m.exec(goModText);
  return match ? toLanguageVersion(match[1]) : undefined;
}

const minorOf = (version: string) => Number(version.split('.')[1]);

/** Finds the project, its main package and the service project that builds it. */
function resolveTarget(workspace: TreeGoWorkspace, tree: Tree, schema: DockerGeneratorSchema): { project: GoProject; asked: GoProject } {
  const projects = workspace.graph.projects;
  const name = String(schema.project ?? '').trim();
  if (!name) {
    throw new Error(`Missing --project: name the Go service to containerize, e.g. --project=orders. Go projects here: ${describeProjects(projects)}.`);
  }
  const asked = projects.find((project) => project.name === name);
  if (!asked) {
    const other = getProjects(tree).get(name);
    if (other) {
      throw new Error(
        `Project "${name}" (${other.root}) is not a Go project: there is no go.mod in or above its folder. ` +
          `Containerize a Go project instead: ${describeProjects(projects)}.`,
      );
    }
    throw new Error(
      `Cannot find a Go project named "${name}". Go projects in this workspace: ${describeProjects(projects)}. ` +
        'Pass one of them to --project (the name comes from a project.json beside the go.mod or main package, else the folder name).',
    );
  }

  const services = projects.filter((project) => project.kind === 'service' && project.moduleRoot === asked.moduleRoot);
  const mainOf = (project: GoProject) => relativeTo(project.moduleRoot, project.mains[0]);
  const command = schema.command?.trim().replace(/^\.\//, '').replace(/\/+$/, '');

  if (asked.kind === 'service') {
    if (command !== undefined && command !== '' && !matchesCommand(asked, command)) {
      const owner = services.find((project) => matchesCommand(project, command)) ?? services[0] ?? asked;
      throw new Error(
        `--command ${JSON.stringify(schema.command)} is not the main package of project "${asked.name}", which builds "${mainOf(asked)}". ` +
          `Drop --command, or pick the project of that command (e.g. --project=${owner.name}): ${describeProjects(services)}.`,
      );
    }
    return { project: asked, asked };
  }
  if (services.length === 0) {
    throw new Error(
      `Project "${asked.name}" (${asked.root}) has no main package, so there is no program to put in a container. ` +
        'Containerize a service instead, or add `package main` in main.go at the module root or in cmd/<name>/. ' +
        `Go services here: ${describeProjects(projects.filter((project) => project.kind === 'service'))}.`,
    );
  }
  const choices = services.map(mainOf).join(', ');
  if (!command) {
    throw new Error(
      `Project "${asked.name}" (${asked.root}) has several main packages: ${choices}. Pass --command to choose one, ` +
        `e.g. --command=${mainOf(services[0])}; the Dockerfile then goes to that command's project (${services[0].name}, ${services[0].root}).`,
    );
  }
  const chosen = services.find((service) => matchesCommand(service, command));
  if (!chosen) {
    throw new Error(`--command "${schema.command}" is not a main package of project "${asked.name}". Choose one of: ${choices}.`);
  }
  return { project: chosen, asked };
}

/** `cmd/api`, `api`, `.` (the module root) or the workspace-relative folder name a main package. */
function matchesCommand(project: GoProject, command: string): boolean {
  const main = project.mains[0];
  const relative = relativeTo(project.moduleRoot, main);
  return command === relative || command === main || (command === baseOf(main) && relative !== '.') || (command === '.' && relative === '.');
}

/** Folders (workspace-relative) of the packages in a service's image closure. */
function closureDirs(workspace: TreeGoWorkspace, project: GoProject): string[] {
  const dirs: string[] = [];
  const allDirs = [...workspace.filesByDir.keys()];
  const moduleOfDir = (dir: string): string | undefined => {
    for (let current = dir; ; current = dirOf(current)) {
      if (workspace.modules.has(current)) return current;
      if (current === '.') return undefined;
    }
  };
  for (const [module, packages] of Object.entries(project.closures.image.modules)) {
    if (packages.includes(WHOLE_MODULE)) {
      dirs.push(...allDirs.filter((dir) => inside(module, dir) && moduleOfDir(dir) === module));
    } else {
      dirs.push(...packages.map((dir) => (dir === '.' ? module : module === '.' ? dir : `${module}/${dir}`)));
    }
  }
  // The main package first, then the rest of its module, then other modules.
  const main = project.mains[0];
  const rank = (dir: string) => (dir === main ? 0 : inside(project.moduleRoot, dir) && moduleOfDir(dir) === project.moduleRoot ? 1 : 2);
  return [...new Set(dirs)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * The non-test files of a package that are built for the target, tokenized; plus, flagged `cgo`, the
 * files that would be built for it with cgo on (the static image build leaves them out).
 */
function packageSources(tree: Tree, workspace: TreeGoWorkspace, dir: string): Array<SourceFile & { cgo: boolean }> {
  const withCgo = { ...workspace.target, cgoEnabled: true };
  const out: Array<SourceFile & { cgo: boolean }> = [];
  for (const { path, header } of workspace.filesByDir.get(dir) ?? []) {
    if (path.endsWith('_test.go')) continue;
    const built = fileIncluded(baseOf(path), header, workspace.target);
    const cgo = !built && header.importsC && fileIncluded(baseOf(path), header, withCgo);
    if (built || cgo) out.push({ path, cgo, ...tokenizeGo(tree.read(path, 'utf-8') ?? '') });
  }
  return out;
}

/** Every default of the docker generator is decided here, and every input is checked before the tree is touched. */
export function normalizeOptions(tree: Tree, schema: DockerGeneratorSchema): NormalizedDockerOptions {
  const facts: string[] = [];
  const warnings: string[] = [];

  // Options that need no scan.
  if (schema.port !== undefined) failIf(validatePort(schema.port));
  const baseImage = schema.baseImage ?? 'scratch';
  if (!Object.hasOwn(RUNTIME_IMAGES, baseImage)) {
    throw new Error(`Invalid baseImage "${baseImage}": use one of ${Object.keys(RUNTIME_IMAGES).join(', ')}, e.g. "scratch".`);
  }
  if (schema.healthcheck !== undefined && !HEALTHCHECK_MODES.includes(schema.healthcheck)) {
    throw new Error(`Invalid healthcheck "${schema.healthcheck}": use self, http or none.`);
  }
  const healthPath = schema.healthPath?.trim() || DEFAULT_HEALTH_PATH;
  failIf(validateHealthPath(healthPath));
  if (schema.healthcheck === 'http' && baseImage !== 'alpine') {
    throw new Error(
      `--healthcheck=http runs wget inside the container, and the ${baseImage} base has no shell or wget. ` +
        'Use --baseImage=alpine with it, or --healthcheck=self if the binary has a `healthcheck` subcommand, or --healthcheck=none.',
    );
  }

  // The project, its main package and its module.
  const workspace = readGoWorkspace(tree);
  const { project, asked } = resolveTarget(workspace, tree, schema);
  const moduleRoot = project.moduleRoot;
  const mainDir = project.mains[0];
  const mainRelative = relativeTo(moduleRoot, mainDir);
  const packagePath = mainRelative === '.' ? '.' : `./${mainRelative}`;
  if (project !== asked) facts.push(`command:     ${mainRelative} of ${asked.name}, built by its project ${project.name} (${project.root})`);

  let binary = mainRelative === '.' ? binaryFromModulePath(project.modulePath) : baseOf(mainDir);
  if (!BINARY_NAME.test(binary) || RESERVED_BINARY_NAMES.has(binary)) binary = BINARY_NAME.test(project.name) && !RESERVED_BINARY_NAMES.has(project.name) ? project.name : 'app';

  // Go version: the go line, or the toolchain line when it asks for a newer release.
  const goModPath = joinPathFragments(moduleRoot, 'go.mod');
  const goModText = tree.read(goModPath, 'utf-8') ?? '';
  const goLine = toLanguageVersion(workspace.modules.get(moduleRoot)?.goVersion ?? '');
  const toolchain = toolchainVersion(goModText);
  let goVersion: string;
  if (goLine && toolchain && minorOf(toolchain) > minorOf(goLine)) {
    goVersion = toolchain;
    facts.push(`Go:          ${goLine} (go line), toolchain ${toolchain} in ${goModPath} → builder ${builderImageFor(goVersion)}`);
  } else if (goLine) {
    goVersion = goLine;
    facts.push(`Go:          ${goLine} from ${goModPath} → builder ${builderImageFor(goVersion)}`);
  } else {
    goVersion = detectGoVersion();
    warnings.push(`${goModPath} has no "go" line; the builder image follows the installed Go (${builderImageFor(goVersion)}). Add e.g. "go ${goVersion}" to pin it.`);
  }
  failIf(validateGoVersion(goVersion));

  // Sources: the main package, then what it imports.
  const dirs = closureDirs(workspace, project);
  const sources = dirs.map((dir) => ({ dir, files: packageSources(tree, workspace, dir) }));
  const mainFiles = (sources[0]?.dir === mainDir ? sources[0].files : packageSources(tree, workspace, mainDir)).filter((file) => !file.cgo);
  const allFiles = sources.flatMap((source) => source.files).filter((file) => !file.cgo);
  const cgoFiles = sources.flatMap((source) => source.files).filter((file) => file.cgo).map((file) => file.path);

  // Port.
  const detected = detectPort(allFiles);
  const port = schema.port ?? detected.port ?? DEFAULT_PORT;
  const describe = (candidate: PortCandidate) => `${candidate.port} (${candidate.rule} rule, ${candidate.where})`;
  if (schema.port !== undefined) {
    facts.push(`port:        ${port} (--port)${detected.chosen ? `; the source suggests ${describe(detected.chosen)}` : ''}`);
  } else if (detected.chosen) {
    facts.push(`port:        ${describe(detected.chosen)}`);
  } else {
    facts.push(`port:        ${DEFAULT_PORT} (nothing found in the source; pass --port if the service listens elsewhere)`);
  }
  const others = detected.candidates.filter((candidate) => candidate.port !== port);
  if (others.length > 0) {
    facts.push(`             also found ${others.map(describe).join(', ')}; the image exposes ${port} only (publish others with docker run -p)`);
  }

  // Healthcheck.
  const health = detectHealthcheckCommand(mainFiles);
  const healthcheck: HealthcheckMode = schema.healthcheck ?? (health.found ? 'self' : 'none');
  if (health.found) facts.push(`healthcheck: ${healthcheck}${schema.healthcheck ? ' (--healthcheck)' : ''}; \`${binary} healthcheck\` subcommand found at ${health.where}`);
  else if (healthcheck === 'self') {
    warnings.push(
      `--healthcheck=self: no "healthcheck" subcommand was found in ${mainDir}; the HEALTHCHECK runs \`/${binary} healthcheck\` and marks the container unhealthy unless the binary handles it.`,
    );
  } else if (healthcheck === 'http') facts.push(`healthcheck: http, wget http://127.0.0.1:${port}${healthPath}`);
  else {
    facts.push(
      `healthcheck: none. No \`healthcheck\` subcommand found in ${mainDir} (os.Args/args compared with "healthcheck"). ` +
        'Add one and use --healthcheck=self, or probe HTTP with --baseImage=alpine --healthcheck=http (it needs the shell and wget of alpine).',
    );
  }

  // -X main.version needs a string variable (or none at all).
  const versionVar = findNonStringVersionVar(mainFiles);
  if (versionVar) warnings.push(`main.version at ${versionVar} is not a string, so the image build does not set it with -X main.version.`);

  // Other workspace modules: docker-build adds those the image imports to the context; nothing else can.
  const localModules = Object.keys(project.closures.image.modules).filter((module) => module !== moduleRoot);
  if (localModules.length > 0) {
    facts.push(
      `modules:     imports workspace modules ${localModules.join(', ')}; nx run ${project.name}:docker-build adds them to the context ` +
        `(under _local/, with a go.work). A plain docker build of ${moduleRoot} cannot see them.`,
    );
  }
  for (const replace of workspace.modules.get(moduleRoot)?.replaces ?? []) {
    if (!replace.toDir) continue;
    const target = posix.normalize(posix.join(moduleRoot === '.' ? '' : moduleRoot, replace.toDir)).replace(/\/$/, '') || '.';
    if (!posix.isAbsolute(replace.toDir) && !target.startsWith('..') && inside(moduleRoot, target)) continue;
    if (localModules.includes(target)) continue;
    warnings.push(
      `${goModPath} replaces ${replace.from} with ${replace.toDir}, outside the build context (${moduleRoot}), and the service imports no package of it; ` +
        'if go.mod still requires that module, the image build cannot resolve it. Remove the requirement, or require a published version.',
    );
  }
  if (cgoFiles.length > 0) {
    warnings.push(`The image is built with CGO_ENABLED=0, which leaves out ${cgoFiles.join(', ')} (import "C"). If the program needs cgo, the build fails or lacks them.`);
  }

  // The .dockerignore of the module: shared by every command of it, so computed over all of them.
  const moduleProjects = workspace.graph.projects.filter((candidate) => candidate.moduleRoot === moduleRoot);
  const moduleName = moduleProjects.find((candidate) => candidate.root === moduleRoot)?.name ?? project.name;
  const needed: NeededPath[] = [{ path: 'go.mod', exception: 'go.mod' }];
  if (tree.exists(joinPathFragments(moduleRoot, 'go.sum'))) needed.push({ path: 'go.sum', exception: 'go.sum' });
  for (const service of moduleProjects.filter((candidate) => candidate.kind === 'service')) {
    for (const dir of closureDirs(workspace, service)) {
      if (!inside(moduleRoot, dir) || !workspace.filesByDir.has(dir)) continue;
      const files = service === project ? sources.find((source) => source.dir === dir)?.files ?? packageSources(tree, workspace, dir) : packageSources(tree, workspace, dir);
      for (const file of files) {
        if (file.cgo) continue;
        const path = relativeTo(moduleRoot, file.path);
        needed.push({ path, exception: dir === moduleRoot ? path : relativeTo(moduleRoot, dir) });
        for (const embed of file.embeds) {
          for (const pattern of embed.patterns) {
            for (const match of embeddedFiles(tree, dir, pattern)) {
              needed.push({ path: relativeTo(moduleRoot, match.file), exception: relativeTo(moduleRoot, match.entry) });
            }
          }
        }
      }
    }
  }
  const ignoreVariables = { name: moduleName, goVersion, port, baseImage };
  const { exceptions, stillExcluded } = contextExceptions(renderServiceDockerignore(ignoreVariables, []), needed);
  const dockerignore = renderServiceDockerignore(ignoreVariables, exceptions);
  if (exceptions.length > 0) facts.push(`context:     kept ${exceptions.join(', ')} in the build context (the standard .dockerignore leaves them out)`);
  if (stillExcluded.length > 0) warnings.push(`The .dockerignore still leaves out ${stillExcluded.join(', ')}, which the build needs. Edit it by hand.`);

  const dockerfile = renderServiceDockerfile({
    projectName: project.name,
    binary,
    goVersion,
    port,
    baseImage,
    packagePath,
    dockerfileDir: relativeTo(moduleRoot, project.root),
    healthcheck,
    healthPath,
    setVersion: versionVar === undefined,
  });

  const files = [
    { path: joinPathFragments(project.root, 'Dockerfile'), content: dockerfile },
    { path: joinPathFragments(moduleRoot, '.dockerignore'), content: dockerignore },
  ];
  const overwrite = schema.overwrite ?? false;
  for (const file of files) {
    if (!overwrite && tree.exists(file.path) && tree.read(file.path, 'utf-8') !== file.content) {
      throw new Error(`${file.path} already exists; the generator never overwrites files. Pass --overwrite to replace it, or move it aside and run again.`);
    }
  }

  return {
    projectName: project.name,
    projectRoot: project.root,
    moduleRoot,
    modulePath: project.modulePath,
    mainDir,
    packagePath,
    binary,
    goVersion,
    port,
    baseImage,
    healthcheck,
    healthPath,
    overwrite,
    files,
    facts,
    warnings,
  };
}
