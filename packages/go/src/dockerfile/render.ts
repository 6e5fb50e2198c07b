import { render } from 'ejs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builderImageFor, RUNTIME_IMAGES, type BaseImageKind } from '../utils/constants';

export interface DockerfileVariables {
  /** Binary and project name; the command lives in `cmd/<name>`. */
  name: string;
  goVersion: string;
  port: number;
  baseImage: BaseImageKind;
}

function template(file: string): string {
  return readFileSync(join(__dirname, 'templates', file), 'utf8');
}

function variables(vars: DockerfileVariables) {
  return {
    ...vars,
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
