import { SEVERITIES, type Severity } from './scanners/types';

const RANK: Record<Severity, number> = { CRITICAL: 4, HIGH: 3, MEDIUM: 2, LOW: 1, UNKNOWN: 0 };

export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** True when `severity` is at or above `threshold`. */
export function atOrAbove(severity: Severity, threshold: Severity): boolean {
  return RANK[severity] >= RANK[threshold];
}

/** Maps any scanner's wording (`Critical`, `moderate`, `negligible`…) onto the five levels. */
export function normalizeSeverity(value: string | undefined | null): Severity {
  const upper = (value ?? '').trim().toUpperCase();
  if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity;
  if (upper === 'MODERATE') return 'MEDIUM';
  if (upper === 'NEGLIGIBLE' || upper === 'INFO' || upper === 'MINIMAL') return 'LOW';
  if (upper === 'IMPORTANT') return 'HIGH';
  return 'UNKNOWN';
}

/** Parses a user's severity option; the error names the field and the valid values. */
export function parseSeverity(value: string, option: string): Severity {
  const upper = value.trim().toUpperCase();
  if ((SEVERITIES as readonly string[]).includes(upper)) return upper as Severity;
  throw new Error(`Option "${option}" is "${value}", which is not a severity. Use one of ${SEVERITIES.join(', ')} (e.g. --${option}=HIGH).`);
}

export function emptyCounts(): Record<Severity, number> {
  return { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
}
