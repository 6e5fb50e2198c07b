import type { ScannerName, Severity } from './lib/scanners/types';

export interface DockerScanExecutorSchema {
  /** Engine URL or Docker CLI context name (default: as the docker CLI picks it). */
  engine?: string;
  scanner?: ScannerName | 'auto';
  scannerPath?: string;
  failOn?: Severity | 'NONE';
  severity?: string;
  unratedSeverity?: Severity;
  ignoreUnfixed?: boolean;
  ignoreFile?: string;
  format?: 'table' | 'json' | 'sarif';
  outputFile?: string;
  offline?: boolean;
  database?: string;
  maxDatabaseAge?: number;
  govulncheckMode?: 'binary' | 'source';
  binaryPath?: string;
  timeout?: number;
}
