import type { TargetConfiguration } from '@nx/devkit';

type InputDefinition = Exclude<NonNullable<TargetConfiguration['inputs']>[number], string>;
import { posix } from 'node:path';
import { WHOLE_MODULE, type Closure, type GoProject } from '../graph/workspace-graph';
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

/** Named inputs every Go project defines; `^goSources` brings in the sources of the projects it imports. */
export function goNamedInputs(project: GoProject): Record<string, (string | InputDefinition)[]> {
  const moduleFiles = project.root === project.moduleRoot ? ['{projectRoot}/go.{mod,sum}'] : [`{workspaceRoot}/${project.moduleRoot === '.' ? '' : `${project.moduleRoot}/`}go.{mod,sum}`];
  const named: Record<string, (string | InputDefinition)[]> = {
    goSources: ['{projectRoot}/**/*.go', '!{projectRoot}/**/*_test.go', ...moduleFiles, ...workspaceFiles],
    goTests: ['{projectRoot}/**/*.go', '{projectRoot}/**/testdata/**', ...moduleFiles, ...workspaceFiles, '^goSources'],
  };
  if (project.kind === 'service') {
    named['goBuild'] = closureInputs(project.closures.build);
    named['goImage'] = closureInputs(project.closures.image);
  }
  return named;
}

/** The inferred targets of one Go project. Pure: the same project and options give the same targets. */
export function createTargets(project: GoProject, options: ResolvedGoPluginOptions): Record<string, TargetConfiguration> {
  const isService = project.kind === 'service';
  const isModule = project.root === project.moduleRoot;
  const binDir = posix.relative(project.root, posix.join('dist', project.root, 'bin')) || '.';
  const targets: Record<string, TargetConfiguration> = {
    [options.buildTargetName]: {
      command: isService ? `go build -trimpath -o ${binDir}/ ${isModule ? './...' : '.'}` : 'go build ./...',
      options: { cwd: project.root },
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
      options: { cwd: project.root },
      cache: true,
      inputs: ['goTests', goToolchain],
      outputs: [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: "Run the Go tests of the project's packages",
        help: { command: 'go help test', example: {} },
      },
    },
    [options.lintTargetName]: {
      command: 'go vet ./...',
      options: { cwd: project.root },
      cache: true,
      inputs: ['goTests', goToolchain],
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
      options: { cwd: project.root },
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
    targets[options.dockerBuildTargetName] = {
      executor: `${PLUGIN_NAME}:docker-build`,
      options: context === '.' ? {} : { context },
      cache: true,
      inputs: ['goImage', '{projectRoot}/Dockerfile', '{projectRoot}/.dockerignore', { env: 'SOURCE_DATE_EPOCH' }],
      outputs: ['{workspaceRoot}/dist/{projectRoot}/docker'],
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
  }
  return targets;
}

/** Groups shown by `nx show project` for the targets above. */
export function createTargetGroups(targets: Record<string, TargetConfiguration>, options: ResolvedGoPluginOptions): Record<string, string[]> {
  const present = (names: string[]) => names.filter((name) => name in targets);
  const groups: Record<string, string[]> = {
    Go: present([options.buildTargetName, options.testTargetName, options.lintTargetName, options.tidyTargetName]),
  };
  const docker = present([options.dockerBuildTargetName, options.dockerRunTargetName]);
  if (docker.length > 0) groups['Docker'] = docker;
  return groups;
}
