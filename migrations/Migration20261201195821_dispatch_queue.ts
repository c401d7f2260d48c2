import { Migration } from '@mikro-orm/migrations';

export class Migration20261201195821_dispatch_queue extends Migration {

  override name = 'Migration20261201195821_dispatch_queue';

  override up(): void | Promise<void> {
    this.addSql(`drop index "attempts_delivery_id_index";`);
    this.addSql(`alter table "attempts" add "workflow_run_id" varchar(64) null;`);
    this.addSql(`alter table "attempts" add constraint "attempts_delivery_attempt_unique" unique ("delivery_id", "attempt");`);

    this.addSql(`alter table "deliveries" add "dispatch_after" timestamptz null, add "dispatch_queue" varchar(200) null;`);
    // The dispatch queue: only deliveries whose workflow is yet to start are in this index.
    this.addSql(`create index "deliveries_dispatch_queue_index" on "deliveries" ("dispatch_queue", "dispatch_after") where "dispatch_after" is not null;`);
    // Whatever creates deliveries (publish, test, replay, recover, operational events) wakes the
    // dispatchers when it commits; PostgreSQL folds the notices of one transaction into one.
    this.addSql(`create function "hookline_notify_dispatch"() returns trigger language plpgsql as $$
      begin
        perform pg_notify('hookline_dispatch', '');
        return null;
      end $$;`);
    this.addSql(`create trigger "deliveries_notify_dispatch" after insert on "deliveries" for each statement execute function "hookline_notify_dispatch"();`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "attempts" drop constraint "attempts_delivery_attempt_unique";`);
    this.addSql(`alter table "attempts" drop column "workflow_run_id";`);
    this.addSql(`create index "attempts_delivery_id_index" on "attempts" ("delivery_id");`);

    this.addSql(`drop trigger if exists "deliveries_notify_dispatch" on "deliveries";`);
    this.addSql(`drop function if exists "hookline_notify_dispatch"();`);
    this.addSql(`alter table "deliveries" drop column "dispatch_after", drop column "dispatch_queue";`);
  }

}
