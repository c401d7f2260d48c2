import { Migration } from '@mikro-orm/migrations';

export class Migration20261123101112_endpoint_health_rate_limit extends Migration {

  override name = 'Migration20261123101112_endpoint_health_rate_limit';

  override up(): void | Promise<void> {
    this.addSql(`create table "endpoint_rate_limits" ("endpoint_id" varchar(40) not null, "tokens_milli" int not null, "refilled_at" timestamptz not null, primary key ("endpoint_id"));`);

    this.addSql(`alter table "endpoints" add "consecutive_failures" int not null default 0, add "failing_since" timestamptz null, add "failing_notified_at" timestamptz null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "endpoint_rate_limits" cascade;`);

    this.addSql(`alter table "endpoints" drop column "consecutive_failures", drop column "failing_since", drop column "failing_notified_at";`);
  }

}
