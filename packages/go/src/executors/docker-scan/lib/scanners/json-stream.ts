/**
 * Splits a stream of concatenated JSON values (govulncheck's `-format json`, pretty-printed objects one
 * after another) into parsed values. Throws on anything that is not such a stream.
 */
export function parseJsonStream(text: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (ch === '\\') escaped = true;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
    } else if (ch === '{' || ch === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if (ch === '}' || ch === ']') {
      depth--;
      if (depth < 0) throw new Error(`unbalanced "${ch}" at offset ${i}`);
      if (depth === 0) values.push(JSON.parse(text.slice(start, i + 1)));
    } else if (depth === 0 && !/\s/.test(ch)) {
      throw new Error(`unexpected "${ch}" at offset ${i} between JSON values`);
    }
  }
  if (depth !== 0 || inString) throw new Error('the output ends in the middle of a JSON value');
  return values;
}
