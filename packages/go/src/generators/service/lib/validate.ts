/**
 * Validators for service generator input. Each returns an error message (what is wrong and a
 * valid example) or undefined. Pure, so they are table-tested without a tree.
 */

/** Valid as an Nx project name, a Docker image repository, a Kubernetes name and a Go command directory. */
const SERVICE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export function validateServiceName(name: string): string | undefined {
  if (!SERVICE_NAME.test(name) || name.length > 63) {
    return (
      `Invalid service name "${name}": use 1-63 lowercase letters, digits and single hyphens, starting with a letter ` +
      `(valid for Go, Docker image names and Nx projects), e.g. "orders" or "order-api".`
    );
  }
  return undefined;
}

const PATH_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** A workspace-relative folder: no absolute paths, no `..`, no characters Go or Docker choke on. */
export function validateWorkspacePath(path: string, what: string): string | undefined {
  if (/^[A-Za-z]:|^[\\/]/.test(path)) {
    return `Invalid ${what} "${path}": use a path relative to the workspace root, e.g. "apps/orders".`;
  }
  const segments = path.split(/[\\/]/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) {
    return `Invalid ${what} "${path}": it leaves the workspace. Use a folder inside it, e.g. "apps/orders".`;
  }
  const bad = segments.find((segment) => !PATH_SEGMENT.test(segment));
  if (bad !== undefined) {
    return `Invalid ${what} "${path}": the folder name "${bad}" may only hold letters, digits, ".", "_" and "-", e.g. "apps/orders".`;
  }
  return undefined;
}

export function validatePort(port: unknown): string | undefined {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    return `Invalid port "${String(port)}": use a whole number from 1 to 65535, e.g. 8080.`;
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

export function validateGoVersion(goVersion: string): string | undefined {
  if (!/^1\.\d{1,3}(\.\d{1,3})?$/.test(goVersion)) {
    return `Invalid Go version "${goVersion}": use a release such as "1.26" or "1.26.3".`;
  }
  return undefined;
}
