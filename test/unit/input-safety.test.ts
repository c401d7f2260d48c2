import { describe, expect, it } from 'vitest';
import { findUnsafeInput, MAX_JSON_DEPTH } from '../../src/validation/input-safety.js';

describe('findUnsafeInput', () => {
  it('accepts ordinary text, emoji (surrogate pairs) and nesting up to the limit', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) deep = { a: deep };
    expect(findUnsafeInput({ name: 'Zoë 😀', tags: ['a', 'b'], deep })).toBeUndefined();
  });

  it('finds a NUL in a value or a key, with its path', () => {
    expect(findUnsafeInput({ metadata: { list: ['ok', 'a\u0000b'] } })).toMatchObject({ path: ['metadata', 'list', 1], type: 'value_error.nul' });
    expect(findUnsafeInput({ 'k\u0000': 1 })).toMatchObject({ path: ['k\u0000'], type: 'value_error.nul' });
  });

  it('finds lone high and low surrogates but not pairs', () => {
    expect(findUnsafeInput({ name: 'x\udfffy' })).toMatchObject({ path: ['name'], type: 'value_error.surrogate' });
    expect(findUnsafeInput(['\ud83d'])).toMatchObject({ path: [0], type: 'value_error.surrogate' });
    expect(findUnsafeInput(['\ud83d\ude00'])).toBeUndefined();
  });

  it('refuses nesting deeper than the limit without recursing (100,000 levels)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnsafeInput({ data: deep })).toMatchObject({ type: 'value_error.depth' });
  });
});
