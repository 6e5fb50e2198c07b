/** fast-check inputs shared by the generators' property specs (issue 8, "Bad input"). */
import fc from 'fast-check';

/** Fixed, so a failure in CI reproduces. */
export const SEED = 20261127;

/** Characters a shell, Go or Docker treat specially, and whitespace. */
export const HOSTILE = [';', '|', '&', '$', '(', ')', '`', "'", '"', ' ', '\t', '\n', '*', '?', '<', '>', '!', '\\', '~', '#', '%'];
export const NEEDS_QUOTING = /[;|&$()`'"\s*?<>!\\#%]|[^\x20-\x7e]/;

/** Values that have broken generators elsewhere: traversal, absolute paths, metacharacters, unicode, prototype keys. */
export const nasty = fc.oneof(
  fc.constantFrom(
    '', ' ', '.', '..', '../orders', '../../etc/passwd', 'apps/../../x', '/abs/orders', '/', 'C:\\orders', '\\\\server\\share',
    'orders; rm -rf /', 'orders|cat', 'orders&&x', '$(whoami)', '`id`', "o'rders", 'o"rders', 'or ders', ' orders ', 'orders\n',
    'ordérs', 'заказы', '订单', '🚀', 'ORDERS', 'order--api', '-orders', 'orders-', '2fast', 'toString', 'constructor', '__proto__',
    'vendor', 'node_modules', 'testdata', 'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(300), `apps/${'b'.repeat(300)}`,
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ minLength: 64, maxLength: 400 }),
  fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.constantFrom(...HOSTILE), fc.stringMatching(/^[a-z0-9]{0,8}$/)).map((parts) => parts.join('')),
);

/** Keys every plain object inherits: `value in {...}` and `obj[value]` find them. */
export const prototypeKeys = fc.constantFrom('toString', 'constructor', '__proto__', 'valueOf', 'hasOwnProperty');
