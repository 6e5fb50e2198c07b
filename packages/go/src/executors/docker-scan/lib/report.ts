import type { GateResult } from './gate';
import { SEVERITIES, type Finding, type ScannerVersion, type Severity } from './scanners/types';

/** What docker-scan records (scan.json): enough to explain a verdict without re-running the scan. */
export interface ScanReport {
  projectName: string;
  image: { id: string; reference: string; inputsHash?: string };
  scanner: ScannerVersion;
  /** What was scanned: the image, its saved archive, the Go binary out of it, or the source. */
  scanned: string;
  failOn: Severity | 'NONE';
  ignoreUnfixed: boolean;
  scannedAt: string;
  seconds: number;
  counts: Record<Severity, number>;
  findings: Finding[];
  ignored: { id: string; package: string; reason?: string; expires?: string }[];
  unfixedSkipped: number;
  failing: string[];
  notes: string[];
  verdict: 'pass' | 'fail';
}

export function buildReport(base: Omit<ScanReport, 'counts' | 'findings' | 'ignored' | 'unfixedSkipped' | 'failing' | 'verdict'>, gate: GateResult): ScanReport {
  return {
    ...base,
    counts: gate.counts,
    findings: gate.findings,
    ignored: gate.ignored.map(({ finding, entry }) => ({ id: finding.id, package: finding.package, reason: entry.reason, expires: entry.expires })),
    unfixedSkipped: gate.unfixed.length,
    failing: [...new Set(gate.failing.map((finding) => finding.id))],
    verdict: gate.passed ? 'pass' : 'fail',
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function clip(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

export function countsLine(counts: Record<Severity, number>): string {
  return SEVERITIES.map((severity) => `${severity} ${counts[severity]}`).join('  ');
}

/** The findings as aligned columns: ID, SEVERITY, PACKAGE, INSTALLED → FIXED, TITLE. */
export function findingsTable(findings: Finding[], titleWidth = 70): string[] {
  if (findings.length === 0) return [];
  const rows = findings.map((f) => [f.id, f.severity, f.package, `${f.installed} → ${f.fixed ?? '(no fix)'}`, clip(f.title, titleWidth)]);
  const header = ['ID', 'SEVERITY', 'PACKAGE', 'INSTALLED → FIXED', 'TITLE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : pad(cell, widths[i]))).join('  ').trimEnd());
}

/** What a person reads: scanner line, counts, the findings at or above the gate, the verdict. */
export function renderTable(report: ScanReport, reportPath: string): string {
  const db = report.scanner.databaseUpdatedAt ? `, database ${report.scanner.databaseUpdatedAt.slice(0, 10)}` : '';
  const lines = [`${report.projectName}: ${report.scanner.scanner} ${report.scanner.version}${db} — ${report.scanned}`];
  const extras: string[] = [];
  if (report.ignored.length > 0) extras.push(`${report.ignored.length} ignored`);
  if (report.unfixedSkipped > 0) extras.push(`${report.unfixedSkipped} without a fix skipped`);
  lines.push(`  ${countsLine(report.counts)}${extras.length ? `   (${extras.join(', ')})` : ''}`);
  const shown = report.failOn === 'NONE' ? report.findings : report.findings.filter((f) => report.failing.includes(f.id));
  for (const row of findingsTable(shown)) lines.push(`  ${row}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  if (report.failOn === 'NONE') {
    lines.push(`REPORT ONLY: ${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} (failOn is NONE). Report: ${reportPath}`);
  } else if (report.verdict === 'pass') {
    lines.push(`PASS: no finding at or above ${report.failOn}. Report: ${reportPath}`);
  } else {
    const n = report.failing.length;
    lines.push(`FAIL: ${n} advisor${n === 1 ? 'y' : 'ies'} at or above ${report.failOn} (${report.failing.join(', ')}). Report: ${reportPath}`);
  }
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note', UNKNOWN: 'warning' };
/** GitHub code scanning reads `security-severity` (a CVSS-like score) to rank alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0', UNKNOWN: '5.0' };

const INFORMATION_URI: Record<string, string> = {
  govulncheck: 'https://pkg.go.dev/golang.org/x/vuln/cmd/govulncheck',
  trivy: 'https://trivy.dev',
  grype: 'https://github.com/anchore/grype',
};

/**
 * A SARIF 2.1.0 log for code-scanning upload: one rule per advisory, one result per finding, located at
 * the file a developer changes to fix it (the service's go.mod for modules, its Dockerfile otherwise).
 */
export function renderSarif(report: ScanReport, locations: { goMod: string; dockerfile: string }): object {
  const rules = new Map<string, object>();
  const results = report.findings.map((finding) => {
    if (!rules.has(finding.id)) {
      rules.set(finding.id, {
        id: finding.id,
        name: finding.id.replace(/[^A-Za-z0-9]/g, ''),
        shortDescription: { text: finding.title || finding.id },
        fullDescription: { text: `${finding.title || finding.id} (${finding.package})` },
        ...(finding.url ? { helpUri: finding.url } : {}),
        help: { text: `Upgrade ${finding.package} from ${finding.installed} to ${finding.fixed ?? 'a fixed version when one exists'}.` },
        properties: { 'security-severity': SECURITY_SEVERITY[finding.severity], tags: ['security', 'vulnerability', finding.severity.toLowerCase()] },
      });
    }
    const isModule = finding.package === 'stdlib' || finding.package.includes('.') || finding.package.includes('/');
    const uri = isModule ? locations.goMod : locations.dockerfile;
    const symbols = finding.symbols?.length ? ` Reached: ${finding.symbols.join(', ')}.` : '';
    return {
      ruleId: finding.id,
      level: SARIF_LEVEL[finding.severity],
      message: {
        text: `${finding.package} ${finding.installed} has ${finding.id} (${finding.severity}); fixed in ${finding.fixed ?? 'no release yet'}.${symbols}`,
      },
      locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } } }],
      partialFingerprints: { 'org-go/finding': `${finding.id}:${finding.package}:${finding.installed}` },
    };
  });
  return {
    version: '2.1.0',
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        tool: {
          driver: {
            name: report.scanner.scanner,
            version: report.scanner.version.replace(/^v/, ''),
            informationUri: INFORMATION_URI[report.scanner.scanner] ?? 'https://github.com',
            rules: [...rules.values()],
          },
        },
        automationDetails: { id: `docker-scan/${report.projectName}/` },
        results,
      },
    ],
  };
}
