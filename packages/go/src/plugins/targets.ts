import type { TargetConfiguration } from '@nx/devkit';
import { relative, join } from 'node:path';
import { PLUGIN_NAME } from '../utils/constants';
import type { ResolvedGoPluginOptions } from '../utils/plugin-options';
import type { GoModuleInfo } from './go-module';

const TECHNOLOGIES = ['go'];
const DOCKER_TECHNOLOGIES = ['go', 'docker'];

/** Go sources and module files, tests included. */
const goInputs = ['{projectRoot}/**/*.go', '{projectRoot}/go.mod', '{projectRoot}/go.sum', '{workspaceRoot}/go.work', '{workspaceRoot}/go.work.sum'];
/** What a binary is built from: no tests, no test data. */
const productionGoInputs = [...goInputs, '!{projectRoot}/**/*_test.go', '!{projectRoot}/**/testdata/**'];
const goToolchain = { runtime: 'go env GOVERSION' };

/** The inferred targets of one Go module. Pure: the same info and options give the same targets. */
export function createTargets(info: GoModuleInfo, options: ResolvedGoPluginOptions): Record<string, TargetConfiguration> {
  const isService = info.commands.length > 0;
  const binDir = relative(info.root, join('dist', info.root, 'bin')).split('\\').join('/');
  const targets: Record<string, TargetConfiguration> = {
    [options.buildTargetName]: {
      command: isService ? `go build -trimpath -o ${binDir}/ ./...` : 'go build ./...',
      options: { cwd: info.root },
      cache: true,
      inputs: [...productionGoInputs, goToolchain],
      outputs: isService ? ['{workspaceRoot}/dist/{projectRoot}/bin'] : [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: isService ? `Compile the module and write its commands to dist/${info.root}/bin` : 'Compile every package of the module',
        help: { command: 'go help build', example: {} },
      },
    },
    [options.testTargetName]: {
      command: 'go test ./...',
      options: { cwd: info.root },
      cache: true,
      inputs: [...goInputs, '{projectRoot}/**/testdata/**', goToolchain],
      outputs: [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: 'Run the Go tests of every package in the module',
        help: { command: 'go help test', example: {} },
      },
    },
    [options.lintTargetName]: {
      command: 'go vet ./...',
      options: { cwd: info.root },
      cache: true,
      inputs: [...goInputs, goToolchain],
      outputs: [],
      metadata: {
        technologies: TECHNOLOGIES,
        description: 'Report suspicious constructs with go vet',
        help: { command: 'go help vet', example: {} },
      },
    },
    [options.tidyTargetName]: {
      command: 'go mod tidy',
      options: { cwd: info.root },
      cache: false,
      metadata: {
        technologies: TECHNOLOGIES,
        description: 'Add missing and remove unused module requirements in go.mod and go.sum',
        help: { command: 'go help mod tidy', example: {} },
      },
    },
  };
  if (isService && info.hasDockerfile) {
    targets[options.dockerBuildTargetName] = {
      executor: `${PLUGIN_NAME}:docker-build`,
      options: {},
      cache: true,
      inputs: [
        '{projectRoot}/**/*',
        '!{projectRoot}/**/*_test.go',
        '!{projectRoot}/**/testdata/**',
        '!{projectRoot}/**/*.md',
        '!{projectRoot}/deploy/**',
        '{workspaceRoot}/go.work',
        { env: 'SOURCE_DATE_EPOCH' },
      ],
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
