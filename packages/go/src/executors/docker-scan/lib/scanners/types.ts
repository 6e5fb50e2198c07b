/**
 * The contract every scanner adapter (govulncheck, Trivy, Grype) fulfils. The executor resolves the
 * image, prepares what the adapter asks for (the engine's image reference, a `docker save` archive, or
 * the Go binary taken out of the image), runs the adapter, then applies the ignore file and the gate
 * itself — adapters only translate a scanner's own output into findings.
 */

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type ScannerName = 'govulncheck' | 'trivy' | 'grype';

export interface Finding {
  /** The scanner's primary id: `GO-2022-1059`, `CVE-2024-1234`, `GHSA-…`. */
  id: string;
  /** Other ids of the same advisory (CVE/GHSA/GO), so an ignore entry for any of them matches. */
  aliases: string[];
  /** Module path (Go), package name (OS/language packages) or `stdlib`. */
  package: string;
  installed: string;
  /** Version that fixes it; undefined when there is no fix yet. */
  fixed?: string;
  /** `UNKNOWN` when the scanner (or its database) gives no rating. */
  severity: Severity;
  title: string;
  url?: string;
  /** Where it was found: binary path in the image, OS, layer… as the scanner says. */
  target?: string;
  /** govulncheck only: the vulnerable symbols the code calls (source mode) or links (binary mode). */
  symbols?: string[];
}

/** What the executor hands to an adapter. Paths are absolute; the adapter must not write outside `workDir`. */
export interface ScanRequest {
  /** Image id (`sha256:…`) in the engine. */
  imageId: string;
  /** A name the engine resolves to the image (a tag, or the id). */
  imageReference: string;
  /** `docker save` of the image, when the adapter's `needs` includes 'archive'. */
  archivePath?: string;
  /** The image's Go binary on the host, when `needs` includes 'binary'. */
  binaryPath?: string;
  /** Module root and package pattern of the service, when `needs` includes 'source'. */
  source?: { moduleRoot: string; packages: string };
  /** A scratch directory for the adapter (deleted afterwards). */
  workDir: string;
  /** Scanner database: a path or URL, as the user gave it (undefined → the scanner's default). */
  database?: string;
  /** Never touch the network. */
  offline: boolean;
  ignoreUnfixed: boolean;
  timeoutMs: number;
  /** Environment for the scanner process (DOCKER_HOST etc. are passed through). */
  env: NodeJS.ProcessEnv;
}

export interface ScannerVersion {
  scanner: ScannerName;
  /** The scanner's own version string, e.g. `v1.9.0`. */
  version: string;
  /** When the vulnerability database was last updated (ISO 8601), when the scanner can tell. */
  databaseUpdatedAt?: string;
  /** Database identity (schema version, URL or path) as the scanner reports it. */
  database?: string;
}

export interface ScanResult {
  findings: Finding[];
  /** The scanner's raw machine-readable output, kept for the json report. */
  raw: string;
  /** Lines worth showing the user (warnings the scanner printed), already trimmed. */
  notes: string[];
}

export type ScanInputKind = 'image' | 'archive' | 'binary' | 'source';

export interface ScannerAdapter {
  name: ScannerName;
  /** Executable looked up on PATH unless the user names a path. */
  executable: string;
  /** What the adapter needs the executor to prepare. */
  needs: ScanInputKind[];
  /** One line a person can paste to install the scanner on this platform. */
  installHint(platform: NodeJS.Platform): string;
  /** Scanner and database versions: part of the Nx cache key, and printed with the verdict. */
  version(executablePath: string, request: Pick<ScanRequest, 'database' | 'env' | 'timeoutMs'>): Promise<ScannerVersion>;
  /** Runs the scan. Rejects with the scanner's stderr when it crashes, times out or prints nothing parsable. */
  scan(executablePath: string, request: ScanRequest): Promise<ScanResult>;
}
