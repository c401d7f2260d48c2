import { Migration } from '@mikro-orm/migrations';

export class Migration20261207231810_portal_sessions extends Migration {

  override name = 'Migration20261207231810_portal_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table "portal_sessions" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" text not null, "token_hash" varchar(64) not null, "read_only" boolean not null, "event_types" jsonb null, "return_url" text null, "created_by" varchar(200) not null, "created_at" timestamptz not null, "expires_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "portal_sessions_tenant_id_index" on "portal_sessions" ("tenant_id");`);
    this.addSql(`alter table "portal_sessions" add constraint "portal_sessions_token_hash_unique" unique ("token_hash");`);

    this.addSql(`alter table "portal_sessions" add constraint "portal_sessions_environment_check" check ("environment" in ('test', 'live'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "portal_sessions" cascade;`);
  }

}
