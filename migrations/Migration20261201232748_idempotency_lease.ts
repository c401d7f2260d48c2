import { Migration } from '@mikro-orm/migrations';

export class Migration20261201232748_idempotency_lease extends Migration {

  override name = 'Migration20261201232748_idempotency_lease';

  override up(): void | Promise<void> {
    this.addSql(`alter table "idempotency_records" add "locked_at" timestamptz null, add "claim_token" varchar(32) null, add "resource_id" varchar(40) null;`);
    // Claims made before the lease existed: their lease runs from when they were made, so one left
    // `running` by a request that died is taken over by the next retry.
    this.addSql(`update "idempotency_records" set "locked_at" = "created_at", "claim_token" = md5("id");`);
    this.addSql(`alter table "idempotency_records" alter column "locked_at" set not null, alter column "claim_token" set not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "idempotency_records" drop column "locked_at", drop column "claim_token", drop column "resource_id";`);
  }

}
