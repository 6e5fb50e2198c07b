/**
 * Parses a KEY=VALUE env file: blank lines and `#` comments skipped, an optional `export ` prefix,
 * values optionally in single or double quotes. A malformed line is an error naming its number.
 */
export function parseEnvFile(text: string, fileName: string): Record<string, string> {
  const env: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!match) {
      throw new Error(`${fileName}:${index + 1} is not KEY=VALUE ("${line.slice(0, 40)}"). Fix the line, e.g. "PORT=8080".`);
    }
    let value = match[2];
    const quoted = value.match(/^"(.*)"$/) ?? value.match(/^'(.*)'$/);
    if (quoted) value = quoted[1];
    else value = value.replace(/\s+#.*$/, '');
    env[match[1]] = value;
  });
  return env;
}

/** Merges env sources (later wins) into Docker's `KEY=VALUE` list. */
export function toEnvList(...sources: Array<Record<string, string> | string[] | undefined>): string[] {
  const merged = new Map<string, string>();
  for (const source of sources) {
    if (!source) continue;
    const entries = Array.isArray(source)
      ? source.map((item) => {
          const eq = item.indexOf('=');
          if (eq <= 0) throw new Error(`Environment entry "${item}" is not KEY=VALUE. Write it as e.g. "LOG_LEVEL=debug".`);
          return [item.slice(0, eq), item.slice(eq + 1)] as const;
        })
      : Object.entries(source);
    for (const [key, value] of entries) merged.set(key, String(value));
  }
  return [...merged].map(([key, value]) => `${key}=${value}`);
}
