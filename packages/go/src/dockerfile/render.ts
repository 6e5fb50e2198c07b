import { render } from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builderImageFor, RUNTIME_IMAGES, type BaseImageKind } from '../utils/constants';

export interface DockerfileVariables {
  /** Binary name (and, unless projectName says otherwise, project name); the command lives in `cmd/<name>` unless packagePath says otherwise. */
  name: string;
  goVersion: string;
  port: number;
  baseImage: BaseImageKind;
  /** Nx project that builds the image (default: name). */
  projectName?: string;
  /** Main package to build, relative to the build context (default: `./cmd/<name>`). */
  packagePath?: string;
  /** The Dockerfile's folder relative to the build context (default: `.`). */
  dockerfileDir?: string;
  /** `self` runs `/<name> healthcheck` (default); `http` fetches healthPath with wget (alpine); `none` writes no HEALTHCHECK. */
  healthcheck?: 'self' | 'http' | 'none';
  /** Path for the `http` healthcheck (default: `/healthz`). */
  healthPath?: string;
  /**
   * How the build stamps the version: `command` (default) passes -X main.version for the `version`
   * subcommand; `variable` passes it for an existing program's `var version string`; `none` does not.
   */
  version?: 'command' | 'variable' | 'none';
}

function template(file: string): string {
  return readFileSync(join(__dirname, 'templates', file), 'utf8');
}

function variables(vars: DockerfileVariables) {
  return {
    ...vars,
    projectName: vars.projectName ?? vars.name,
    packagePath: vars.packagePath ?? `./cmd/${vars.name}`,
    dockerfileDir: vars.dockerfileDir ?? '.',
    healthcheck: vars.healthcheck ?? 'self',
    healthPath: vars.healthPath ?? '/healthz',
    version: vars.version ?? 'command',
    builderImage: builderImageFor(vars.goVersion),
    runtimeImage: RUNTIME_IMAGES[vars.baseImage],
  };
}

/** The multi-stage Dockerfile of a Go service (shared by every generator that containerizes one). */
export function renderDockerfile(vars: DockerfileVariables): string {
  return render(template('Dockerfile.ejs'), variables(vars));
}

/** The `.dockerignore` that keeps secrets, VCS data and build junk out of the context. */
export function renderDockerignore(vars: DockerfileVariables): string {
  return render(template('dockerignore.ejs'), variables(vars));
}
