import type { FuzzFixtures } from './fixtures.js';
import { abbreviate, toJsonText } from './hostile-values.js';
import type { OpenApiModel, Operation } from './openapi-model.js';
import { exchange, type RawRequest, type RawResponse } from './raw-http.js';
import { describePlan, type PlannedValue, type RequestPlan } from './request-plans.js';

/** How long one request may take: the slowest route (a verification handshake) answers well within it. */
const REQUEST_TIMEOUT_MS = 45_000;
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;
/** Text that only a leaked stack trace or database error would put in a body. */
const LEAKS = [/\n\s+at\s/, /node_modules\//, /\.ts:\d+:\d+/, /syntax error at or near/i, /violates .* constraint/i, /relation "[^"]+" does not exist/i, /invalid input syntax for/i, /out of range for type/i];

/** Counts of what the fuzz sent and what came back. */
export class Tally {
  requests = 0;
  readonly byStatus = new Map<number, number>();
  readonly byOperation = new Map<string, number>();

  add(operationId: string, status: number): void {
    this.requests++;
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1);
    this.byOperation.set(operationId, (this.byOperation.get(operationId) ?? 0) + 1);
  }

  get serverErrors(): number {
    return [...this.byStatus].filter(([status]) => status >= 500).reduce((n, [, count]) => n + count, 0);
  }

  /** One line: requests, count per status, 5xx count. */
  summary(seconds: number, seed: number): string {
    const statuses = [...this.byStatus].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
    return `fuzz: ${this.requests} requests in ${seconds.toFixed(1)} s (seed ${seed}); statuses ${statuses}; 5xx: ${this.serverErrors}`;
  }
}

/** The operations of the portal's API (`/portal/v1`), authenticated by a portal session token. */
const isPortalOperation = (operationId: string) => operationId.startsWith('portal') || operationId === 'getCurrentPortalSession';

/** Percent-encodes every byte but the unreserved ones; lone surrogates as their 3-byte (WTF-8) form. */
export function percentEncode(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    if (cp >= 0xd800 && cp <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      cp = (cp - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
      i++;
    }
    if (cp < 0x80 && /[A-Za-z0-9\-._~]/.test(String.fromCharCode(cp))) {
      out += String.fromCharCode(cp);
      continue;
    }
    const bytes =
      cp < 0x80
        ? [cp]
        : cp < 0x800
          ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
          : cp < 0x10000
            ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
            : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
    for (const b of bytes) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** What a plan became on the wire, with what the checks need to know about it. */
interface Sent {
  raw: RawRequest;
  /** The test tenant's key was sent, without cross-tenant filters: the answer is about its resources only. */
  ownTenantOnly: boolean;
  /** A path parameter is another tenant's id, or one of a deleted endpoint. */
  notOursInPath: boolean;
}

/**
 * Sends request plans and checks every answer: never a 5xx; errors in the document's error shape
 * with the request id of their `X-Request-Id`; successes documented for their operation and
 * matching its response schema; another tenant's or a deleted resource never answered with 2xx.
 */
export class FuzzRunner {
  readonly tally = new Tally();
  private inFlight: Promise<unknown> = Promise.resolve();
  private lateFailure: Error | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly model: OpenApiModel,
    private readonly fixtures: FuzzFixtures,
  ) {}

  /** Sends one plan and throws with a readable account of the exchange when an answer is wrong. */
  run(plan: RequestPlan): Promise<void> {
    const run = this.execute(plan);
    // A run still going when the time limit cuts the property off must not fail unseen.
    this.inFlight = run.catch((err: Error) => {
      this.lateFailure = err;
    });
    return run;
  }

  /**
   * Waits for the run the time limit may have cut off, and returns its failure if it had one that
   * fast-check did not see (its own report covers the others).
   */
  async settle(reportedFailure: boolean): Promise<Error | undefined> {
    await this.inFlight;
    const late = this.lateFailure;
    this.lateFailure = undefined;
    return reportedFailure ? undefined : late;
  }

  private async execute(plan: RequestPlan): Promise<void> {
    await this.fixtures.ensure();
    const sent = this.materialize(plan);
    // Copies go out together, so that races (two publishes of one event id, one Idempotency-Key
    // twice at once) happen too.
    const answers = await Promise.all(
      Array.from({ length: plan.copies }, () =>
        exchange(this.baseUrl, sent.raw, REQUEST_TIMEOUT_MS).catch((err: Error) => err),
      ),
    );
    const failures: string[] = [];
    for (const res of answers) {
      if (res instanceof Error) {
        failures.push(`no answer (${res.message}) to ${describeRaw(sent.raw)}`);
        continue;
      }
      this.tally.add(plan.operationId, res.status);
      const matched = this.model.match(sent.raw.path.split('?')[0]!);
      const problems = this.problems(sent, res, matched?.template);
      if (problems.length > 0) {
        failures.push(
          `${problems.join('\n')}\nrequest: ${describeRaw(sent.raw)}\nresponse: ${res.status} ${JSON.stringify(res.headers)} ${abbreviate(res.body.toString('utf8'), 1500)}`,
        );
      } else if (sent.ownTenantOnly) {
        this.fixtures.observe(sent.raw.method, matched?.template, matched?.params.id, res.status, parseJson(res.body));
      }
    }
    if (failures.length > 0) throw new Error(`${failures.join('\n\n')}\nplan: ${describePlan(plan)}`);
  }

  private materialize(plan: RequestPlan): Sent {
    const op = this.model.operations.find((o) => o.operationId === plan.operationId)!;
    let notOursInPath = false;
    const text = (value: PlannedValue, encode: (t: string) => string): string => {
      if ('id' in value) {
        const { owner, kind, index } = value.id;
        const id = this.fixtures.resolve(owner, kind, index);
        if (id !== undefined && owner !== 'own') notOursInPath ||= true;
        return encode(id ?? 'none_yet');
      }
      return value.raw ? value.text : encode(value.text);
    };
    let path = op.template.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const value = plan.params[name];
      return value ? text(value, percentEncode) : 'missing';
    });
    // Only path parameters decide whose resource a request names; queries are filters.
    const pathNamesNotOurs = notOursInPath;
    path += plan.pathSuffix;
    const query = plan.query.map(([key, value]) => `${percentEncode(key)}=${text(value, percentEncode)}`).join('&');
    if (query) path += `?${query}`;

    const headers: Record<string, string> = {};
    const authorization = this.authorization(plan);
    if (authorization !== undefined) headers.authorization = authorization;
    if (plan.contentType !== null) headers['content-type'] = plan.contentType;
    if (plan.idempotencyKey !== null) headers['idempotency-key'] = plan.idempotencyKey;
    if (plan.requestId !== null) headers['x-request-id'] = plan.requestId;
    const body =
      plan.body.kind === 'json'
        ? Buffer.from(toJsonText(plan.body.value), 'utf8')
        : plan.body.kind === 'text'
          ? Buffer.from(plan.body.text, 'utf8')
          : plan.body.kind === 'bytes'
            ? Buffer.from(plan.body.bytes)
            : undefined;
    return {
      raw: { method: plan.method, path, headers, ...(body && { body }), chunked: plan.chunked && body !== undefined },
      ownTenantOnly: (plan.auth === 'own' || plan.auth === 'admin') && !plan.query.some(([key]) => key === 'tenant_id' || key === 'partner_id'),
      notOursInPath: pathNamesNotOurs,
    };
  }

  private authorization(plan: RequestPlan): string | undefined {
    // The portal's routes take portal session tokens: the own tenant's, and its read-only one in
    // the admin key's place; every other token is refused there, as portal tokens are elsewhere.
    const portal = isPortalOperation(plan.operationId);
    switch (plan.auth) {
      case 'own':
        return `Bearer ${portal ? this.fixtures.portal.token : this.fixtures.tenant.apiKey}`;
      case 'admin':
        return `Bearer ${portal ? this.fixtures.portal.readOnlyToken : this.fixtures.admin.apiKey}`;
      case 'publish_only':
        return `Bearer ${this.fixtures.publishOnly.apiKey}`;
      case 'none':
        return undefined;
      case 'unknown_key':
        return `Bearer hk_test_${'x'.repeat(40)}`;
      case 'jwt':
        return 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwidGVuYW50X2lkIjoieCJ9.c2lnbmF0dXJl';
      case 'basic':
        return 'Basic dXNlcjpwYXNz';
      case 'malformed':
        return 'Bearer';
    }
  }

  private problems(sent: Sent, res: RawResponse, template: string | undefined): string[] {
    const problems: string[] = [];
    const method = sent.raw.method;
    if (res.status >= 500) problems.push(`a ${res.status} answer (the API must never fail with a 5xx)`);
    const requestId = header(res, 'x-request-id');
    if (!requestId) problems.push('no X-Request-Id header');
    const body = method === 'HEAD' ? undefined : parseJson(res.body);
    const parserAnswer = res.status === 431 || (res.status === 400 && (body as any)?.error?.message === 'malformed HTTP request');
    const sentId = sent.raw.headers['x-request-id'];
    if (requestId && sentId !== undefined && SANE_REQUEST_ID.test(sentId) && !parserAnswer && requestId !== sentId) {
      problems.push(`X-Request-Id ${requestId} is not the caller's ${sentId}`);
    }
    if (res.status === 405) {
      // RFC 9110: a 405 names the methods the resource does serve.
      problems.push(...(template ? this.allowProblems(res, template) : ['a 405 for a path the document does not have']));
    }
    if (method === 'HEAD') return problems;
    if (res.status >= 400) problems.push(...this.errorProblems(res, body, requestId));
    else if (res.status >= 200 && res.status < 300) problems.push(...this.successProblems(sent, res, body, template));
    return problems;
  }

  private errorProblems(res: RawResponse, body: unknown, requestId: string | undefined): string[] {
    const problems: string[] = [];
    if (!/^application\/json/.test(header(res, 'content-type') ?? '')) problems.push(`error answered as ${header(res, 'content-type') ?? 'no content type'}, not JSON`);
    if (body === undefined) return [...problems, 'error body is not JSON'];
    const validate = this.model.errorValidator();
    if (!validate(body)) problems.push(`error body does not match the Error schema: ${this.model.errorsText(validate)}`);
    const error = (body as { error?: { request_id?: unknown; type?: unknown; detail?: unknown } }).error;
    if (error && error.request_id !== requestId) problems.push(`error.request_id ${String(error.request_id)} is not the X-Request-Id ${requestId}`);
    if (error?.type === 'validation_error') {
      const detail = error.detail as { loc?: unknown[] }[] | undefined;
      if (!Array.isArray(detail) || detail.length === 0) problems.push('a validation_error without detail');
      else if (detail.some((d) => !['body', 'query', 'params'].includes(d.loc?.[0] as string))) problems.push('a detail loc that does not start with body, query or params');
    }
    const text = res.body.toString('utf8');
    for (const leak of LEAKS) if (leak.test(text)) problems.push(`error body leaks internals (${leak})`);
    return problems;
  }

  /** An OPTIONS answer, or a 405, names in `Allow` the methods the document lists for the path. */
  private allowProblems(res: RawResponse, template: string): string[] {
    const allowed = (header(res, 'allow') ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m && m !== 'HEAD' && m !== 'OPTIONS');
    const documented = this.model.methodsOf(template);
    return sameSet(allowed, documented) ? [] : [`Allow: [${allowed}] but the document lists [${documented}] for ${template}`];
  }

  private successProblems(sent: Sent, res: RawResponse, body: unknown, template: string | undefined): string[] {
    const method = sent.raw.method;
    if (!template) return [`a ${res.status} answer for a path the document does not have`];
    if (method === 'OPTIONS') return this.allowProblems(res, template);
    if (sent.ownTenantOnly && sent.notOursInPath && header(res, 'idempotent-replayed') !== 'true') {
      return [`a ${res.status} answer for another tenant's or a deleted resource`];
    }
    const op: Operation | undefined = this.model.operation(method, template);
    if (!op) return [`a ${res.status} answer to ${method}, which the document does not list for ${template}`];
    const validate = this.model.responseValidator(op, res.status);
    if (validate === undefined) return [`status ${res.status} is not documented for ${method} ${template} (documented: ${op.statuses.join(', ')})`];
    if (validate === null) return [];
    if (!/^application\/json/.test(header(res, 'content-type') ?? '')) return [`answered as ${header(res, 'content-type')}, not the documented JSON`];
    if (body === undefined) return ['the body is not JSON'];
    return validate(body) ? [] : [`the body does not match the documented ${res.status} schema: ${this.model.errorsText(validate)}`];
  }
}

function header(res: RawResponse, name: string): string | undefined {
  const value = res.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function describeRaw(raw: RawRequest): string {
  const body = raw.body ? abbreviate(raw.body.toString('utf8'), 600) : '';
  // Keys are left out of reports: the kind of credential is enough to reproduce a failure.
  const headers = { ...raw.headers, ...(raw.headers.authorization && { authorization: raw.headers.authorization.replace(/(hkp?_\w+?_).*/, '$1…') }) };
  return `${raw.method} ${abbreviate(raw.path, 300)} ${JSON.stringify(headers)}${raw.chunked ? ' (chunked)' : ''} ${body}`;
}
