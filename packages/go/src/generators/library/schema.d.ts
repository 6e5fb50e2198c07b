export interface LibraryGeneratorSchema {
  name: string;
  directory?: string;
  /** Go module path; `--importPath` on the command line. */
  module?: string;
  /** e.g. `1.26`; the command line passes `--goVersion=1.26` as a number. */
  goVersion?: string | number;
  packageName?: string;
}
