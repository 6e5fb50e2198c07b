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
  /** Image of the build stage instead of golang:<goVersion>-bookworm (a mirror; may carry a digest). */
  builderImage?: string;
  /** Pin every base image by digest (name@sha256:…), read from the local engine. */
  pinImages?: boolean;
}
