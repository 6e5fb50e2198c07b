/**
 * Validators for library-only input. Each returns an error message (what is wrong and a valid
 * example) or undefined. The checks every Go module generator shares are in `../../shared/validate`.
 */
import { isProjectName } from '../../shared/validate';

export function validateLibraryName(name: string): string | undefined {
  if (!isProjectName(name)) {
    return (
      `Invalid library name "${name}": use 1-63 lowercase letters, digits and single hyphens, starting with a letter ` +
      `(the Nx project and folder name; the Go package name is the name without hyphens), e.g. "money" or "order-utils".`
    );
  }
  return undefined;
}

/** The 25 keywords of the Go language, which cannot name a package. */
const GO_KEYWORDS = new Set([
  'break', 'case', 'chan', 'const', 'continue', 'default', 'defer', 'else', 'fallthrough', 'for', 'func', 'go', 'goto',
  'if', 'import', 'interface', 'map', 'package', 'range', 'return', 'select', 'struct', 'switch', 'type', 'var',
]);

/**
 * A Go package name others can import: lowercase letters and digits starting with a letter (Go
 * identifiers, in the style Effective Go asks for), not a keyword and not `main`. `derivedFrom` is
 * the library name when the package name was derived from it rather than given.
 */
export function validatePackageName(packageName: string, derivedFrom?: string): string | undefined {
  const subject = derivedFrom === undefined
    ? `packageName "${packageName}"`
    : `Go package name "${packageName}" (the library name "${derivedFrom}" without hyphens)`;
  const next = derivedFrom === undefined ? 'Use e.g. "money".' : 'Set packageName, e.g. "money", or choose another library name.';
  if (!/^[a-z][a-z0-9]*$/.test(packageName)) {
    return `Invalid ${subject}: use lowercase letters and digits, starting with a letter, e.g. "money" or "orderutils".`;
  }
  if (GO_KEYWORDS.has(packageName)) {
    return `Invalid ${subject}: "${packageName}" is a Go keyword and cannot name a package. ${next}`;
  }
  if (packageName === 'main') {
    return `Invalid ${subject}: package main is a program and cannot be imported. ${next}`;
  }
  return undefined;
}
