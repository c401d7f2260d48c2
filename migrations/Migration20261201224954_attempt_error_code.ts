import { Migration } from '@mikro-orm/migrations';

export class Migration20261201224954_attempt_error_code extends Migration {

  override name = 'Migration20261201224954_attempt_error_code';

  override up(): void | Promise<void> {
    this.addSql(`alter table "attempts" add "error_code" text null;`);
    this.addSql(`alter table "attempts" add constraint "attempts_error_code_check" check ("error_code" in ('blocked_address', 'timeout', 'invalid_url', 'connection_failed'));`);
    // Attempts recorded before the code existed: their error text tells which it was.
    this.addSql(`update "attempts" set "error_code" = case
        when "error" like 'timed out%' then 'timeout'
        when "error" like 'target % refused%' or "error" like 'target % resolves to a refused address' then 'blocked_address'
        when "error" = 'invalid URL' then 'invalid_url'
        else 'connection_failed' end
      where "response_status" is null and "error" is not null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "attempts" drop constraint "attempts_error_code_check";`);
    this.addSql(`alter table "attempts" drop column "error_code";`);
  }

}
