/**
 * Validators for service-only input. Each returns an error message (what is wrong and a valid
 * example) or undefined. The checks every Go module generator shares are in `../../shared/validate`.
 */
import { isProjectName } from '../../shared/validate';

export function validateServiceName(name: string): string | undefined {
  if (!isProjectName(name)) {
    return (
      `Invalid service name "${name}": use 1-63 lowercase letters, digits and single hyphens, starting with a letter ` +
      `(valid for Go, Docker image names and Nx projects), e.g. "orders" or "order-api".`
    );
  }
  return undefined;
}

