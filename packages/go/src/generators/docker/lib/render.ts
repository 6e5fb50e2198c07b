/**
 * The Dockerfile and .dockerignore of an existing service, from the plugin's one template
 * (`src/dockerfile`), with the template's variables for what differs from a generated service:
 * where the main package is, where the Dockerfile sits, how it is health-checked and versioned.
 */
import { renderDockerfile, renderDockerignore } from '../../../dockerfile/render';
import type { BaseImageKind } from '../../../utils/constants';

export type HealthcheckMode = 'self' | 'http' | 'none';

export interface ServiceDockerfileInput {
  /** Nx project that builds the image. */
  projectName: string;
  /** Binary name, also the image's file name `/<binary>`. */
  binary: string;
  goVersion: string;
  port: number;
  baseImage: BaseImageKind;
  /** Main package to build, relative to the build context: `.` or `./cmd/api`. */
  packagePath: string;
  /** The Dockerfile's folder relative to the build context: `.` or `cmd/api`. */
  dockerfileDir: string;
  healthcheck: HealthcheckMode;
  healthPath: string;
  /** Whether `-X main.version=${VERSION}` can be passed to the linker. */
  setVersion: boolean;
}

export function renderServiceDockerfile(input: ServiceDockerfileInput): string {
  return renderDockerfile({
    name: input.binary,
    projectName: input.projectName,
    goVersion: input.goVersion,
    port: input.port,
    baseImage: input.baseImage,
    packagePath: input.packagePath,
    dockerfileDir: input.dockerfileDir,
    healthcheck: input.healthcheck,
    healthPath: input.healthPath,
    version: input.setVersion ? 'variable' : 'none',
  });
}

/**
 * The standard .dockerignore for the build context (the module root), plus `!` exceptions for the
 * Go package folders and embedded files the build needs but the standard patterns leave out.
 */
export function renderServiceDockerignore(input: { name: string; goVersion: string; port: number; baseImage: BaseImageKind }, exceptions: string[]): string {
  const text = renderDockerignore(input);
  if (exceptions.length === 0) return text;
  return (
    `${text.replace(/\n*$/, '\n')}\n` +
    '# Go packages and embedded files of this module that the image build needs but\n' +
    '# the patterns above leave out.\n' +
    exceptions.map((path) => `!${path}\n`).join('')
  );
}
