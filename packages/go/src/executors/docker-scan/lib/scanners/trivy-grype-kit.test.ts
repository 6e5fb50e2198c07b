/**
 * Helpers shared by the Trivy and Grype specs: finding the scanner (a failure under CI, a skip locally),
 * the offline databases built by tools/scanners/build-dbs.sh, the test images, and fixture capture.
 *
 * The `.test.ts` suffix keeps this file out of the published library (tsconfig.lib.json excludes
 * `*.test.ts`) while jest, which runs only `*.spec.ts`, does not take it for a suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pack } from 'tar-fs';
import type { DockerClient } from '../../../../docker';
import { REPO_ROOT, scannerForSpecs } from '../../../../testing/scanners';
import type { ScanRequest } from './types';

export { REPO_ROOT } from '../../../../testing/scanners';
export const FIXTURES = join(__dirname, '__fixtures__');

/** The scanner binary; undefined locally when missing (a warning), an error under CI (with the install command). */
export const scannerBinary = (name: 'trivy' | 'grype'): string | undefined => scannerForSpecs(name);

/**
 * The offline database for `name`, built (idempotently; seconds once built) by tools/scanners/build-dbs.sh
 * from the golang.org/x/vulndb module: Trivy's cache dir, or Grype's DB cache dir.
 */
export function offlineDatabase(name: 'trivy' | 'grype'): string {
  const script = join(REPO_ROOT, 'tools/scanners/build-dbs.sh');
  try {
    execFileSync('bash', [script, name], { cwd: REPO_ROOT, stdio: 'pipe', timeout: 40 * 60_000 });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`"bash tools/scanners/build-dbs.sh ${name}" failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? (err as Error).message}`);
  }
  const printed = execFileSync('bash', [script, '--print', name], { cwd: REPO_ROOT, encoding: 'utf8' });
  return printed.trim().replace(new RegExp(`^${name}: `), '');
}

/**
 * An HTTP service that parses Accept-Language with golang.org/x/text/language: before x/text v0.3.8 it
 * links the vulnerable symbols of GO-2021-0113 and GO-2022-1059, and on Go 1.26.8 the net/http ones of
 * several GO-2026 standard-library advisories.
 */
export const ACCEPT_LANGUAGE_MAIN = `package main

import (
\t"fmt"
\t"net/http"

\t"golang.org/x/text/language"
)

func main() {
\thttp.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
\t\ttags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
\t\tfmt.Fprintln(w, tags, err)
\t})
\thttp.Handle("/static/", http.FileServer(http.Dir("/static")))
\t_ = http.ListenAndServe(":8080", nil)
}
`;

export interface ScanImage {
  imageId: string;
  reference: string;
}

/**
 * Builds `FROM scratch` + a Go binary compiled in `builder` (golang:1.26-bookworm → Go 1.26.8) against
 * golang.org/x/text at `textVersion`. The build container fetches the module through the Go module
 * proxy (containers reach it here; the engine's layer cache makes re-runs quick).
 */
export async function buildScanImage(client: DockerClient, reference: string, builder: string, textVersion: string): Promise<ScanImage> {
  const dir = mkdtempSync(join(tmpdir(), 'org-go-scan-image-'));
  try {
    writeFileSync(join(dir, 'go.mod'), `module example.com/langserver\n\ngo 1.26\n\nrequire golang.org/x/text ${textVersion}\n`);
    writeFileSync(join(dir, 'main.go'), ACCEPT_LANGUAGE_MAIN);
    writeFileSync(
      join(dir, 'Dockerfile'),
      [
        `FROM ${builder} AS build`,
        'WORKDIR /src',
        'COPY go.mod main.go ./',
        'RUN go mod tidy && CGO_ENABLED=0 go build -trimpath -o /out/langserver .',
        'FROM scratch',
        'COPY --from=build /out/langserver /langserver',
        'ENTRYPOINT ["/langserver"]',
        '',
      ].join('\n'),
    );
    const lines: string[] = [];
    let imageId: string;
    try {
      ({ imageId } = await client.buildImage(pack(dir).pipe(new PassThrough()), { dockerfile: 'Dockerfile' }, (event) => {
        if (event.stream) lines.push(event.stream.trimEnd());
        if (event.error) lines.push(event.error);
      }));
    } catch (err) {
      throw new Error(`Building the test image ${reference} failed: ${(err as Error).message}\n${lines.slice(-20).join('\n')}`);
    }
    await client.tagImage(imageId, reference);
    return { imageId: imageId.startsWith('sha256:') ? imageId : `sha256:${imageId}`, reference };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A scan request with a fresh work dir (the caller removes it). */
export function scanRequest(image: ScanImage, database: string | undefined, overrides: Partial<ScanRequest> = {}): ScanRequest {
  return {
    imageId: image.imageId,
    imageReference: image.reference,
    workDir: mkdtempSync(join(tmpdir(), 'org-go-scan-work-')),
    database,
    offline: true,
    ignoreUnfixed: false,
    timeoutMs: 300_000,
    env: { ...process.env },
    ...overrides,
  };
}

/**
 * With ORG_GO_CAPTURE_FIXTURES=1 (tools/scanners/capture-fixtures.sh), stores a real scanner output under
 * __fixtures__/ for the parsing specs. Otherwise does nothing.
 */
export function captureFixture(name: string, content: string): void {
  if (process.env.ORG_GO_CAPTURE_FIXTURES !== '1') return;
  mkdirSync(FIXTURES, { recursive: true });
  writeFileSync(join(FIXTURES, name), content.endsWith('\n') ? content : `${content}\n`);
}

/** A stand-in executable (a shell script) for the failure paths: crash, garbage, hang. */
export function fakeScanner(dir: string, name: string, script: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return path;
}
