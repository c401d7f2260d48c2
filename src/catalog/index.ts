import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { z } from 'zod';
import type { ValidationIssue } from '../services/errors.js';

export interface EventTypeDefinition {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12) that published `data` must match. */
  schema?: Record<string, unknown>;
}

const DEFAULT_FILE = new URL('./event-types.json', import.meta.url);

const CatalogueFileSchema = z.object({
  event_types: z
    .array(
      z
        .object({
          name: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'a dotted lower-case name such as "invoice.paid"'),
          description: z.string().min(1),
          schema: z.record(z.string(), z.unknown()).optional(),
        })
        .strict(),
    )
    .min(1),
});

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

/** One compiler for every catalogue schema: draft 2020-12, all errors, strict about unknown keywords. */
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);

/** Compiled validators by definition: compiled once, when the catalogue loads (or on first use). */
const validators = new WeakMap<EventTypeDefinition, ValidateFunction>();

function compile(type: EventTypeDefinition): ValidateFunction | undefined {
  if (!type.schema) return undefined;
  let validate = validators.get(type);
  if (!validate) {
    validate = ajv.compile(type.schema);
    validators.set(type, validate);
  }
  return validate;
}

/** The event-type catalogue, read from `src/catalog/event-types.json` (or `file`); every schema is compiled here, so a broken one fails at start. */
export function loadCatalogue(file: URL | string = DEFAULT_FILE): EventTypeDefinition[] {
  const path = typeof file === 'string' ? file : fileURLToPath(file);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`event-type catalogue ${path}: ${(err as Error).message}`);
  }
  const parsed = CatalogueFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`event-type catalogue ${path} is invalid:\n${problems}`);
  }
  const types = parsed.data.event_types as EventTypeDefinition[];
  const seen = new Set<string>();
  for (const type of types) {
    if (seen.has(type.name)) throw new Error(`event-type catalogue ${path}: "${type.name}" is listed twice`);
    seen.add(type.name);
    try {
      compile(type);
    } catch (err) {
      throw new Error(`event-type catalogue ${path}: the schema of "${type.name}" is not a valid JSON Schema (draft 2020-12): ${(err as Error).message}`);
    }
  }
  return types;
}

/** At most this many problems are reported for one event. */
const MAX_ISSUES = 50;

/**
 * Checks event `data` against its type's schema. Returns the problems as 422 `detail` items
 * (`loc` from `['body', 'data']` down to the offending value); none when the type has no schema.
 */
export function validateEventData(type: EventTypeDefinition, data: unknown): ValidationIssue[] {
  const validate = compile(type);
  if (!validate || validate(data)) return [];
  return (validate.errors ?? []).slice(0, MAX_ISSUES).map((error) => ({
    loc: ['body', 'data', ...locationOf(error, data)],
    msg: error.message ?? 'does not match the schema',
    type: `schema.${error.keyword}`,
  }));
}

/** The JSON Pointer of an ajv error as path segments: array indices as numbers, the missing or extra key appended. */
function locationOf(error: ErrorObject, data: unknown): (string | number)[] {
  const segments: (string | number)[] = [];
  let current: unknown = data;
  if (error.instancePath) {
    for (const raw of error.instancePath.slice(1).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (Array.isArray(current)) {
        segments.push(Number(key));
        current = current[Number(key)];
      } else {
        segments.push(key);
        current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined;
      }
    }
  }
  const params = error.params as Record<string, unknown>;
  const child = params.missingProperty ?? params.additionalProperty ?? params.unevaluatedProperty ?? params.propertyName;
  if (typeof child === 'string') segments.push(child);
  return segments;
}
