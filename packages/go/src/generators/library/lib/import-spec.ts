/**
 * The import spec of a package, as goimports writes it: `"<path>"` when the package name is the
 * path's last element (a `/vN` major-version suffix aside), else `<name> "<path>"`, so readers
 * see which name the import brings in.
 */
export function importSpec(importPath: string, packageName: string): string {
  const elements = importPath.split('/');
  const last = elements.length > 1 && /^v\d+$/.test(elements[elements.length - 1]) ? elements[elements.length - 2] : elements[elements.length - 1];
  return last === packageName ? `"${importPath}"` : `${packageName} "${importPath}"`;
}
