import { z } from 'zod';
import type { Tool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Scope } from '../db/entities/index.js';
import type { Actor } from '../services/actor.js';
import { invalid, toValidationIssues, type ValidationIssue } from '../services/errors.js';
import type { Services } from '../services/index.js';
import { IdParamsSchema } from '../schemas/common.js';
import { findUnsafeInput } from '../validation/input-safety.js';

/** The argument that carries a REST route's path id, named after what it identifies. */
export type IdArgument = 'endpoint_id' | 'delivery_id';

const ID_DESCRIPTIONS: Record<IdArgument, string> = {
  endpoint_id: 'The endpoint id (ep_…)',
  delivery_id: 'The delivery id (dlv_…)',
};

/** What a tool's `run` gets: the services of this call, the caller, and its validated arguments. */
export type ToolCall<I, K extends IdArgument | undefined> = {
  services: Services;
  actor: Actor;
  /** The route's body or query, parsed by the route's own schema. */
  input: I;
} & (K extends IdArgument ? { /** The route's path id. */ id: string } : unknown);

export interface ToolSpec<S extends z.ZodType, K extends IdArgument | undefined> {
  name: string;
  title: string;
  description: string;
  /** The REST route the tool stands for, e.g. `GET /manage/v1/webhooks/endpoints/{id}`. */
  route: string;
  /** The scope of that route (`admin` implies every scope). */
  scope: Scope;
  /** The route's path id, if it has one, as this argument. */
  idArgument?: K;
  /** The route's body or query schema; its fields are the tool's other arguments. */
  input?: S;
  /** The route's success response schema: the tool's structured result. */
  output: z.ZodType;
  annotations?: ToolAnnotations;
  /** Calls the services the REST handler calls and returns the JSON the route returns. */
  run(call: ToolCall<z.infer<S>, K>): Promise<Record<string, unknown>>;
}

export type McpTool = ToolSpec<z.ZodType, IdArgument | undefined>;

/** Declares a tool; `run`'s argument is typed from `input` and `idArgument`. */
export function defineTool<S extends z.ZodType = z.ZodUndefined, K extends IdArgument | undefined = undefined>(
  spec: ToolSpec<S, K>,
): McpTool {
  return spec as unknown as McpTool;
}

/** Tools without a body or query take no arguments besides their id. */
const NoArguments = z.object({}).strict();

/** The object inside `.optional()` / `.default({})` wrappers of a body schema. */
function objectOf(schema: z.ZodType): z.ZodObject {
  let current: z.ZodType = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
    current = current.unwrap() as z.ZodType;
  }
  if (!(current instanceof z.ZodObject)) throw new Error(`tool input must be an object schema, got ${current.def.type}`);
  return current;
}

/** JSON Schema draft-07, as the MCP SDK's own server emits: widest client support. */
const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { target: 'draft-7', io, unrepresentable: 'any' }) as Tool['inputSchema'];

/** The tool as `tools/list` shows it: the id argument and the route schema's fields in one object. */
export function describeTool(tool: McpTool): Tool {
  const id = tool.idArgument ? { [tool.idArgument]: IdParamsSchema.shape.id.describe(ID_DESCRIPTIONS[tool.idArgument]) } : {};
  const args = z.object({ ...id, ...objectOf(tool.input ?? NoArguments).shape }).strict();
  return {
    name: tool.name,
    title: tool.title,
    description: `${tool.description}\n\nREST: ${tool.route}. Needs the "${tool.scope}" scope.`,
    inputSchema: jsonSchema(args, 'input'),
    outputSchema: jsonSchema(tool.output, 'output'),
    annotations: { openWorldHint: false, ...tool.annotations },
  };
}

/**
 * A 422 location in terms of the tool's arguments: the REST route's `body.url`, `query.status`
 * and `params.id` are the tool's `url`, `status` and `endpoint_id`.
 */
export function toolLocation(loc: (string | number)[], idArgument: IdArgument | undefined): (string | number)[] {
  const [part, ...rest] = loc;
  if (part === 'params' && rest[0] === 'id' && idArgument) return ['arguments', idArgument, ...rest.slice(1)];
  if (part === 'body' || part === 'query' || part === 'params') return ['arguments', ...rest];
  return loc;
}

/**
 * Validates a call's arguments with the route's own schemas: the id as the route validates its
 * path, the rest as its body or query. Failures are the API's 422 (`toolLocation` turns its
 * `params` / `body` locations into argument names).
 */
export function parseArguments(tool: McpTool, args: Record<string, unknown>): { id?: string; input: unknown } {
  // What PostgreSQL cannot store (NUL, lone surrogates) and over-deep JSON, as the REST API refuses them.
  const unsafe = findUnsafeInput(args);
  if (unsafe) throw invalid('request validation failed', [{ loc: ['arguments', ...unsafe.path], msg: unsafe.msg, type: unsafe.type }]);
  const rest = { ...args };
  const issues: ValidationIssue[] = [];
  let id: string | undefined;
  if (tool.idArgument) {
    const params = IdParamsSchema.safeParse({ id: rest[tool.idArgument] });
    delete rest[tool.idArgument];
    if (params.success) id = params.data.id;
    else issues.push(...toValidationIssues('params', params.error));
  }
  const input = (tool.input ?? NoArguments).safeParse(rest);
  if (!input.success) issues.push(...toValidationIssues('body', input.error));
  if (issues.length > 0) throw invalid('request validation failed', issues);
  return { id, input: input.data };
}
