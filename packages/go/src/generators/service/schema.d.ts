import type { BaseImageKind } from '../../utils/constants';

export interface ServiceGeneratorSchema {
  name: string;
  directory?: string;
  port?: number;
  module?: string;
  goVersion?: string;
  baseImage?: BaseImageKind;
  k8s?: boolean;
}
