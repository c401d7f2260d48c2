import fc from 'fast-check';

/** Raw JSON text standing in a body where `JSON.stringify` cannot write it (`1e400`, 100,000 brackets). */
export class RawJson {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `RawJson(${abbreviate(this.text)})`;
  }
}

/** `text`, cut to its first characters when long, so reports of huge inputs stay readable. */
export function abbreviate(text: string, keep = 200): string {
  return text.length > keep ? `${text.slice(0, keep)}… (${text.length} chars)` : text;
}

/** JSON text of a value that may hold `RawJson` pieces. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : toJsonText(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Strings that break naive handling: NUL, lone surrogates, bidi controls, traversal, injection. */
const nastyStrings = fc.constantFrom(
  '',
  ' ',
  '\t',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\udc00\ud800',
  '\ufeff',
  '\u202eevil',
  '\u2028\u2029',
  '💩',
  'e\u0301',
  'ＡＢＣ',
  'İı',
  '..',
  '../../etc/passwd',
  '%00',
  '%',
  '%ZZ',
  '\\',
  '"',
  "'; drop table endpoints; --",
  '${7*7}{{7*7}}',
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  'null',
  'true',
  '0',
  '-1',
  '1e400',
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  'hasOwnProperty',
);

/** A long run of one character (or pair), from a few hundred units to past the body limit. */
export const hugeString = fc
  .tuple(fc.constantFrom('a', 'é', '💩', '\u0000', '\ud800', ' ', '\\'), fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 100, max: 5000 }) }, fc.integer({ min: 5000, max: 300_000 })))
  .map(([unit, count]) => unit.repeat(count));

/** Any hostile string: listed nasties, random code points (surrogates included), control characters, huge runs. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 5, arbitrary: nastyStrings },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.oneof(fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }), loneSurrogate), maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: hugeString },
);

/** Numbers at the edges: negative, fractional, beyond 2^53, and JSON numbers JavaScript cannot hold. */
export const hostileNumber: fc.Arbitrary<number | RawJson> = fc.oneof(
  fc.constantFrom(0, -0, -1, 1.5, -1.5, 0.1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e21, 1e308, -1e308, 5e-324),
  fc.constantFrom('1e400', '-1e400', '1.0', '1E2', '-0', '0e0', '123456789012345678901234567890', '0.00000000000000000000000001').map((t) => new RawJson(t)),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** JSON nested `depth` levels deep, as a value (moderate depths) or as raw text (very deep). */
export const deepJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.tuple(fc.integer({ min: 2, max: 200 }), fc.boolean()).map(([depth, objects]) => {
    let value: unknown = objects ? {} : [];
    for (let i = 0; i < depth; i++) value = objects ? { a: value } : [value];
    return value;
  }),
  fc.integer({ min: 1000, max: 100_000 }).map((depth) => new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
);

/** A value of another JSON type than `type` (or `null`, arrays for objects, …). */
export function wrongTypeFor(type: string | undefined): fc.Arbitrary<unknown> {
  const all: [string, fc.Arbitrary<unknown>][] = [
    ['null', fc.constant(null)],
    ['boolean', fc.boolean()],
    ['number', fc.constantFrom(0, 1, -1, 1.5)],
    ['string', fc.constantFrom('', '1', 'true', 'null', '{}')],
    ['array', fc.constantFrom([], [null], [1, 2], [{}])],
    ['object', fc.constantFrom({}, { a: 1 }, { '': null })],
  ];
  const sameKind = type === 'integer' ? 'number' : type;
  return fc.oneof(...all.filter(([kind]) => kind !== sameKind).map(([, arb]) => arb), deepJson);
}

/** Printable header text (what an HTTP client can send), including bytes above ASCII. */
export const headerText = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength });

/**
 * Timestamps: well-formed ones across the whole range (offsets that cross year boundaries
 * included), and malformed ones (month 13, February 30th, hour 24, year 0000, no zone, epoch seconds).
 */
export const timestampText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 2, arbitrary: fc.date({ min: new Date(Date.now() - 3 * 86_400_000), max: new Date(Date.now() + 86_400_000), noInvalidDate: true }).map((d) => d.toISOString()) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('0001-01-01T00:00:00', '0001-01-01T00:30:00.5', '9999-12-31T23:59:59', '1970-01-01T00:00:00', '2000-02-29T12:00:00.123456789'),
        fc.constantFrom('Z', '+00:00', '-00:00', '+23:59', '-23:59', '+14:00', '-12:00', '+01:30'),
      )
      .map(([time, zone]) => time + zone),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0000-01-01T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-02-30T00:00:00Z',
      '2023-02-29T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:60Z',
      '2024-01-01',
      '2024-01-01T00:00:00',
      '2024-01-01T00:00:00+24:00',
      '2024-01-01 00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '-000001-01-01T00:00:00Z',
      '1700000000',
      'now',
      'yesterday',
    ),
  },
  { weight: 1, arbitrary: hostileString },
);
