import { describe, expect, it } from 'vitest';
import { isSensitiveHeader, mergeRedactedHeaders, redactHeaders } from '../../src/delivery/sensitive-headers.js';

describe('credential headers', () => {
  it.each(['Authorization', 'proxy-authorization', 'Cookie', 'X-Api-Key', 'x_api_key', 'ApiKey', 'X-Auth-Token', 'X-Access-Token', 'X-Client-Secret', 'X-Password', 'X-Session-Id', 'X-Credentials'])(
    'treats %s as a credential',
    (name) => expect(isSensitiveHeader(name)).toBe(true),
  );

  it.each(['X-Env', 'X-Request-Source', 'Accept-Language', 'X-Tenant', 'Content-Language'])('shows %s', (name) => {
    expect(isSensitiveHeader(name)).toBe(false);
  });

  it('redacts only the credentials of a header set', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'X-Env': 'ci' })).toEqual({ Authorization: '[redacted]', 'X-Env': 'ci' });
  });

  it('lets [redacted] stand for the stored value of the same name, in any case, and names what it cannot stand for', () => {
    expect(mergeRedactedHeaders({ authorization: '[redacted]', 'X-Env': 'b' }, { Authorization: 'Bearer x', 'X-Env': 'a' })).toEqual({
      headers: { authorization: 'Bearer x', 'X-Env': 'b' },
      unknown: [],
    });
    expect(mergeRedactedHeaders({ 'X-Token': '[redacted]' }, {})).toEqual({ headers: { 'X-Token': '[redacted]' }, unknown: ['X-Token'] });
  });
});
