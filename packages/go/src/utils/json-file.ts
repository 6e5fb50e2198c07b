import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A JSON file's value, or undefined when it is missing or not JSON. */
export function readJsonFile<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes JSON through a temporary file and a rename, so a crash never leaves half a file. */
export function writeJsonFile(file: string, value: unknown, pretty = true): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, pretty ? `${JSON.stringify(value, null, 2)}\n` : JSON.stringify(value));
    renameSync(temp, file);
  } catch (err) {
    // A full disk fails the write after the file was created: no half-written temporary file stays behind.
    rmSync(temp, { force: true });
    throw err;
  }
}
