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
 * Adds `use ./dir` to a go.work: into its `use ( … )` block when it has one; a second module turns
 * single-line `use` directives into one sorted block. Unchanged when the directory is listed already.
 */
export function addGoWorkUse(content: string, dir: string): string {
  const use = normalizeUse(dir);
  if (listGoWorkUses(content).map(normalizeUse).includes(use)) return content;
  const block = /^(\s*use\s*\()([^)]*)(\))/m.exec(content);
  if (block) {
    const entries = block[2].split('\n').map((line) => line.trim()).filter(Boolean);
    const rebuilt = `${block[1]}\n${sortedEntries([...entries, use])}\n${block[3]}`;
    return content.slice(0, block.index) + rebuilt + content.slice(block.index + block[0].length);
  }
  const singleUse = /^[ \t]*use[ \t]+([^(\s].*?)[ \t]*$/gm;
  const singles = [...content.matchAll(singleUse)].map((match) => match[1]);
  if (singles.length > 0) {
    let replaced = false;
    const withBlock = content.replace(singleUse, () => {
      if (replaced) return '\u0000';
      replaced = true;
      return `use (\n${sortedEntries([...singles, use])}\n)`;
    });
    return withBlock.replace(/\u0000\n?/g, '').replace(/\n{3,}/g, '\n\n');
  }
  const base = content.endsWith('\n') || content === '' ? content : `${content}\n`;
  return `${base}\nuse ${use}\n`;
}

function sortedEntries(entries: string[]): string {
  return [...entries].sort((a, b) => unquote(a.split(/\s/)[0]).localeCompare(unquote(b.split(/\s/)[0]))).map((entry) => `\t${entry}`).join('\n');
}
