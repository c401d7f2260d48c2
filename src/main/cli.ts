/**
 * Tenants, API keys and the re-encryption of secrets at rest from the command line:
 * `npm run cli -- <command>`. Works on DATABASE_URL, or on the embedded database in
 * HOOKLINE_DATA_DIR (through a running `npm start` when there is one). Exit codes: 0 done,
 * 1 failed, 2 bad usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { runningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from '../db/embedded.js';
import { ENVIRONMENTS, SCOPES, Tenant, type Environment, type Scope } from '../db/entities/index.js';
import { createOrm, migrate, type Orm } from '../db/orm.js';
import { createApiKey, createTenant, listApiKeys, listTenants, revokeApiKey } from '../services/api-keys.js';
import { AppError, failed, notFound } from '../services/errors.js';
import { reencryptSealedValues } from '../services/secret-reencryption.js';
import { secretBoxFor } from './key-ring.js';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  tenants create <id> [--name <name>] [--partner <partner id>]
  tenants list
  keys create --tenant <id> [--env test|live] [--scopes <scope>,…] [--name <name>]
      scopes: ${SCOPES.join(', ')} (default: manage_webhooks,publish_events); env default: test
  keys list --tenant <id>
  keys revoke <key id>
  secrets reencrypt [--batch-size <rows>]
      seals every stored secret again under the first key of HOOKLINE_ENCRYPTION_KEYS
      (the embedded database: its generated key); run it after putting a new key first

Uses DATABASE_URL, else the embedded database in HOOKLINE_DATA_DIR (default .hookline/).`;

/** Bad command line: the usage is printed and the exit code is 2. */
class UsageError extends Error {}

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function slug(value: string | undefined, what: string): string {
  if (value === undefined || !SLUG.test(value)) {
    throw new UsageError(`${what} must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
  return value;
}

function displayName(value: string | undefined): string | undefined {
  if (value !== undefined && (value.trim() === '' || value.length > 200)) throw new UsageError('--name must be 1–200 characters');
  return value;
}

function environmentOf(value: string | undefined): Environment {
  if (value === undefined) return 'test';
  if (!(ENVIRONMENTS as readonly string[]).includes(value)) throw new UsageError(`--env must be one of: ${ENVIRONMENTS.join(', ')}`);
  return value as Environment;
}

function scopesOf(value: string | undefined): Scope[] {
  if (value === undefined) return ['manage_webhooks', 'publish_events'];
  const names = [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
  const unknown = names.filter((name) => !(SCOPES as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new UsageError(`--scopes takes a comma-separated list of: ${SCOPES.join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  return names as Scope[];
}

/** Parses one command's flags; an unknown flag or a wrong number of arguments is a UsageError. */
function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(positionals === 0 ? 'unexpected argument' : `expected ${positionals} argument(s)`);
  }
  return parsed;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

type Command = (args: string[], db: () => Promise<Orm>) => Promise<void>;

const COMMANDS: Record<string, Record<string, Command>> = {
  tenants: {
    async create(args, db) {
      const { values, positionals } = parse(args, { name: { type: 'string' }, partner: { type: 'string' } }, 1);
      const id = slug(positionals[0], 'tenant id');
      const partnerId = values.partner === undefined ? undefined : slug(values.partner, '--partner');
      const name = displayName(values.name);
      const tenant = await createTenant((await db()).em.fork(), { id, name, partnerId });
      console.log(`Created tenant ${tenant.id}${tenant.partnerId ? ` (partner ${tenant.partnerId})` : ''}.`);
    },
    async list(args, db) {
      parse(args, {}, 0);
      const tenants = await listTenants((await db()).em.fork());
      if (tenants.length === 0) return console.log('No tenants.');
      console.log(
        table([
          ['ID', 'NAME', 'PARTNER', 'CREATED'],
          ...tenants.map((t) => [t.id, t.name, t.partnerId ?? '-', t.createdAt.toISOString()]),
        ]),
      );
    },
  },
  keys: {
    async create(args, db) {
      const { values } = parse(
        args,
        { tenant: { type: 'string' }, env: { type: 'string' }, scopes: { type: 'string' }, name: { type: 'string' } },
        0,
      );
      if (values.tenant === undefined) throw new UsageError('--tenant is required');
      const tenantId = slug(values.tenant, '--tenant');
      const environment = environmentOf(values.env);
      const scopes = scopesOf(values.scopes);
      const name = displayName(values.name);
      const em = (await db()).em.fork();
      if (!(await em.findOne(Tenant, { id: tenantId }))) {
        throw notFound('tenant', `tenant "${tenantId}" does not exist (create it with: tenants create ${tenantId})`);
      }
      const { id, key } = await createApiKey(em, { tenantId, environment, scopes, name }, {
        tenantId,
        environment,
        scopes: [],
        name: 'cli',
        requestId: null,
      });
      console.log(
        [
          `Created API key ${id} for tenant ${tenantId} (${environment}; scopes: ${scopes.join(', ')}).`,
          '',
          `  ${key}`,
          '',
          'Store it now: this key cannot be shown again.',
        ].join('\n'),
      );
    },
    async list(args, db) {
      const { values } = parse(args, { tenant: { type: 'string' } }, 0);
      if (values.tenant === undefined) throw new UsageError('--tenant is required');
      const keys = await listApiKeys((await db()).em.fork(), slug(values.tenant, '--tenant'));
      if (keys.length === 0) return console.log(`No API keys for tenant ${values.tenant}.`);
      console.log(
        table([
          ['ID', 'PREFIX', 'ENV', 'SCOPES', 'NAME', 'CREATED', 'REVOKED'],
          ...keys.map((k) => [
            k.id,
            `${k.prefix}…`,
            k.environment,
            k.scopes.join(','),
            k.name ?? '-',
            k.createdAt.toISOString(),
            k.revokedAt?.toISOString() ?? '-',
          ]),
        ]),
      );
    },
    async revoke(args, db) {
      const { positionals } = parse(args, {}, 1);
      const id = positionals[0]!;
      if (id.length > 64) throw new UsageError('key id is too long');
      const { alreadyRevoked } = await revokeApiKey((await db()).em.fork(), id, 'cli');
      console.log(alreadyRevoked ? `API key ${id} was already revoked.` : `Revoked API key ${id}.`);
    },
  },
  secrets: {
    async reencrypt(args, db) {
      const { values } = parse(args, { 'batch-size': { type: 'string' } }, 0);
      const batchSize = values['batch-size'] === undefined ? 100 : Number(values['batch-size']);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new UsageError('--batch-size must be 1–10000');
      const config = loadConfig();
      // The embedded database was sealed with the key `npm start` generated into the data directory.
      const box = secretBoxFor(config, config.databaseUrl === undefined);
      const report = await reencryptSealedValues((await db()).em.fork(), box, { batchSize });
      console.log(
        `Re-encrypted ${report.endpointSecrets} endpoint secrets, ${report.previousEndpointSecrets} previous endpoint secrets, ` +
          `${report.idempotencyResponses} idempotency responses under key "${box.currentKeyId}"; ${report.alreadyCurrent} already current.`,
      );
      // Each reason names its row already.
      for (const failure of report.failures) console.error(`Not re-encrypted: ${failure.reason}`);
      if (report.failures.length > 0) {
        throw failed('reencrypt_failed', `${report.failures.length} sealed values could not be opened and were left as they are`);
      }
    },
  },
};

async function main(argv: string[]): Promise<number> {
  const [group, action, ...args] = argv;
  if (group === undefined || group === 'help' || group === '--help' || group === '-h') {
    console.log(USAGE);
    return group === undefined ? 2 : 0;
  }
  const command = COMMANDS[group]?.[action ?? ''];
  if (!command) {
    console.error(`Unknown command: ${[group, action].filter(Boolean).join(' ')}\n\n${USAGE}`);
    return 2;
  }

  let orm: Orm | undefined;
  let embedded: EmbeddedPostgres | undefined;
  const db = async () => {
    if (!orm) {
      const config = loadConfig();
      // A running `npm start` serves the embedded database: use it rather than open its files twice.
      const url = config.databaseUrl ?? runningEmbeddedPostgres(config.dataDir);
      embedded = url ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
      // openDatabase (runtime.ts) without loading the Temporal SDK: applies pending migrations first.
      orm = await createOrm(url ?? embedded!.url, { max: 1 });
      await migrate(orm);
    }
    return orm;
  };
  try {
    await command(args, db);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    if (err instanceof AppError) {
      console.error(`Error: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await orm?.close();
    await embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
