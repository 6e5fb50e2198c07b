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
}
