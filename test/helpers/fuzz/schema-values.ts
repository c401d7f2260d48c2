import fc from 'fast-check';
import type { JsonSchema } from './openapi-model.js';
import { deepJson, hostileNumber, hostileString, timestampText, wrongTypeFor } from './hostile-values.js';

/**
 * How far a generated value strays from its schema:
 * - `valid`: it conforms (as far as the JSON Schema says; zod refinements may still refuse it);
 * - `hostile`: the shape conforms, but some leaves are hostile values of the right JSON type;
 * - `invalid`: some nodes have the wrong type, required members go missing, unknown ones appear.
 */
export type Mode = 'valid' | 'hostile' | 'invalid';

/** Values for a member by name, where the schema alone says too little (URLs, event types, secrets). */
export interface Hint {
  /** Values the API should accept. */
  valid: fc.Arbitrary<unknown>;
  /** Values of the right type it should refuse. */
  stray: fc.Arbitrary<unknown>;
}

export interface SchemaValueOptions {
  mode: Mode;
  /** Follows `$ref`s in the document. */
  deref: (schema: JsonSchema) => JsonSchema;
  hints?: Record<string, Hint>;
}

const MAX_GENERATED_LENGTH = 40;

/** Values for a JSON Schema (draft 2020-12 as zod writes it), strayed from it as `mode` says. */
export function valueFor(schema: JsonSchema, options: SchemaValueOptions, name?: string): fc.Arbitrary<unknown> {
  const s = options.deref(schema);
  const hint = name === undefined ? undefined : options.hints?.[name];
  const conforming = hint?.valid ?? conformingValue(s, options, name);
  if (options.mode === 'valid') return conforming;
  const type = typeOf(s);
  const stray = hint ? [{ weight: 1, arbitrary: hint.stray }] : [];
  if (options.mode === 'hostile') {
    const hostile = [...hostileOfType(type), ...justOutside(s, options)].map((arbitrary) => ({ weight: 1, arbitrary }));
    return fc.oneof({ weight: 2, arbitrary: conforming }, ...stray, ...hostile);
  }
  return fc.oneof({ weight: 3, arbitrary: conforming }, ...stray, { weight: 1, arbitrary: wrongTypeFor(type) });
}

function hostileOfType(type: string | undefined): fc.Arbitrary<unknown>[] {
  if (type === 'string') return [hostileString];
  if (type === 'integer' || type === 'number') return [hostileNumber];
  return [];
}

/** Values one step past the schema's limits: a number beyond its bounds, an array or object one too large. */
function justOutside(schema: JsonSchema, options: SchemaValueOptions): fc.Arbitrary<unknown>[] {
  const out: fc.Arbitrary<unknown>[] = [];
  if (typeof schema.minimum === 'number') out.push(fc.constant(schema.minimum - 1));
  if (typeof schema.maximum === 'number') out.push(fc.constant(schema.maximum + 1));
  if (typeof schema.maxItems === 'number' && schema.maxItems < 1000) {
    const item = valueFor(schema.items ?? {}, { ...options, mode: 'valid' });
    out.push(fc.array(item, { minLength: schema.maxItems + 1, maxLength: schema.maxItems + 1 }));
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    // Many members at once: records carry limits (20 headers, 16 KiB of metadata) that the JSON Schema does not say.
    const member = valueFor(schema.additionalProperties, { ...options, mode: 'valid' });
    out.push(fc.dictionary(keyFor(schema.propertyNames ?? {}), member, { minKeys: 21, maxKeys: 40 }));
  }
  return out;
}

function typeOf(schema: JsonSchema): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) return schema.type.find((t: string) => t !== 'null');
  if (schema.properties || schema.additionalProperties) return 'object';
  return undefined;
}

function conformingValue(schema: JsonSchema, options: SchemaValueOptions, name: string | undefined): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...schema.enum);
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const members: JsonSchema[] = schema.anyOf ?? schema.oneOf;
    return fc.oneof(...members.map((m) => valueFor(m, options, name)));
  }
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((t: string) => conformingValue({ ...schema, type: t }, options, name)));
  }
  switch (typeOf(schema)) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return integerValue(schema);
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: schema.minimum, max: schema.maximum });
    case 'string':
      return stringValue(schema);
    case 'array':
      return fc.array(valueFor(schema.items ?? {}, options), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case 'object':
      return objectValue(schema, options);
    default:
      return anyJson(options.mode);
  }
}

function integerValue(schema: JsonSchema): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1_000_000;
  const max = schema.maximum ?? 1_000_000;
  // The bounds themselves are where off-by-one mistakes live.
  return fc.oneof({ weight: 3, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
}

function stringValue(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') return timestampText;
  const min: number = schema.minLength ?? 0;
  const max: number = Math.min(schema.maxLength ?? MAX_GENERATED_LENGTH, MAX_GENERATED_LENGTH);
  if (typeof schema.pattern === 'string') {
    return fc.stringMatching(new RegExp(schema.pattern), { size: 'xsmall' }).filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
  }
  const lengths = schema.maxLength !== undefined ? [fc.constant(schema.maxLength as number)] : [];
  return fc.oneof(
    { weight: 4, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.max(min, max) }) },
    // A string exactly at the limit: the longest value the API must store and answer with.
    ...lengths.map((length) => ({ weight: 1, arbitrary: length.map((n) => 'x'.repeat(n)) })),
  );
}

function objectValue(schema: JsonSchema, options: SchemaValueOptions): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, JsonSchema> = schema.properties ?? {};
  const required: string[] = schema.required ?? [];
  const members = Object.fromEntries(Object.entries(properties).map(([key, s]) => [key, valueFor(s, options, key)]));
  const extra =
    schema.additionalProperties && typeof schema.additionalProperties === 'object'
      ? fc.dictionary(keyFor(schema.propertyNames ?? {}), valueFor(schema.additionalProperties, options), { maxKeys: 4 })
      : fc.constant({});
  const known = fc.record(members, { requiredKeys: options.mode === 'invalid' ? [] : required.filter((k) => k in members) });
  const unknown = options.mode === 'invalid' ? fc.option(fc.dictionary(fc.constantFrom('surprise', 'id', '__proto__', 'URL', 'extra'), anyJson('valid'), { minKeys: 1, maxKeys: 2 }), { freq: 3, nil: {} }) : fc.constant({});
  return fc.tuple(extra, known, unknown).map(([e, k, u]) => ({ ...e, ...k, ...u }));
}

function keyFor(propertyNames: JsonSchema): fc.Arbitrary<string> {
  if (typeof propertyNames.pattern === 'string') return fc.stringMatching(new RegExp(propertyNames.pattern), { size: 'xsmall' });
  return fc.oneof(fc.string({ unit: 'grapheme', minLength: 0, maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', ''));
}

function anyJson(mode: Mode): fc.Arbitrary<unknown> {
  const json = fc.jsonValue({ maxDepth: 3 });
  if (mode === 'valid') return json;
  return fc.oneof({ weight: 3, arbitrary: json }, { weight: 1, arbitrary: hostileString }, { weight: 1, arbitrary: hostileNumber }, { weight: 1, arbitrary: deepJson });
}
