import { validatePort } from '../../shared/validate';
import { validateServiceName } from './validate';

describe('service input validation', () => {
  it.each(['orders', 'order-api', 'a', 'svc2', 'a'.repeat(63)])('accepts the name %s', (name) => {
    expect(validateServiceName(name)).toBeUndefined();
  });
  it.each(['Orders', '2fast', 'order--api', 'order-', '-order', 'order.api', 'ordér', 'a'.repeat(64), ''])('rejects the name %j', (name) => {
    expect(validateServiceName(name)).toMatch(/e\.g\. "orders"/);
  });
  it.each([
    [8080, true],
    [1, true],
    [65535, true],
    [0, false],
    [65536, false],
    [-1, false],
    [NaN, false],
    ['8080', false],
  ])('port %p valid=%p', (port, valid) => {
    expect(validatePort(port) === undefined).toBe(valid);
  });
});
