/** How deeply request JSON may nest; deeper documents are refused before anything walks them recursively. */
export const MAX_JSON_DEPTH = 64;

export interface UnsafeInput {
  /** Where the value sits, from the part of the request down. */
  path: (string | number)[];
  msg: string;
  type: 'value_error.nul' | 'value_error.surrogate' | 'value_error.depth';
}

// A NUL anywhere, or a high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textProblem(text: string): Pick<UnsafeInput, 'msg' | 'type'> | undefined {
  if (text.includes('\u0000')) return { msg: 'text may not contain the NUL character (U+0000)', type: 'value_error.nul' };
  if (LONE_SURROGATE.test(text)) return { msg: 'text must be valid Unicode (a lone surrogate was found)', type: 'value_error.surrogate' };
  return undefined;
}

/**
 * The first string (or object key) in `value` that PostgreSQL cannot store as text or JSON — a NUL
 * character or a lone UTF-16 surrogate — or the first place nested deeper than `maxDepth`. Walks
 * the value with an explicit stack, so a hostile document cannot exhaust the call stack.
 */
export function findUnsafeInput(value: unknown, maxDepth = MAX_JSON_DEPTH): UnsafeInput | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path, ...problem };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= maxDepth) return { path, msg: `nested deeper than ${maxDepth} levels`, type: 'value_error.depth' };
    const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((item, i) => [i, item]) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      if (typeof key === 'string') {
        const problem = textProblem(key);
        if (problem) return { path: [...path, key], ...problem };
      }
      stack.push({ value: item, path: [...path, key] });
    }
  }
  return undefined;
}
