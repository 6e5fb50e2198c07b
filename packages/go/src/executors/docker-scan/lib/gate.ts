import { isExpired, type IgnoreEntry } from './ignore-file';
import { atOrAbove, emptyCounts, severityRank } from './severity';
import type { Finding, Severity } from './scanners/types';

export interface GateOptions {
  /** Findings at or above this fail the gate; undefined → report only, never fail. */
  failOn?: Severity;
  ignore: IgnoreEntry[];
  ignoreUnfixed: boolean;
  now: Date;
}

export interface IgnoredFinding {
  finding: Finding;
  entry: IgnoreEntry;
}

export interface GateResult {
  /** Findings that count: not ignored, not skipped as unfixed; most severe first. */
  findings: Finding[];
  counts: Record<Severity, number>;
  ignored: IgnoredFinding[];
  /** Skipped because no fix exists and ignoreUnfixed is on. */
  unfixed: Finding[];
  /** The findings at or above `failOn`. */
  failing: Finding[];
  /** Ignore entries past their expiry date that matched a finding (they no longer apply). */
  expired: IgnoreEntry[];
  /** Ignore entries that matched nothing in this scan. */
  unused: IgnoreEntry[];
  passed: boolean;
}

function matches(entry: IgnoreEntry, finding: Finding): boolean {
  const id = entry.id.toUpperCase();
  return finding.id.toUpperCase() === id || finding.aliases.some((alias) => alias.toUpperCase() === id);
}

/** Applies the ignore list and ignoreUnfixed, counts by severity, and decides pass/fail. Pure. */
export function evaluateGate(all: Finding[], options: GateOptions): GateResult {
  const ignored: IgnoredFinding[] = [];
  const unfixed: Finding[] = [];
  const findings: Finding[] = [];
  const expired = new Set<IgnoreEntry>();
  const used = new Set<IgnoreEntry>();
  for (const finding of all) {
    const entries = options.ignore.filter((entry) => matches(entry, finding));
    const active = entries.find((entry) => !isExpired(entry, options.now));
    for (const entry of entries) (isExpired(entry, options.now) ? expired : used).add(entry);
    if (active) ignored.push({ finding, entry: active });
    else if (options.ignoreUnfixed && !finding.fixed) unfixed.push(finding);
    else findings.push(finding);
  }
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id) || a.package.localeCompare(b.package));
  const counts = emptyCounts();
  for (const finding of findings) counts[finding.severity] += 1;
  const failOn = options.failOn;
  const failing = failOn ? findings.filter((finding) => atOrAbove(finding.severity, failOn)) : [];
  return {
    findings,
    counts,
    ignored,
    unfixed,
    failing,
    expired: [...expired],
    unused: options.ignore.filter((entry) => !used.has(entry) && !expired.has(entry)),
    passed: failing.length === 0,
  };
}
