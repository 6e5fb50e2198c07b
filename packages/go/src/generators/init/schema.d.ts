export interface InitGeneratorSchema {
  goVersion?: string;
  skipGoWork?: boolean;
}
