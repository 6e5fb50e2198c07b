/**
 * A small, deterministic tar (ustar) writer and reader for image layers and image archives.
 *
 * The writer's output depends only on the entries given: entries are sorted by path, owners are
 * numeric only (no user or group names), times are whole seconds chosen by the caller, and there is
 * no compression. The same entries always give the same bytes, so the same layer digest.
 */

export interface TarEntry {
  /** Path inside the archive, with forward slashes and no leading `/` (`etc/ssl/certs`). */
  name: string;
  type: 'file' | 'directory';
  /** Permission bits, e.g. 0o755 or 0o1777 (sticky). */
  mode: number;
  /** File bytes; directories have none. */
  content?: Buffer;
  uid?: number;
  gid?: number;
}

export interface TarOptions {
  /** Modification time of every entry, in seconds since 1970 (SOURCE_DATE_EPOCH, or 0). */
  mtime: number;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 octal digits and a NUL, as GNU tar and Go's archive/tar write them.
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`Tar header value ${value} does not fit in ${width - 1} octal digits.`);
  return `${digits.padStart(width - 1, '0')}\0`;
}

/** Splits a long path into ustar's prefix (≤ 155 bytes) and name (≤ 100 bytes) at a slash. */
function splitPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) {
    const prefix = path.slice(0, cut);
    const name = path.slice(cut + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') return { prefix, name };
  }
  throw new Error(`Path "${path}" is too long for a ustar header (100 bytes, or 155 + 100 split at a "/").`);
}

function normalizeName(entry: TarEntry): string {
  const name = entry.name.replace(/\\/g, '/').replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (name === '' || name.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`Invalid tar entry name "${entry.name}".`);
  }
  return entry.type === 'directory' ? `${name}/` : name;
}

function header(path: string, entry: TarEntry, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK, 0);
  const { prefix, name } = splitPath(path);
  block.write(name, 0, 100, 'utf8');
  block.write(octal(entry.mode & 0o7777, 8), 100, 8, 'ascii');
  block.write(octal(entry.uid ?? 0, 8), 108, 8, 'ascii');
  block.write(octal(entry.gid ?? 0, 8), 116, 8, 'ascii');
  block.write(octal(size, 12), 124, 12, 'ascii');
  block.write(octal(mtime, 12), 136, 12, 'ascii');
  block.write('        ', 148, 8, 'ascii'); // checksum field counts as spaces while summing
  block.write(entry.type === 'directory' ? '5' : '0', 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** Byte order of the paths (directories with their trailing slash): a directory comes before what it holds. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The tar of `entries`, sorted by path, ending with two zero blocks. Missing parent directories are
 * not invented: list them when the consumer needs them (image layers should).
 */
export function writeTar(entries: TarEntry[], options: TarOptions): Buffer {
  const named = entries.map((entry) => ({ entry, path: normalizeName(entry) }));
  named.sort((a, b) => compareNames(a.path, b.path));
  for (let i = 1; i < named.length; i++) {
    if (named[i].path === named[i - 1].path) throw new Error(`Tar entry "${named[i].path}" is listed twice.`);
  }
  const parts: Buffer[] = [];
  for (const { entry, path } of named) {
    const content = entry.type === 'file' ? (entry.content ?? Buffer.alloc(0)) : Buffer.alloc(0);
    parts.push(header(path, entry, content.length, options.mtime));
    if (content.length > 0) {
      parts.push(content);
      const pad = (BLOCK - (content.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}

export interface ReadTarEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since 1970. */
  mtime: number;
  content: Buffer;
}

function readString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end >= 0 ? end : field.length).toString('utf8');
}

function readNumber(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (field[0] & 0x80) {
    // GNU base-256 for big values.
    let value = 0;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = readString(block, start, length).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** pax extended header records (`<len> key=value\n`). */
function paxRecords(data: Buffer): Record<string, string> {
  const records: Record<string, string> = {};
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = parseInt(data.subarray(offset, space).toString('ascii'), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.subarray(space + 1, offset + length - 1).toString('utf8');
    const equals = record.indexOf('=');
    if (equals > 0) records[record.slice(0, equals)] = record.slice(equals + 1);
    offset += length;
  }
  return records;
}

/**
 * Entries of an uncompressed tar held in memory (ustar, pax and GNU long names), as `docker save`
 * and the Engine API's image export write them. Contents are views into `archive`, not copies.
 */
export function readTar(archive: Buffer): ReadTarEntry[] {
  const entries: ReadTarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (offset + BLOCK <= archive.length) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const size = readNumber(block, 124, 12);
    const typeflag = String.fromCharCode(block[156] || 0x30);
    const dataStart = offset + BLOCK;
    const data = archive.subarray(dataStart, dataStart + size);
    if (data.length < size) throw new Error('The tar archive ends in the middle of an entry.');
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'L') {
      longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (typeflag === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (typeflag === 'g') continue;
    const prefix = block.subarray(257, 263).toString('ascii').startsWith('ustar') ? readString(block, 345, 155) : '';
    const headerName = prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100);
    const name = (pax['path'] ?? longName ?? headerName).replace(/^\.\//, '').replace(/\/$/, '');
    longName = undefined;
    pax = {};
    const type = typeflag === '0' || typeflag === '\0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : typeflag === '2' ? 'symlink' : 'other';
    entries.push({ name, type, mode: readNumber(block, 100, 8), uid: readNumber(block, 108, 8), gid: readNumber(block, 116, 8), mtime: readNumber(block, 136, 12), content: data });
  }
  return entries;
}
