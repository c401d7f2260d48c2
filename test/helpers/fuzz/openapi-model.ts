import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** One parameter of an operation, as the document declares it. */
export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export type JsonSchema = Record<string, any>;

/** One operation of the document: a method on a path template. */
export interface Operation {
  method: string;
  /** OpenAPI path template, e.g. `/manage/v1/webhooks/endpoints/{id}`. */
  template: string;
  operationId: string;
  parameters: Parameter[];
  /** The JSON body schema, when the operation takes one. */
  body?: { required: boolean; schema: JsonSchema };
  /** Documented statuses, as strings (`"200"`, `"422"`). */
  statuses: string[];
  /** Whether the operation needs a bearer token. */
  authenticated: boolean;
}

/** The served OpenAPI document, read for what a fuzzer needs: operations, schemas and a validator. */
export class OpenApiModel {
  readonly operations: Operation[];
  private readonly ajv: Ajv2020;
  private readonly validators = new Map<string, ValidateFunction | null>();
  private readonly matchers: { template: string; regex: RegExp; names: string[] }[];
  private static readonly DOCUMENT_ID = 'https://hookline.invalid/openapi.json';

  constructor(readonly document: any) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    // The whole document as one schema resource, so that `#/components/…` references inside
    // response schemas resolve against it.
    this.ajv.addSchema({ $id: OpenApiModel.DOCUMENT_ID, paths: document.paths, components: document.components });
    this.operations = Object.entries<any>(document.paths).flatMap(([template, item]) =>
      Object.entries<any>(item)
        .filter(([method]) => (HTTP_METHODS as readonly string[]).includes(method))
        .map(([method, op]) => this.operationOf(template, method, op)),
    );
    // As @koa/router matches: case-insensitive, an optional trailing slash, a parameter is one
    // non-empty segment.
    this.matchers = Object.keys(document.paths).map((template) => ({
      template,
      names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
      regex: new RegExp(
        `^${template
          .split(/\{[^}]+\}/)
          .map((literal) => literal.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('([^/]+)')}/?$`,
        'i',
      ),
    }));
  }

  /**
   * The path template a raw request path (without its query) is served by, if any, with its
   * parameters decoded as the router decodes them (undecodable text is kept as sent).
   */
  match(rawPath: string): { template: string; params: Record<string, string> } | undefined {
    for (const m of this.matchers) {
      const found = m.regex.exec(rawPath);
      if (!found) continue;
      const params = Object.fromEntries(m.names.map((name, i) => [name, safeDecode(found[i + 1]!)]));
      return { template: m.template, params };
    }
    return undefined;
  }

  /** The methods the document lists for a template, upper case. */
  methodsOf(template: string): string[] {
    return Object.keys(this.document.paths[template] ?? {})
      .filter((m) => (HTTP_METHODS as readonly string[]).includes(m))
      .map((m) => m.toUpperCase());
  }

  operation(method: string, template: string): Operation | undefined {
    return this.operations.find((o) => o.method === method.toLowerCase() && o.template === template);
  }

  /**
   * The validator of the JSON body an operation documents for a status, `null` when the status is
   * documented without a JSON body, `undefined` when the status is not documented at all.
   */
  responseValidator(op: Operation, status: number): ValidateFunction | null | undefined {
    const key = `${op.method} ${op.template} ${status}`;
    if (!this.validators.has(key)) {
      const pointer = this.responsePointer(op, String(status));
      if (pointer === undefined) return undefined;
      const response = this.resolve(pointer);
      const schemaPointer = response.content?.['application/json']?.schema ? `${pointer}/content/application~1json/schema` : undefined;
      this.validators.set(key, schemaPointer ? this.ajv.compile({ $ref: `${OpenApiModel.DOCUMENT_ID}#${schemaPointer}` }) : null);
    }
    return this.validators.get(key);
  }

  /** The validator of the document's one error shape (`#/components/schemas/Error`). */
  errorValidator(): ValidateFunction {
    const key = 'Error';
    if (!this.validators.get(key)) {
      this.validators.set(key, this.ajv.compile({ $ref: `${OpenApiModel.DOCUMENT_ID}#/components/schemas/Error` }));
    }
    return this.validators.get(key)!;
  }

  /** Follows `$ref`s (inside the document) until a schema or object without one. */
  deref<T extends Record<string, any>>(value: T): T {
    let current: any = value;
    for (let hops = 0; current && typeof current.$ref === 'string' && hops < 20; hops++) {
      current = this.resolve(current.$ref.slice(1));
    }
    return current;
  }

  errorsText(validate: ValidateFunction): string {
    return this.ajv.errorsText(validate.errors, { separator: '; ' });
  }

  private responsePointer(op: Operation, status: string): string | undefined {
    const base = `/paths/${escapePointer(op.template)}/${op.method}/responses/${status}`;
    let pointer = base;
    for (let hops = 0; hops < 20; hops++) {
      const response = this.resolve(pointer);
      if (response === undefined) return undefined;
      if (typeof response.$ref !== 'string') return pointer;
      pointer = response.$ref.slice(1);
    }
    return undefined;
  }

  private resolve(pointer: string): any {
    let value: any = this.document;
    for (const part of pointer.split('/').slice(1)) {
      value = value?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return value;
  }

  private operationOf(template: string, method: string, op: any): Operation {
    const parameters: Parameter[] = (op.parameters ?? []).map((p: any) => {
      const param = this.deref(p);
      return { name: param.name, in: param.in, required: !!param.required, schema: param.schema ?? {} };
    });
    const bodySchema = op.requestBody?.content?.['application/json']?.schema;
    return {
      method,
      template,
      operationId: op.operationId,
      parameters,
      ...(bodySchema && { body: { required: !!op.requestBody.required, schema: bodySchema } }),
      statuses: Object.keys(op.responses ?? {}),
      authenticated: Array.isArray(op.security) && op.security.length > 0,
    };
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapePointer(part: string): string {
  return part.replace(/~/g, '~0').replace(/\//g, '~1');
}
