import { IGNORED_DIRS } from '../../utils/constants';
/**
 * Validators shared by the generators that create Go modules. Each returns an error message (what
 * is wrong and a valid example) or undefined. Pure, so they are table-tested without a tree.
 */

/** Valid as an Nx project name, a folder name, a Docker image repository and a Kubernetes name. */
const PROJECT_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** 1-63 lowercase letters, digits and single hyphens, starting with a letter. */
export function isProjectName(name: string): boolean {
  return PROJECT_NAME.test(name) && name.length <= 63;
}

const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/; // 255 bytes: the longest file name Linux, macOS and Windows allow

/**
 * A workspace-relative folder: no absolute paths, no `..`, no characters Go or Docker choke on.
 * `what` names the field in the message; `example` is a valid value for it.
 */
export function validateWorkspacePath(path: string, what: string, example = 'apps/orders'): string | undefined {
  if (/^[A-Za-z]:|^[\\/]/.test(path)) {
    return `Invalid ${what} "${path}": use a path relative to the workspace root, e.g. "${example}".`;
  }
  const segments = path.split(/[\\/]/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) {
    return `Invalid ${what} "${path}": it leaves the workspace. Use a folder inside it, e.g. "${example}".`;
  }
  const bad = segments.find((segment) => !PATH_SEGMENT.test(segment));
  if (bad !== undefined) {
    return `Invalid ${what} "${path}": the folder name "${bad}" may only hold letters, digits, ".", "_" and "-", e.g. "${example}".`;
  }
  return undefined;
}

/**
 * Go module path rules (golang.org/x/mod/module.CheckPath, simplified): slash-separated elements of
 * letters, digits and `-._~`, no element starting or ending with a dot, no empty element, and a
 * first element that is a lowercase host-like name.
 */
export function validateModulePath(modulePath: string): string | undefined {
  const example = 'e.g. "github.com/acme/shop/apps/orders"';
  const elements = modulePath.split('/');
  const badElement = elements.find(
    (element) => element === '' || !/^[A-Za-z0-9._~-]+$/.test(element) || element.startsWith('.') || element.endsWith('.'),
  );
  if (modulePath.length === 0 || modulePath.length > 500 || badElement !== undefined) {
    return `Invalid Go module path "${modulePath}": use slash-separated elements of letters, digits, "-", ".", "_" and "~", ${example}.`;
  }
  const first = elements[0];
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(first) || first.startsWith('-')) {
    return `Invalid Go module path "${modulePath}": the first element "${first}" must be a lowercase host-like name, ${example}.`;
  }
  return undefined;
}

/**
 * The goVersion option as text. On the command line `--goVersion=1.26` arrives as the number 1.26,
 * which prints back the same; `validateGoVersion` catches the numbers that do not (1.20 → 1.2).
 */
export function goVersionText(value: string | number | undefined): string | undefined {
  return typeof value === 'number' ? String(value) : value?.trim();
}

/** Oldest Go the generated code compiles with (it uses Go 1.22 features such as method patterns in ServeMux). */
export const MIN_GENERATED_GO_MINOR = 22;

/**
 * `fromNumber`: the version came in as a number, which loses trailing zeros (1.20 → 1.2).
 * `minMinor`: the oldest `1.N` accepted, for generators whose code needs a newer Go.
 */
export function validateGoVersion(goVersion: string, fromNumber = false, minMinor = 0): string | undefined {
  if (fromNumber && /^1\.\d$/.test(goVersion)) {
    return (
      `Invalid Go version "${goVersion}": the command line reads --goVersion=${goVersion}0 as the number ${goVersion}. ` +
      `Give the patch release, e.g. --goVersion=${goVersion}0.0, or a two-digit minor version such as "1.26".`
    );
  }
  if (!/^1\.(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2}))?$/.test(goVersion)) {
    return `Invalid Go version "${goVersion}": use a Go release, e.g. "1.26" or "1.26.3".`;
  }
  if (Number(goVersion.split('.')[1]) < minMinor) {
    return `Invalid Go version "${goVersion}": the generated code needs Go 1.${minMinor} or newer, e.g. "1.26".`;
  }
  return undefined;
}

/** A folder the plugin's project inference does not skip (kind: "library", "service"). */
export function validateProjectFolder(projectRoot: string, kind: string, example: string): string | undefined {
  const skipped = projectRoot.split('/').find((segment) => IGNORED_DIRS.includes(segment));
  if (skipped !== undefined) {
    return (
      `Invalid ${kind} folder "${projectRoot}": the plugin skips "${skipped}" folders when it looks for Go modules, ` +
      `so the ${kind} would never become a project. Choose another name or directory, e.g. "${example}".`
    );
  }
  return undefined;
}

/** Throws a validator's message, if it has one: `failIf(validatePort(port))`. */
export function failIf(message: string | undefined): void {
  if (message) throw new Error(message);
}

export function validatePort(port: unknown): string | undefined {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `Invalid port "${String(port)}": use a whole number from 1 to 65535, e.g. 8080.`;
  }
  return undefined;
}
