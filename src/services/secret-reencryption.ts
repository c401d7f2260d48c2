import type { EntityManager } from '@mikro-orm/postgresql';
import { SealedValueError, sealedIn, type SealContext, type SealedColumn, type SecretBox } from '../delivery/secrets.js';

/** What `reencryptSealedValues` did, value by value. */
export interface ReencryptionReport {
  endpointSecrets: number;
  previousEndpointSecrets: number;
  idempotencyResponses: number;
  /** Values already sealed as v2 under the newest key (opened to check them, left as they are). */
  alreadyCurrent: number;
  /** Values that could not be opened: where they are and why, never their content. */
  failures: { at: string; reason: string }[];
}

type Counter = 'endpointSecrets' | 'previousEndpointSecrets' | 'idempotencyResponses';

/** One sealed value of a row: where it lives and which count it adds to. */
interface SealedValue {
  counter: Counter;
  context: SealContext;
  sealed: string;
}

/** The sealed values of one table, read by keyset pages and rewritten row by row under a row lock. */
interface SealedTable {
  /** A page of rows after `afterId`, each with its sealed values. */
  page(em: EntityManager, afterId: string, limit: number): Promise<{ id: string; values: SealedValue[] }[]>;
  /** The row's sealed values read under `for update`, inside the caller's transaction. */
  lock(tx: EntityManager, id: string): Promise<SealedValue[]>;
  /** Writes the replacements (by column) of the locked row. */
  write(tx: EntityManager, id: string, replacements: Map<SealedColumn, string>): Promise<void>;
}

interface EndpointRow {
  id: string;
  secret_sealed: string;
  previous_secret_sealed: string | null;
}

function endpointValues(row: EndpointRow): SealedValue[] {
  const values: SealedValue[] = [{ counter: 'endpointSecrets', context: sealedIn.endpointSecret(row.id), sealed: row.secret_sealed }];
  if (row.previous_secret_sealed !== null) {
    values.push({ counter: 'previousEndpointSecrets', context: sealedIn.previousEndpointSecret(row.id), sealed: row.previous_secret_sealed });
  }
  return values;
}

// Raw SQL rather than entities: re-encryption changes no field a client sees (not `updated_at`).
const endpoints: SealedTable = {
  async page(em, afterId, limit) {
    const rows = await em.execute<EndpointRow[]>(
      `select id, secret_sealed, previous_secret_sealed from endpoints where id > ? order by id limit ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, values: endpointValues(row) }));
  },
  async lock(tx, id) {
    const [row] = await tx.execute<EndpointRow[]>(`select id, secret_sealed, previous_secret_sealed from endpoints where id = ? for update`, [id]);
    return row ? endpointValues(row) : [];
  },
  async write(tx, id, replacements) {
    await tx.execute(
      `update endpoints set secret_sealed = coalesce(?, secret_sealed), previous_secret_sealed = coalesce(?, previous_secret_sealed) where id = ?`,
      [replacements.get('endpoints.secret') ?? null, replacements.get('endpoints.previous_secret') ?? null, id],
    );
  },
};

interface IdempotencyRow {
  id: string;
  sealed: string;
}

const idempotencyValues = (row: IdempotencyRow): SealedValue[] => [
  { counter: 'idempotencyResponses', context: sealedIn.idempotencyResponse(row.id), sealed: row.sealed },
];

const idempotencyRecords: SealedTable = {
  async page(em, afterId, limit) {
    const rows = await em.execute<IdempotencyRow[]>(
      `select id, response_body->>'sealed' as sealed from idempotency_records
        where id > ? and response_body->>'sealed' is not null order by id limit ?`,
      [afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, values: idempotencyValues(row) }));
  },
  async lock(tx, id) {
    const [row] = await tx.execute<IdempotencyRow[]>(
      `select id, response_body->>'sealed' as sealed from idempotency_records
        where id = ? and response_body->>'sealed' is not null for update`,
      [id],
    );
    return row ? idempotencyValues(row) : [];
  },
  async write(tx, id, replacements) {
    const sealed = replacements.get('idempotency.response');
    if (sealed === undefined) return;
    await tx.execute(`update idempotency_records set response_body = jsonb_set(response_body, '{sealed}', to_jsonb(?::text)) where id = ?`, [
      sealed,
      id,
    ]);
  },
};

const where = (value: SealedValue) => `${value.context.column}:${value.context.rowId}`;

/**
 * Seals every sealed value in the database (endpoint secrets, previous endpoint secrets, stored
 * idempotent responses) as v2 under the newest key of `box`, so older keys can leave the ring.
 * Rows are read in pages of `batchSize`; a row that needs work is rewritten in its own short
 * transaction, locked as a secret rotation locks it, so the two cannot lose each other's write.
 * Values already current are opened (proving they still decrypt) and left alone, which makes a
 * second run harmless. A value that cannot be opened is reported and skipped, not fatal.
 */
export async function reencryptSealedValues(em: EntityManager, box: SecretBox, options: { batchSize?: number } = {}): Promise<ReencryptionReport> {
  const batchSize = options.batchSize ?? 100;
  const report: ReencryptionReport = { endpointSecrets: 0, previousEndpointSecrets: 0, idempotencyResponses: 0, alreadyCurrent: 0, failures: [] };

  /** The plaintext of a value, or undefined (and a recorded failure) when it does not open. */
  const open = (value: SealedValue): string | undefined => {
    try {
      return box.decrypt(value.sealed, value.context);
    } catch (err) {
      if (!(err instanceof SealedValueError)) throw err;
      report.failures.push({ at: where(value), reason: err.message });
      return undefined;
    }
  };

  for (const table of [endpoints, idempotencyRecords]) {
    let afterId = '';
    for (;;) {
      const rows = await table.page(em, afterId, batchSize);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.values.every((value) => box.isCurrent(value.sealed))) {
          for (const value of row.values) if (open(value) !== undefined) report.alreadyCurrent++;
          continue;
        }
        const done = await em.transactional(async (tx) => {
          // Read again under the lock: a rotation may have rewritten the row since the page was read.
          const counts: Counter[] = [];
          let current = 0;
          const replacements = new Map<SealedColumn, string>();
          for (const value of await table.lock(tx, row.id)) {
            if (box.isCurrent(value.sealed)) {
              if (open(value) !== undefined) current++;
              continue;
            }
            const plaintext = open(value);
            if (plaintext === undefined) continue;
            replacements.set(value.context.column, box.encrypt(plaintext, value.context));
            counts.push(value.counter);
          }
          if (replacements.size > 0) await table.write(tx, row.id, replacements);
          return { counts, current };
        });
        for (const counter of done.counts) report[counter]++;
        report.alreadyCurrent += done.current;
      }
      afterId = rows[rows.length - 1]!.id;
    }
  }
  return report;
}
