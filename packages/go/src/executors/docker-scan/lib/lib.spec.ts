import '@microsoft/jest-sarif';
import { evaluateGate } from './gate';
import { isExpired, parseIgnoreFile } from './ignore-file';
import { buildReport, renderSarif, renderTable } from './report';
import { parseJsonStream } from './scanners/json-stream';
import type { Finding } from './scanners/types';
import { atOrAbove, normalizeSeverity, parseSeverity } from './severity';

const finding = (over: Partial<Finding>): Finding => ({
  id: 'GO-2021-0113',
  aliases: ['CVE-2021-38561', 'GHSA-ppp9-7jff-5vj2'],
  package: 'golang.org/x/text',
  installed: 'v0.3.5',
  fixed: 'v0.3.7',
  severity: 'CRITICAL',
  title: 'Out-of-bounds read in golang.org/x/text/language',
  ...over,
});

const now = new Date('2026-11-27T10:00:00Z');

describe('severity', () => {
  it('orders the five levels and maps scanner wording onto them', () => {
    expect(atOrAbove('CRITICAL', 'HIGH')).toBe(true);
    expect(atOrAbove('MEDIUM', 'HIGH')).toBe(false);
    expect(atOrAbove('UNKNOWN', 'LOW')).toBe(false);
    expect(atOrAbove('UNKNOWN', 'UNKNOWN')).toBe(true);
    expect(['Critical', 'moderate', 'Negligible', 'important', '', undefined].map(normalizeSeverity)).toEqual(['CRITICAL', 'MEDIUM', 'LOW', 'HIGH', 'UNKNOWN', 'UNKNOWN']);
  });

  it('rejects a severity option with the field and the valid values', () => {
    expect(parseSeverity('high', 'failOn')).toBe('HIGH');
    expect(() => parseSeverity('urgent', 'failOn')).toThrow(/Option "failOn" is "urgent".*CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN.*--failOn=HIGH/);
  });
});

describe('ignore file', () => {
  it('reads ids, expiry dates and reasons; skips comments and blank lines', () => {
    const entries = parseIgnoreFile(['# accepted risks', '', 'GO-2021-0113 exp:2026-12-31 # no fix reachable yet', 'CVE-2024-45337', '  GHSA-ppp9-7jff-5vj2   # by alias'].join('\n'));
    expect(entries).toEqual([
      { id: 'GO-2021-0113', expires: '2026-12-31', reason: 'no fix reachable yet', line: 3 },
      { id: 'CVE-2024-45337', expires: undefined, reason: undefined, line: 4 },
      { id: 'GHSA-ppp9-7jff-5vj2', expires: undefined, reason: 'by alias', line: 5 },
    ]);
  });

  it('rejects lines it does not understand, naming the line and the expected shape', () => {
    expect(() => parseIgnoreFile('GO-2021-0113 until:2027-01-01', '.vulnignore')).toThrow(/\.vulnignore:1: "until:2027-01-01" is not understood.*exp:YYYY-MM-DD/);
    expect(() => parseIgnoreFile('ok\n$(rm -rf /)', '.vulnignore')).toThrow(/\.vulnignore:1: "ok" is not an advisory id/);
    expect(() => parseIgnoreFile('GO-2021-0113 exp:2027-13-45', '.vulnignore')).toThrow(/not understood/);
  });

  it('applies an entry through its expiry day (UTC) and not after', () => {
    const [entry] = parseIgnoreFile('GO-2021-0113 exp:2026-11-27');
    expect(isExpired(entry, new Date('2026-11-27T23:59:59Z'))).toBe(false);
    expect(isExpired(entry, new Date('2026-11-28T00:00:00Z'))).toBe(true);
  });
});

describe('gate', () => {
  const findings = [
    finding({}),
    finding({ id: 'CVE-2024-0001', aliases: [], package: 'openssl', severity: 'HIGH', fixed: undefined }),
    finding({ id: 'CVE-2024-0002', aliases: [], package: 'zlib', severity: 'LOW' }),
  ];

  it('fails on findings at or above failOn and counts by severity', () => {
    const gate = evaluateGate(findings, { failOn: 'HIGH', ignore: [], ignoreUnfixed: false, now });
    expect(gate.passed).toBe(false);
    expect(gate.failing.map((f) => f.id)).toEqual(['GO-2021-0113', 'CVE-2024-0001']);
    expect(gate.counts).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 1, UNKNOWN: 0 });
  });

  it('passes when everything at the gate is ignored by id or alias, or unfixed and ignoreUnfixed is on', () => {
    const ignore = parseIgnoreFile('GHSA-ppp9-7jff-5vj2 # alias of GO-2021-0113');
    const gate = evaluateGate(findings, { failOn: 'HIGH', ignore, ignoreUnfixed: true, now });
    expect(gate.passed).toBe(true);
    expect(gate.ignored.map((i) => i.finding.id)).toEqual(['GO-2021-0113']);
    expect(gate.unfixed.map((f) => f.id)).toEqual(['CVE-2024-0001']);
    expect(gate.findings.map((f) => f.id)).toEqual(['CVE-2024-0002']);
  });

  it('no longer applies an expired entry, and reports it and unused entries', () => {
    const ignore = parseIgnoreFile('GO-2021-0113 exp:2026-01-01\nGO-2099-0001');
    const gate = evaluateGate(findings, { failOn: 'CRITICAL', ignore, ignoreUnfixed: false, now });
    expect(gate.passed).toBe(false);
    expect(gate.expired.map((e) => e.id)).toEqual(['GO-2021-0113']);
    expect(gate.unused.map((e) => e.id)).toEqual(['GO-2099-0001']);
  });

  it('never fails without a threshold (failOn NONE), and passes an empty scan', () => {
    expect(evaluateGate(findings, { failOn: undefined, ignore: [], ignoreUnfixed: false, now }).passed).toBe(true);
    expect(evaluateGate([], { failOn: 'LOW', ignore: [], ignoreUnfixed: false, now }).passed).toBe(true);
  });
});

describe('reports', () => {
  const gate = evaluateGate([finding({}), finding({ id: 'CVE-2024-0002', aliases: [], package: 'zlib', severity: 'LOW', installed: '1.2.11', fixed: '1.2.12' })], {
    failOn: 'CRITICAL',
    ignore: [],
    ignoreUnfixed: false,
    now,
  });
  const report = buildReport(
    {
      projectName: 'orders',
      image: { id: 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', reference: 'orders:dev' },
      scanner: { scanner: 'govulncheck', version: 'v1.9.0', databaseUpdatedAt: '2026-11-05T23:49:57Z' },
      scanned: 'binary /orders of image sha256:0123456789ab',
      failOn: 'CRITICAL',
      ignoreUnfixed: false,
      scannedAt: now.toISOString(),
      seconds: 0.4,
      notes: [],
    },
    gate,
  );

  it('the table gives counts, the findings at the gate with installed → fixed, and the verdict', () => {
    const text = renderTable(report, 'dist/apps/orders/docker/scan.txt');
    expect(text).toContain('orders: govulncheck v1.9.0, database 2026-11-05');
    expect(text).toContain('CRITICAL 1  HIGH 0  MEDIUM 0  LOW 1  UNKNOWN 0');
    expect(text).toMatch(/GO-2021-0113\s+CRITICAL\s+golang\.org\/x\/text\s+v0\.3\.5 → v0\.3\.7\s+Out-of-bounds read/);
    expect(text).not.toContain('CVE-2024-0002'); // below the gate: counted, not listed
    expect(text.split('\n').pop()).toBe('FAIL: 1 advisory at or above CRITICAL (GO-2021-0113). Report: dist/apps/orders/docker/scan.txt');
  });

  it('the SARIF log is valid SARIF 2.1.0 with one rule per advisory', () => {
    const sarif = renderSarif(report, { goMod: 'apps/orders/go.mod', dockerfile: 'apps/orders/Dockerfile' }) as {
      runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleId: string; level: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    expect(sarif).toBeValidSarifLog();
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['GO-2021-0113', 'CVE-2024-0002']);
    expect(run.results.map((r) => [r.ruleId, r.level, r.locations[0].physicalLocation.artifactLocation.uri])).toEqual([
      ['GO-2021-0113', 'error', 'apps/orders/go.mod'],
      ['CVE-2024-0002', 'note', 'apps/orders/Dockerfile'],
    ]);
  });

  it('an invalid SARIF log is caught by the same check', () => {
    expect({ version: '2.1.0', runs: [{ tool: {} }] }).not.toBeValidSarifLog();
  });
});

describe('JSON stream', () => {
  it('splits concatenated pretty-printed values, braces inside strings included', () => {
    expect(parseJsonStream('{\n "a": "}{"\n}\n{"b": [1, {"c": "\\"}"}]}\n')).toEqual([{ a: '}{' }, { b: [1, { c: '"}' }] }]);
  });

  it('refuses text that is not a JSON stream', () => {
    expect(() => parseJsonStream('govulncheck: unrecognized binary format')).toThrow(/unexpected "g"/);
    expect(() => parseJsonStream('{"config": {')).toThrow(/ends in the middle/);
  });
});
