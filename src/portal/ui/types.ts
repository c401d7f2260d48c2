// The API's JSON as the page reads it: mirrors src/schemas/{endpoints,deliveries,events}.ts and
// the portal session of notes/portal-contract.md. Kept by hand because the page is built for the
// browser and the schemas are zod modules for Node.

export interface PortalSession {
  id: string;
  tenant_id: string;
  environment: string;
  read_only: boolean;
  event_types: string[] | null;
  return_url: string | null;
  expires_at: string;
}

export type EndpointStatus = 'active' | 'paused' | 'disabled';

export interface Endpoint {
  id: string;
  object: 'endpoint';
  name: string | null;
  url: string;
  description: string | null;
  event_types: string[];
  headers: Record<string, string>;
  timeout_seconds: number;
  status: EndpointStatus;
  active: boolean;
  disabled_reason: string | null;
  paused_at: string | null;
  verification: { status: 'pending' | 'verified' | 'failed'; verified_at: string | null; reason: string | null };
  metadata: Record<string, unknown>;
  rate_limit_per_second: number | null;
  created_at: string;
  updated_at: string;
}

export interface EndpointWithSecret extends Endpoint {
  signing_secret: string;
}

export interface EndpointSecretRotated extends EndpointWithSecret {
  previous_secret_expires_at: string | null;
}

/** What create and update take (src/schemas/endpoints.ts, the fields a customer sets). */
export interface EndpointInput {
  url?: string;
  name?: string | null;
  description?: string | null;
  event_types?: string[];
  headers?: Record<string, string>;
  timeout_seconds?: number;
  status?: EndpointStatus;
  rate_limit_per_second?: number | null;
}

export interface EndpointStats {
  object: 'endpoint_stats';
  endpoint_id: string;
  window: string;
  since: string;
  counts: Record<DeliveryStatus, number>;
  total: number;
  success_rate: number | null;
  attempts: { count: number; latency_ms: { p50: number | null; p95: number | null; p99: number | null } };
  last_success_at: string | null;
  last_failure_at: string | null;
  /** The window in equal buckets, oldest first: each bucket's attempts. */
  series: StatsBucket[];
}

export interface StatsBucket {
  start: string;
  attempts: number;
  succeeded: number;
  success_rate: number | null;
  latency_ms: { p50: number | null; p95: number | null };
}

export interface VerificationResult {
  verified: boolean;
  reason?: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead_letter';

export interface Delivery {
  id: string;
  object: 'delivery';
  event_id: string;
  endpoint_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: string | null;
  last_response_status: number | null;
  delivered_at: string | null;
  replay_of: string | null;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
  links: { temporal_ui: string | null };
}

export interface Attempt {
  id: string;
  attempt: number;
  started_at: string;
  duration_ms: number;
  request_headers: Record<string, string>;
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  error: string | null;
  error_code: string | null;
}

export interface DeliveryDetail extends Delivery {
  payload: unknown;
  attempts: Attempt[];
}

export interface EventType {
  name: string;
  description: string;
  schema?: Record<string, unknown>;
}

export interface List<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface ErrorDetail {
  loc: (string | number)[];
  msg: string;
  type: string;
}
