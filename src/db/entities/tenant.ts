import { defineEntity, p } from '@mikro-orm/core';

const TenantSchema = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: p.string().length(64).primary(),
    name: p.string().length(200),
    /** The partner (reseller, agency) the tenant belongs to; admins read a partner's tenants together. */
    partnerId: p.string().length(64).nullable().index(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class Tenant extends TenantSchema.class {}
TenantSchema.setClass(Tenant);
