import { Migration } from '@mikro-orm/migrations';

export class Migration20261123093610_tenant_partner extends Migration {

  override name = 'Migration20261123093610_tenant_partner';

  override up(): void | Promise<void> {
    this.addSql(`alter table "tenants" add "partner_id" varchar(64) null;`);
    this.addSql(`create index "tenants_partner_id_index" on "tenants" ("partner_id");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop index "tenants_partner_id_index";`);
    this.addSql(`alter table "tenants" drop column "partner_id";`);
  }

}
