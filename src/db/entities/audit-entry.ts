import { defineEntity, p } from '@mikro-orm/core';
import { ENVIRONMENTS } from './api-key.js';

const AuditEntrySchema = defineEntity({
  name: 'AuditEntry',
  tableName: 'audit_entries',
  properties: {
    id: p.string().length(40).primary(),
    tenantId: p.string().length(64),
    environment: p.enum(ENVIRONMENTS),
    actor: p.string().length(200),
    action: p.string().length(100),
    resourceType: p.string().length(50),
    resourceId: p.string().length(40),
    changes: p.json<Record<string, unknown>>(),
    requestId: p.string().length(100).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['tenantId', 'environment', 'id'] }],
});

export class AuditEntry extends AuditEntrySchema.class {}
AuditEntrySchema.setClass(AuditEntry);
