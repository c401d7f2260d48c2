import { Migration } from '@mikro-orm/migrations';

export class Migration20261123090905_initial extends Migration {

  override name = 'Migration20261123090905_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "api_keys" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" text not null, "name" varchar(200) null, "prefix" varchar(24) not null, "hash" varchar(64) not null, "scopes" jsonb not null, "created_at" timestamptz not null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "api_keys_tenant_id_index" on "api_keys" ("tenant_id");`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_hash_unique" unique ("hash");`);

    this.addSql(`create table "attempts" ("id" varchar(40) not null, "delivery_id" varchar(40) not null, "attempt" int not null, "started_at" timestamptz not null, "duration_ms" int not null, "url" text not null, "request_headers" jsonb not null, "response_status" int null, "response_headers" jsonb null, "response_body" text null, "error" text null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "attempts_delivery_id_index" on "attempts" ("delivery_id");`);

    this.addSql(`create table "audit_entries" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" text not null, "actor" varchar(200) not null, "action" varchar(100) not null, "resource_type" varchar(50) not null, "resource_id" varchar(40) not null, "changes" jsonb not null, "request_id" varchar(100) null, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "audit_entries_tenant_id_environment_id_index" on "audit_entries" ("tenant_id", "environment", "id");`);

    this.addSql(`create table "deliveries" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" text not null, "event_id" varchar(40) not null, "endpoint_id" varchar(40) not null, "event_type" varchar(200) not null, "status" text not null default 'pending', "attempt_count" int not null default 0, "next_attempt_at" timestamptz null, "last_response_status" int null, "delivered_at" timestamptz null, "replay_of" varchar(40) null, "failure_reason" varchar(64) null, "created_at" timestamptz not null, "updated_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "deliveries_tenant_id_environment_id_index" on "deliveries" ("tenant_id", "environment", "id");`);
    this.addSql(`create index "deliveries_endpoint_id_id_index" on "deliveries" ("endpoint_id", "id");`);
    this.addSql(`create index "deliveries_event_id_index" on "deliveries" ("event_id");`);
    this.addSql(`create index "deliveries_status_created_at_index" on "deliveries" ("status", "created_at");`);
    this.addSql(`create unique index "deliveries_original_unique" on "deliveries" ("event_id", "endpoint_id") where "replay_of" is null;`);

    this.addSql(`create table "endpoints" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" text not null, "name" varchar(200) null, "url" text not null, "description" text null, "event_types" jsonb not null, "headers" jsonb not null, "timeout_seconds" int not null default 10, "status" text not null default 'active', "disabled_reason" varchar(64) null, "paused_at" timestamptz null, "verification" jsonb not null, "metadata" jsonb not null, "rate_limit_per_second" int null, "secret_sealed" text not null, "previous_secret_sealed" text null, "previous_secret_expires_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, primary key ("id"));`);
    this.addSql(`create index "endpoints_tenant_id_environment_id_index" on "endpoints" ("tenant_id", "environment", "id");`);

    this.addSql(`create table "events" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" text not null, "type" varchar(200) not null, "data" jsonb not null, "external_id" varchar(255) null, "test" boolean not null default false, "created_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "events_tenant_id_environment_id_index" on "events" ("tenant_id", "environment", "id");`);
    this.addSql(`alter table "events" add constraint "events_external_id_unique" unique ("tenant_id", "environment", "external_id");`);

    this.addSql(`create table "idempotency_records" ("id" varchar(40) not null, "tenant_id" varchar(64) not null, "environment" varchar(8) not null, "route" varchar(200) not null, "key" varchar(255) not null, "request_hash" varchar(64) not null, "state" text not null, "response_status" int null, "response_body" jsonb null, "created_at" timestamptz not null, "expires_at" timestamptz not null, primary key ("id"));`);
    this.addSql(`create index "idempotency_records_expires_at_index" on "idempotency_records" ("expires_at");`);
    this.addSql(`alter table "idempotency_records" add constraint "idempotency_key_unique" unique ("tenant_id", "environment", "route", "key");`);

    this.addSql(`create table "tenants" ("id" varchar(64) not null, "name" varchar(200) not null, "created_at" timestamptz not null, primary key ("id"));`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_environment_check" check ("environment" in ('test', 'live'));`);

    this.addSql(`alter table "audit_entries" add constraint "audit_entries_environment_check" check ("environment" in ('test', 'live'));`);

    this.addSql(`alter table "deliveries" add constraint "deliveries_environment_check" check ("environment" in ('test', 'live'));`);
    this.addSql(`alter table "deliveries" add constraint "deliveries_status_check" check ("status" in ('pending', 'delivered', 'failed', 'dead_letter'));`);

    this.addSql(`alter table "endpoints" add constraint "endpoints_environment_check" check ("environment" in ('test', 'live'));`);
    this.addSql(`alter table "endpoints" add constraint "endpoints_status_check" check ("status" in ('active', 'paused', 'disabled'));`);

    this.addSql(`alter table "events" add constraint "events_environment_check" check ("environment" in ('test', 'live'));`);

    this.addSql(`alter table "idempotency_records" add constraint "idempotency_records_state_check" check ("state" in ('running', 'done'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);
    this.addSql(`drop table if exists "attempts" cascade;`);
    this.addSql(`drop table if exists "audit_entries" cascade;`);
    this.addSql(`drop table if exists "deliveries" cascade;`);
    this.addSql(`drop table if exists "endpoints" cascade;`);
    this.addSql(`drop table if exists "events" cascade;`);
    this.addSql(`drop table if exists "idempotency_records" cascade;`);
    this.addSql(`drop table if exists "tenants" cascade;`);
  }

}
