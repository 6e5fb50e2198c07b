/** Text edits of go.work files. Pure: they take and return file contents. */

export function createGoWork(goVersion: string): string {
  return `go ${goVersion}\n`;
}

/** Module directories listed in `use` directives (single-line and block form). */
export function listGoWorkUses(content: string): string[] {
  const uses: string[] = [];
  const withoutComments = content.replace(/\/\/.*$/gm, '');
  const blockRe = /^\s*use\s*\(([\s\S]*?)\)/gm;
  for (const block of withoutComments.matchAll(blockRe)) {
    for (const line of block[1].split('\n')) {
      const dir = unquote(line.trim());
      if (dir) uses.push(dir);
    }
  }
  for (const single of withoutComments.matchAll(/^\s*use\s+([^(\s][^\s]*)\s*$/gm)) {
    uses.push(unquote(single[1]));
  }
  return uses;
}

function unquote(text: string): string {
  return text.replace(/^"(.*)"$/, '$1').replace(/^`(.*)`$/, '$1');
}

function normalizeUse(dir: string): string {
  const trimmed = dir.replace(/\\/g, '/').replace(/\/+$/, '');
  if (trimmed === '.' || trimmed.startsWith('./') || trimmed.startsWith('../') || trimmed.startsWith('/')) return trimmed;
  return `./${trimmed}`;
}

/**
 * Adds `use ./dir` to a go.work, into its existing `use ( … )` block when there is one.
 * Returns the content unchanged when the directory is already listed.
 */
export function addGoWorkUse(content: string, dir: string): string {
  const use = normalizeUse(dir);
  if (listGoWorkUses(content).map(normalizeUse).includes(use)) return content;
  const block = /^(\s*use\s*\()([^)]*)(\))/m.exec(content);
  if (block) {
    const body = block[2];
    const entries = body.split('\n').map((line) => line.trim()).filter(Boolean);
    entries.push(use);
    entries.sort();
    const rebuilt = `${block[1]}\n${entries.map((entry) => `\t${entry}`).join('\n')}\n${block[3]}`;
    return content.slice(0, block.index) + rebuilt + content.slice(block.index + block[0].length);
  }
  const base = content.endsWith('\n') || content === '' ? content : `${content}\n`;
  return `${base}\nuse ${use}\n`;
}
