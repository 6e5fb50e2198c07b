import type { TargetConfiguration } from '@nx/devkit';

type InputDefinition = Exclude<NonNullable<TargetConfiguration['inputs']>[number], string>;
import { posix } from 'node:path';
import { WHOLE_MODULE, type Closure, type GoProject } from '../graph/workspace-graph';
import { SCAN_KEY_COMMAND } from '../executors/docker-scan/scan-key-command';
import { PLUGIN_NAME } from '../utils/constants';
import type { ResolvedGoPluginOptions } from '../utils/plugin-options';

const TECHNOLOGIES = ['go'];
const DOCKER_TECHNOLOGIES = ['go', 'docker'];
const goToolchain = { runtime: 'go env GOVERSION' };
const workspaceFiles = ['{workspaceRoot}/go.work', '{workspaceRoot}/go.work.sum'];

/**
 * Inputs that name exactly the Go packages a service target is built from (its closure within the
 * workspace), not whole projects: editing a library package the service does not import leaves the
 * hash alone. One brace pattern per module keeps the list short: `{workspaceRoot}/libs/money/{*.go,fx/*.go}`.
 */
export function closureInputs(closure: Closure): string[] {
  const inputs: string[] = [];
  for (const [module, dirs] of Object.entries(closure.modules)) {
    const base = module === '.' ? '{workspaceRoot}/' : `{workspaceRoot}/${module}/`;
    const patterns = dirs.map((dir) => (dir === WHOLE_MODULE ? '**/*.go' : dir === '.' ? '*.go' : `${dir}/*.go`));
    inputs.push(patterns.length === 1 ? `${base}${patterns[0]}` : `${base}{${patterns.join(',')}}`, `${base}go.{mod,sum}`, `!${base}**/*_test.go`);
  }
  return [...inputs, ...workspaceFiles];
}

/** `{workspaceRoot}/<dir>/<file>`, for a workspace-relative folder (`.` for the root). */
function workspaceFile(dir: string, file: string): string {
  return dir === '.' ? `{workspaceRoot}/${file}` : `{workspaceRoot}/${dir}/${file}`;
}

/** Named inputs every Go project defines; `^goSources` brings in the sources of the projects it imports. */
export function goNamedInputs(project: GoProject): Record<string, (string | InputDefinition)[]> {
  const moduleFiles = project.root === project.moduleRoot ? ['{projectRoot}/go.{mod,sum}'] : [workspaceFile(project.moduleRoot, 'go.{mod,sum}')];
  const named: Record<string, (string | InputDefinition)[]> = {
    goSources: ['{projectRoot}/**/*.go', '!{projectRoot}/**/*_test.go', ...moduleFiles, ...workspaceFiles],
    // Dependencies' sources (`^goSources`) are added on the targets: a named input may not reach into other projects.
    goTests: ['{projectRoot}/**/*.go', '{projectRoot}/**/testdata/**', ...moduleFiles, ...workspaceFiles],
  };
  if (project.kind === 'service') {
    named['goBuild'] = closureInputs(project.closures.build);
    named['goImage'] = closureInputs(project.closures.image);
  }
  return named;
}

/** The inferred targets of one Go project. Pure: the same project and options give the same targets. */
export function createTargets(project: GoProject, options: ResolvedGoPluginOptions): Record<string, TargetConfiguration> {
  // A module a go.work does not list builds on its own; the go command refuses it in workspace mode.
  const goEnv: Record<string, string> = project.inGoWork ? {} : { GOWORK: 'off' };
  const goOptions = Object.keys(goEnv).length > 0 ? { cwd: project.root, env: goEnv } : { cwd: project.root };
  // The build's inputs come from the graph for the plugin's target platform, so the build must match it.
  const buildEnv: Record<string, string> = { ...goEnv, CGO_ENABLED: options.cgoEnabled ? '1' : '0' };
  if (options.goos) buildEnv['GOOS'] = options.goos;
  if (options.goarch) buildEnv['GOARCH'] = options.goarch;
  const isService = project.kind === 'service';
  const isModule = project.root === project.moduleRoot;
  const binDir = posix.relative(project.root, posix.join('dist', project.root, 'bin')) || '.';
  const targets: Record<string, TargetConfiguration> = {
    [options.buildTargetName]: {
      command: isService ? `go build -trimpath -o ${binDir}/ ${isModule ? './...' : '.'}` : 'go build ./...',
      options: isService ? { cwd: project.root, env: buildEnv } : goOptions,
      cache: true,
      inputs: isService ? ['goBuild', goToolchain] : ['goSources', '^goSources', goToolchain],
      outputs: isService ? ['{workspaceRoot}/dist/{projectRoot}/bin'] : [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: isService ? `Compile the service and write its binary to dist/${project.root}/bin` : 'Compile every package of the module',
        help: { command: 'go help build', example: {} },
      },
    },
    [options.testTargetName]: {
      command: 'go test ./...',
      options: goOptions,
      cache: true,
      inputs: ['goTests', '^goSources', goToolchain],
      outputs: [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: "Run the Go tests of the project's packages",
        help: { command: 'go help test', example: {} },
      },
    },
    [options.lintTargetName]: {
      command: 'go vet ./...',
      options: goOptions,
      cache: true,
      inputs: ['goTests', '^goSources', goToolchain],
      outputs: [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: 'Report suspicious constructs with go vet',
        help: { command: 'go help vet', example: {} },
      },
    },
  };
  if (isModule) {
    targets[options.tidyTargetName] = {
      command: 'go mod tidy',
      options: goOptions,
      cache: false,
      metadata: {
        technologies: TECHNOLOGIES,
        description: 'Add missing and remove unused module requirements in go.mod and go.sum',
        help: { command: 'go help mod tidy', example: {} },
      },
    };
  }
  if (isService && project.hasDockerfile) {
    const context = posix.relative(project.root, project.moduleRoot) || '.';
    const prebuilt = options.dockerBuildMode === 'prebuilt';
    targets[options.dockerBuildTargetName] = {
      executor: `${PLUGIN_NAME}:docker-build`,
      options: { ...(context === '.' ? {} : { context }), ...(prebuilt ? { mode: 'prebuilt' } : {}) },
      cache: true,
      // The context's .dockerignore applies: the module root's, for a command of a single-module repository.
      // prebuilt sends no context but compiles on the host: the host's Go release counts instead.
      inputs: prebuilt
        ? ['goImage', '{projectRoot}/Dockerfile', goToolchain, { env: 'SOURCE_DATE_EPOCH' }]
        : ['goImage', '{projectRoot}/Dockerfile', context === '.' ? '{projectRoot}/.dockerignore' : workspaceFile(project.moduleRoot, '.dockerignore'), { env: 'SOURCE_DATE_EPOCH' }],
      outputs: ['{workspaceRoot}/dist/{projectRoot}/docker/image.json'],
      metadata: {
        technologies: DOCKER_TECHNOLOGIES,
        description: 'Build the container image through the Docker Engine API and record it in dist/{projectRoot}/docker/image.json',
      },
    };
    targets[options.dockerRunTargetName] = {
      executor: `${PLUGIN_NAME}:docker-run`,
      options: {},
      cache: false,
      dependsOn: [options.dockerBuildTargetName],
      metadata: {
        technologies: DOCKER_TECHNOLOGIES,
        description: 'Run the image locally with its port published; wait for healthy, stream logs, remove the container on Ctrl-C',
      },
    };
    // Cached by what the verdict depends on: the image docker-build recorded (image.json, not the
    // sources again), the ignore file, the options, and the scanners' and databases' versions.
    targets[options.dockerScanTargetName] = {
      executor: `${PLUGIN_NAME}:docker-scan`,
      options: {},
      cache: true,
      dependsOn: [options.dockerBuildTargetName],
      inputs: [
        { dependentTasksOutputFiles: '**/docker/image.json', transitive: false },
        '{projectRoot}/.vulnignore',
        { env: 'ORG_GO_VULNDB' },
        { env: 'TRIVY_CACHE_DIR' },
        { env: 'GRYPE_DB_CACHE_DIR' },
        { runtime: SCAN_KEY_COMMAND },
      ],
      outputs: ['{workspaceRoot}/dist/{projectRoot}/docker/scan.*'],
      metadata: {
        technologies: DOCKER_TECHNOLOGIES,
        description: 'Scan the image for known vulnerabilities (govulncheck, Trivy or Grype); fail at the severity gate (default CRITICAL); reports in dist/{projectRoot}/docker/scan.*',
      },
    };
    // Not cached: the version comes from git tags and branches, which are no task inputs, and both
    // targets act on the engine and the registry rather than produce files from inputs.
    targets[options.dockerTagTargetName] = {
      executor: `${PLUGIN_NAME}:docker-tag`,
      options: {},
      cache: false,
      dependsOn: [options.dockerBuildTargetName],
      metadata: {
        technologies: DOCKER_TECHNOLOGIES,
        description: 'Tag the built image with its version (X.Y.Z, X.Y, X, latest, sha-…; pre-releases: version and sha only) and record the plan in dist/{projectRoot}/docker/tags.json',
      },
    };
    targets[options.dockerPushTargetName] = {
      executor: `${PLUGIN_NAME}:docker-push`,
      options: {},
      cache: false,
      // A push never publishes an image the vulnerability gate has not passed (plugin option scanBeforePush).
      dependsOn: options.scanBeforePush ? [options.dockerTagTargetName, options.dockerScanTargetName] : [options.dockerTagTargetName],
      metadata: {
        technologies: DOCKER_TECHNOLOGIES,
        description: 'Push every tag through the Docker Engine API, immutable tags before moving ones, and record the pushed digest in image.json',
      },
    };
  }
  return targets;
}

/** Groups shown by `nx show project` for the targets above. */
export function createTargetGroups(targets: Record<string, TargetConfiguration>, options: ResolvedGoPluginOptions): Record<string, string[]> {
  const present = (names: string[]) => names.filter((name) => name in targets);
  const groups: Record<string, string[]> = {
    Go: present([options.buildTargetName, options.testTargetName, options.lintTargetName, options.tidyTargetName]),
  };
  const docker = present([options.dockerBuildTargetName, options.dockerScanTargetName, options.dockerRunTargetName, options.dockerTagTargetName, options.dockerPushTargetName]);
  if (docker.length > 0) groups['Docker'] = docker;
  return groups;
}
