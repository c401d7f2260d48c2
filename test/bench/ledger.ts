/**
 * The run's exact ledger: every delivery the API accepted (a 2xx POST /events × the endpoints
 * subscribed to its type) is either received, once or more, or missing. Anything missing at the
 * end, any POST that was not a 2xx, and any bad signature fails the run.
 */
import type { Publication } from './load-generator.js';
import type { Receiver } from './receiver.js';

/** Failure messages kept for the report; the rest are counted only. */
const KEPT_FAILURES = 10;

export interface LedgerTotals {
  published: number;
  delivered: number;
  missing: number;
  duplicates: number;
  postsAccepted: number;
  postFailures: number;
  /** Responses by HTTP status ("0" for no response at all). */
  statusCodes: Record<string, number>;
  /** Accepted events whose reported fan-out was not the number of subscribed endpoints. */
  fanoutMismatches: number;
  failureSamples: string[];
}

export class Ledger {
  private readonly accepted: { eventId: string; paths: readonly string[] }[] = [];
  private readonly statusCodes: Record<string, number> = {};
  private postFailures = 0;
  private fanoutMismatches = 0;
  private readonly failureSamples: string[] = [];

  /** Books one publication to the endpoints (receiver paths) subscribed to its event type. */
  record(pub: Publication, paths: readonly string[], label: string): void {
    this.statusCodes[String(pub.status)] = (this.statusCodes[String(pub.status)] ?? 0) + 1;
    if (!pub.eventId) {
      this.postFailures++;
      this.keep(`${label} #${pub.seq}: ${pub.error ?? 'no event id'}`);
      return;
    }
    this.accepted.push({ eventId: pub.eventId, paths });
    if (pub.deliveries !== paths.length) {
      this.fanoutMismatches++;
      this.keep(`${label} #${pub.seq}: the API reported ${pub.deliveries} deliveries, ${paths.length} endpoints subscribe`);
    }
  }

  /** Receiver paths of every accepted delivery not received yet. */
  missingKeys(receiver: Receiver): { eventId: string; path: string }[] {
    const missing: { eventId: string; path: string }[] = [];
    for (const { eventId, paths } of this.accepted) {
      for (const path of paths) if (!receiver.receipt(eventId, path)) missing.push({ eventId, path });
    }
    return missing;
  }

  totals(receiver: Receiver): LedgerTotals {
    let published = 0;
    let delivered = 0;
    let duplicates = 0;
    for (const { eventId, paths } of this.accepted) {
      for (const path of paths) {
        published++;
        const receipt = receiver.receipt(eventId, path);
        if (receipt) {
          delivered++;
          duplicates += receipt.count - 1;
        }
      }
    }
    return {
      published,
      delivered,
      missing: published - delivered,
      duplicates,
      postsAccepted: this.accepted.length,
      postFailures: this.postFailures,
      statusCodes: { ...this.statusCodes },
      fanoutMismatches: this.fanoutMismatches,
      failureSamples: [...this.failureSamples],
    };
  }

  private keep(message: string): void {
    if (this.failureSamples.length < KEPT_FAILURES) this.failureSamples.push(message);
  }
}
