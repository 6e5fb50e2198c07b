import type { BaseImageKind } from '../../utils/constants';

export interface ServiceGeneratorSchema {
  name: string;
  directory?: string;
  port?: number;
  module?: string;
  /** e.g. `1.26`; the command line passes `--goVersion=1.26` as a number. */
  goVersion?: string | number;
  baseImage?: BaseImageKind;
  k8s?: boolean;
}
