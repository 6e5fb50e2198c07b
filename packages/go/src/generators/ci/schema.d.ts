export type CiProvider = 'github' | 'gitlab';

export interface CiGeneratorSchema {
  provider: CiProvider;
  mainBranch?: string;
  parallel?: number;
  gitops?: boolean;
  registry?: string;
  fileName?: string;
  force?: boolean;
}
