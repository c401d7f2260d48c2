/**
 * Publishers for the fault suite: events paced over a stretch of time, so a fault can strike in
 * the middle, by a few concurrent clients that may retry the same request (same body, same
 * Idempotency-Key) until the API accepts it. Every answer is tallied, failures included.
 */
import type { ApiClient } from '../bench/api-client.js';
import { sleep } from '../bench/lifecycle.js';

/** The API's answers by status; `no answer` when the request got none (refused, reset). */
export class Answers {
  private readonly counts = new Map<string, number>();

  add(answer: number | 'no answer'): void {
    this.counts.set(String(answer), (this.counts.get(String(answer)) ?? 0) + 1);
  }

  /** Adds every answer of `other`. */
  merge(other: Answers): void {
    for (const [k, n] of other.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  /** How many answers had `status`. */
  count(status: number | 'no answer'): number {
    return this.counts.get(String(status)) ?? 0;
  }

  /** True when every answer was a 2xx. */
  allAccepted(): boolean {
    return [...this.counts.keys()].every((k) => /^2\d\d$/.test(k));
  }

  toString(): string {
    const entries = [...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0 ? 'nothing' : entries.map(([k, n]) => `${k}×${n}`).join(', ');
  }
}

export interface Publication {
  seq: number;
  /** The stored event's id, once a 2xx said so. */
  eventId: string | undefined;
  /** Deliveries the accepting answer reported. */
  deliveries: number;
  /** Requests sent for this event (1 without retries). */
  tries: number;
  /** performance.now() of the accepting answer (NaN without one). */
  acceptedAt: number;
}

export interface PublishOptions {
  count: number;
  /** Clients publishing at once. */
  concurrency: number;
  /** The events' due times are spread evenly over this long. */
  spreadMs: number;
  body(seq: number): object;
  /** Extra headers of every request of event `seq` (the same on each retry). */
  headers?(seq: number): Record<string, string>;
  /**
   * How long a client keeps retrying one event on no answer, 409, 429 or 5xx, with backoff;
   * 0 sends each event once.
   */
  retryForMs?: number;
}

export interface Publishing {
  /** Events accepted so far. */
  accepted(): number;
  answers: Answers;
  /** Settles once every event was accepted or given up on. */
  done: Promise<Publication[]>;
}

const RETRYABLE = (status: number) => status === 0 || status === 409 || status === 429 || status >= 500;
const FIRST_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 2000;

async function publishOne(api: ApiClient, seq: number, options: PublishOptions, answers: Answers): Promise<Publication> {
  const giveUpAt = Date.now() + (options.retryForMs ?? 0);
  let backoff = FIRST_BACKOFF_MS;
  for (let tries = 1; ; tries++) {
    let status = 0;
    let body: { id?: unknown; deliveries?: unknown } | undefined;
    try {
      const res = await api.call('POST', '/events', options.body(seq), options.headers?.(seq));
      status = res.status;
      body = res.body as typeof body;
    } catch {
      // Refused or reset: the API is down or died mid-request.
    }
    answers.add(status === 0 ? 'no answer' : status);
    if (status >= 200 && status < 300 && typeof body?.id === 'string') {
      return { seq, eventId: body.id, deliveries: Number(body.deliveries), tries, acceptedAt: performance.now() };
    }
    if (!RETRYABLE(status) || Date.now() + backoff > giveUpAt) return { seq, eventId: undefined, deliveries: 0, tries, acceptedAt: NaN };
    await sleep(backoff);
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
  }
}

/** Starts publishing `count` events; event `seq` is sent no earlier than its share of `spreadMs`. */
export function startPublishing(api: ApiClient, options: PublishOptions): Publishing {
  const answers = new Answers();
  const publications: Publication[] = [];
  let next = 0;
  let accepted = 0;
  const startedAt = Date.now();
  const interval = options.spreadMs / options.count;
  const client = async () => {
    for (let seq = next++; seq < options.count; seq = next++) {
      await sleep(startedAt + seq * interval - Date.now());
      const publication = await publishOne(api, seq, options, answers);
      if (publication.eventId) accepted++;
      publications.push(publication);
    }
  };
  const done = Promise.all(Array.from({ length: options.concurrency }, client)).then(() => publications.sort((a, b) => a.seq - b.seq));
  return { accepted: () => accepted, answers, done };
}
