import type { BaseImageKind } from '../../utils/constants';
import type { HealthcheckMode } from './lib/render';

export interface DockerGeneratorSchema {
  project: string;
  command?: string;
  port?: number;
  baseImage?: BaseImageKind;
  healthcheck?: HealthcheckMode;
  healthPath?: string;
  overwrite?: boolean;
  /** Image of the build stage instead of golang:<goVersion>-bookworm (a mirror; may carry a digest). */
  builderImage?: string;
  /** Pin every base image by digest (name@sha256:…), read from the local engine. */
  pinImages?: boolean;
}
