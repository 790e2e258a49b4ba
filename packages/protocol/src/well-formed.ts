/** With the `u` flag a surrogate pair is one code point and does not match: only a lone surrogate does. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Whether a string is well-formed UTF-16: no lone surrogate. */
export const isWellFormedText = (text: string): boolean => !LONE_SURROGATE.test(text);

/**
 * The path of the first string (or object key) in a parsed payload that is not well-formed UTF-16, or
 * null when every one is. JSON can carry a lone surrogate (`"\ud800"`); stored, it would come back as
 * U+FFFD, so what was acked and what history shows would differ. Every client payload and HTTP body is
 * checked with this before its schema, at any depth. Iterative: a deeply nested payload cannot overflow
 * the stack.
 */
export function illFormedPath(value: unknown): (string | number)[] | null {
  // Each entry links to its parent, so a path is built only for the string that fails: no per-node copies.
  type Entry = { value: unknown; key: string | number | null; parent: Entry | null };
  const pathOf = (entry: Entry | null, last?: string): (string | number)[] => {
    const reversed: (string | number)[] = last === undefined ? [] : [last];
    for (let e = entry; e !== null && e.key !== null; e = e.parent) reversed.push(e.key);
    return reversed.reverse();
  };
  const stack: Entry[] = [{ value, key: null, parent: null }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const current = entry.value;
    if (typeof current === 'string') {
      if (!isWellFormedText(current)) return pathOf(entry);
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i -= 1) stack.push({ value: current[i], key: i, parent: entry });
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) {
        if (!isWellFormedText(key)) return pathOf(entry, key);
        stack.push({ value: child, key, parent: entry });
      }
    }
  }
  return null;
}
