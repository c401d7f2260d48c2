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

/** A place in the walked value; its path is built only when something is found there. */
interface Frame {
  value: unknown;
  key: string | number | undefined;
  parent: Frame | undefined;
  depth: number;
}

function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f && f.key !== undefined; f = f.parent) path.push(f.key);
  return path.reverse();
}

/**
 * The first string (or object key) in `value` that PostgreSQL cannot store as text or JSON — a NUL
 * character or a lone UTF-16 surrogate — or the first place nested deeper than `maxDepth`. Walks
 * the value with an explicit stack, so a hostile document cannot exhaust the call stack; it runs
 * on every request, so paths are only built for what it reports.
 */
export function findUnsafeInput(value: unknown, maxDepth = MAX_JSON_DEPTH): UnsafeInput | undefined {
  const stack: Frame[] = [{ value, key: undefined, parent: undefined, depth: 0 }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const v = frame.value;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path: pathOf(frame), ...problem };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (frame.depth >= maxDepth) return { path: pathOf(frame), msg: `nested deeper than ${maxDepth} levels`, type: 'value_error.depth' };
    const depth = frame.depth + 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: frame, depth });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const problem = textProblem(key);
      const child: Frame = { value: (v as Record<string, unknown>)[key], key, parent: frame, depth };
      if (problem) return { path: pathOf(child), ...problem };
      stack.push(child);
    }
  }
  return undefined;
}
