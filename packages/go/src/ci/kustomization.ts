/**
 * The one edit the GitOps step makes to a kustomization.yaml: point an `images:` entry at a pushed
 * image (`newName`, `newTag`, optionally `digest`), as `kustomize edit set image` does. A text edit of
 * the block-style list, so comments, key order and the rest of the file stay as they were. Pure.
 */

export interface KustomizeImage {
  /** The image name the manifests use (the entry's `name`), e.g. `orders`. */
  name: string;
  /** Repository to pull from, e.g. `registry.example.com/team/orders`. */
  newName: string;
  newTag: string;
  /** `sha256:…`; when absent, a `digest` left in the entry is removed (kustomize would prefer it to the tag). */
  digest?: string;
}

export interface KustomizeEdit {
  content: string;
  changed: boolean;
  /** `updated`: an entry matched; `added`: none did, one was appended. */
  entry: 'updated' | 'added';
}

const YAML_SPECIAL = /^(?:~|null|true|false|yes|no|on|off|y|n|[-+]?\.(?:inf|nan))$/i;
const NUMBER_LIKE = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:e[-+]?\d+)?$|^0x[0-9a-f_]+$|^0o[0-7_]+$|^0b[01_]+$/i;

/** A YAML scalar that reads back as this exact string: plain when safe (`v1.4.2`), double-quoted when a plain one would be a number, bool or null (`1.4`). */
export function yamlString(value: string): string {
  const plainSafe = /^[A-Za-z0-9_./@-][A-Za-z0-9_./@:+-]*$/.test(value) && !value.endsWith(':') && !/:\s/.test(value);
  if (plainSafe && !YAML_SPECIAL.test(value) && !NUMBER_LIKE.test(value)) return value;
  return JSON.stringify(value);
}

/** The value of a `key: value  # comment` line, unquoted; undefined for anything else. */
function scalarValue(text: string): string | undefined {
  const trimmed = text.trim();
  const quoted = /^"((?:[^"\\]|\\.)*)"\s*(?:#.*)?$/.exec(trimmed);
  if (quoted) return JSON.parse(`"${quoted[1]}"`) as string;
  const single = /^'((?:[^']|'')*)'\s*(?:#.*)?$/.exec(trimmed);
  if (single) return single[1].replace(/''/g, "'");
  const plain = /^([^#]*?)\s*(?:\s#.*)?$/.exec(trimmed);
  return plain?.[1];
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlank = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');

interface Item {
  /** Line index of `- …`. */
  start: number;
  /** One past the item's last line (trailing blank and comment lines excluded). */
  end: number;
  keyIndent: number;
  /** key → line index */
  keys: Map<string, number>;
}

/** The lines of the top-level `images:` list and its items; undefined when the file has none. */
function findImages(lines: string[], file: string): { keyLine: number; end: number; items: Item[]; itemIndent: number } | undefined {
  const keyLine = lines.findIndex((line) => /^images\s*:/.test(line));
  if (keyLine < 0) return undefined;
  const rest = lines[keyLine].replace(/^images\s*:/, '').trim();
  if (rest !== '' && !rest.startsWith('#')) {
    throw new Error(`${file}: "images:" is written in flow style (${rest}). Write it as a block list ("images:" then "  - name: …" lines) so it can be edited safely.`);
  }
  let itemIndent = -1;
  let end = keyLine + 1;
  const items: Item[] = [];
  for (let i = keyLine + 1; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line)) continue;
    const indent = indentOf(line);
    const dash = /^-(\s+|$)/.test(line.trimStart());
    if (itemIndent < 0) {
      if (!dash) break;
      itemIndent = indent;
    }
    if (indent < itemIndent || (indent === itemIndent && !dash)) break;
    if (indent === itemIndent && dash) {
      const afterDash = line.slice(indent + 1);
      const keyIndent = indent + 1 + (afterDash.length - afterDash.trimStart().length);
      items.push({ start: i, end: i + 1, keyIndent, keys: new Map() });
    }
    const item = items[items.length - 1];
    item.end = i + 1;
    end = i + 1;
    const keyText = i === item.start ? line.slice(item.keyIndent) : indent === item.keyIndent ? line.slice(indent) : undefined;
    const key = keyText === undefined ? undefined : /^([A-Za-z][A-Za-z0-9_-]*)\s*:/.exec(keyText)?.[1];
    if (key) item.keys.set(key, i);
  }
  return { keyLine, end, items, itemIndent: itemIndent < 0 ? 2 : itemIndent };
}

function entryName(lines: string[], item: Item): string | undefined {
  const line = item.keys.get('name');
  if (line === undefined) return undefined;
  const text = line === item.start ? lines[line].slice(item.keyIndent) : lines[line].trimStart();
  return scalarValue(text.replace(/^name\s*:/, ''));
}

/** Replaces the value on a `key: value  # comment` line, keeping the key's position and the comment. */
function replaceValue(line: string, key: string, value: string): string {
  const match = new RegExp(`^(.*?\\b${key}\\s*:\\s*)(.*)$`).exec(line) as RegExpExecArray;
  const comment = /\s+#.*$/.exec(match[2].replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, (quoted) => ' '.repeat(quoted.length)));
  return `${match[1]}${yamlString(value)}${comment ? match[2].slice(comment.index) : ''}`;
}

/**
 * Points the `images:` entry named one of `names` (default: `image.name`) at the image. An entry that
 * has no such key gets it; none matching: an entry is appended (and the `images:` list, if missing).
 */
export function setKustomizeImage(content: string, image: KustomizeImage, names: string[] = [image.name], file = 'kustomization.yaml'): KustomizeEdit {
  const eol = content.includes('\r\n') ? '\r\n' : '\n';
  const lines = content.split(/\r?\n/);
  const finalNewline = lines.length > 1 && lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  // `images: []` is the empty list a block list can replace.
  const emptyFlow = lines.findIndex((line) => /^images\s*:\s*\[\s*\]/.test(line));
  if (emptyFlow >= 0) lines[emptyFlow] = lines[emptyFlow].replace(/^(images\s*:)\s*\[\s*\]/, '$1');
  const images = findImages(lines, file);
  const wanted: [string, string | undefined][] = [
    ['newName', image.newName],
    ['newTag', image.newTag],
    ['digest', image.digest],
  ];
  const item = images?.items.find((candidate) => {
    const name = entryName(lines, candidate);
    return name !== undefined && names.includes(name);
  });
  let entry: KustomizeEdit['entry'];
  if (images && item) {
    entry = 'updated';
    const inserts: string[] = [];
    const removals: number[] = [];
    for (const [key, value] of wanted) {
      const at = item.keys.get(key);
      if (value === undefined) {
        if (at !== undefined) removals.push(at);
      } else if (at !== undefined) {
        lines[at] = replaceValue(lines[at], key, value);
      } else {
        inserts.push(`${' '.repeat(item.keyIndent)}${key}: ${yamlString(value)}`);
      }
    }
    lines.splice(item.end, 0, ...inserts);
    for (const at of removals.sort((a, b) => b - a)) lines.splice(at, 1);
  } else {
    entry = 'added';
    const indent = images?.itemIndent ?? 2;
    const block = [`${' '.repeat(indent)}- name: ${yamlString(image.name)}`];
    for (const [key, value] of wanted) if (value !== undefined) block.push(`${' '.repeat(indent + 2)}${key}: ${yamlString(value)}`);
    if (images) lines.splice(images.items.length > 0 ? images.end : images.keyLine + 1, 0, ...block);
    else lines.push('images:', ...block);
  }
  const updated = lines.join(eol) + (finalNewline || !images ? eol : '');
  return { content: updated, changed: updated !== content, entry };
}
