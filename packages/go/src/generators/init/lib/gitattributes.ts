/** Patterns that must keep LF line endings on Windows checkouts (shell scripts break with CRLF, so do gofmt checks). */
export const LF_PATTERNS = ['*.go', '*.sh', 'Dockerfile', 'go.mod', 'go.sum', 'go.work'];

/** Appends `<pattern> text eol=lf` for each pattern that has no rule yet; keeps the user's lines as they are. */
export function addLfRules(content: string): string {
  const existing = new Set(
    content
      .split(/\r?\n/)
      .map((line) => line.trim().split(/\s+/)[0])
      .filter(Boolean),
  );
  const missing = LF_PATTERNS.filter((pattern) => !existing.has(pattern));
  if (missing.length === 0) return content;
  const base = content === '' || content.endsWith('\n') ? content : `${content}\n`;
  const header = '# Added by @org/go: Go sources, scripts and Dockerfiles stay LF on every OS.\n';
  return base + (base === '' ? '' : '\n') + header + missing.map((pattern) => `${pattern} text eol=lf\n`).join('');
}
