import { describe, it, expect } from 'vitest';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../../src/config.js';

const key32 = () => randomBytes(32).toString('base64');

/** The ConfigError thrown by loadConfig for `env`. */
function configError(env: Record<string, string>, defaults?: Record<string, string>): ConfigError {
  try {
    loadConfig(env, defaults);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporal).toEqual({
      address: undefined,
      namespace: 'default',
      taskQueue: 'hookline',
      uiUrl: undefined,
      cliPath: undefined,
      workflowTaskTimeoutSeconds: 5,
    });
    expect(config.retryScheduleSeconds).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(config.maxRetryIntervalSeconds).toBe(36000);
    expect(config.holdDeadlineSeconds).toBe(7 * 24 * 3600);
    expect(config.allowPrivateTargets).toBe(false);
    expect(config.encryptionKeys).toBeUndefined();
    expect(config.dataDir).toBe('.hookline');
    expect(config.maxEventBytes).toBe(256 * 1024);
    expect(config.logLevel).toBe('info');
  });

  it('treats empty variables as absent', () => {
    expect(loadConfig({ PORT: '', HOOKLINE_RETRY_SCHEDULE: '' }).port).toBe(3000);
  });

  it('reads PORT as a number', () => {
    expect(loadConfig({ PORT: '8080' }).port).toBe(8080);
  });

  it.each(['abc', '70000', '-1', '80.5'])('names PORT in the error for PORT=%s', (port) => {
    const err = configError({ PORT: port });
    expect(err.message).toMatch(/^Invalid configuration:/);
    expect(err.message).toContain('PORT');
  });

  it('reads a retry schedule and derives the maximum interval from it', () => {
    const config = loadConfig({ HOOKLINE_RETRY_SCHEDULE: '1, 2,30' });
    expect(config.retryScheduleSeconds).toEqual([1, 2, 30]);
    expect(config.maxRetryIntervalSeconds).toBe(30);
  });

  it('lets HOOKLINE_MAX_RETRY_INTERVAL_SECONDS override the derived maximum', () => {
    expect(loadConfig({ HOOKLINE_RETRY_SCHEDULE: '1,2,30', HOOKLINE_MAX_RETRY_INTERVAL_SECONDS: '10' }).maxRetryIntervalSeconds).toBe(10);
  });

  it.each(['5,soon,30', '5,-1', ',,,'])('names HOOKLINE_RETRY_SCHEDULE in the error for %j', (schedule) => {
    expect(configError({ HOOKLINE_RETRY_SCHEDULE: schedule }).message).toContain('HOOKLINE_RETRY_SCHEDULE');
  });

  it('names every bad variable at once', () => {
    const err = configError({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('LOG_LEVEL');
  });

  it('parses HOOKLINE_ENCRYPTION_KEYS into an ordered key ring', () => {
    const k1 = key32();
    const k2 = key32();
    const config = loadConfig({ HOOKLINE_ENCRYPTION_KEYS: `new-key:${k1}, old_key:${k2}` });
    expect(config.encryptionKeys).toHaveLength(2);
    expect(config.encryptionKeys![0]!.id).toBe('new-key');
    expect(config.encryptionKeys![0]!.key.equals(Buffer.from(k1, 'base64'))).toBe(true);
    expect(config.encryptionKeys![1]!.id).toBe('old_key');
    expect(config.encryptionKeys![1]!.key.equals(Buffer.from(k2, 'base64'))).toBe(true);
  });

  it.each([
    ['a key that is not 32 bytes', () => `k1:${randomBytes(16).toString('base64')}`],
    ['a missing key', () => 'k1'],
    ['a missing id', () => `:${key32()}`],
    ['an id with bad characters', () => `k 1:${key32()}`],
    ['only separators', () => ' , '],
    ['an id listed twice', () => `k1:${key32()},k1:${key32()}`],
  ])('names HOOKLINE_ENCRYPTION_KEYS in the error for %s', (_label, value) => {
    expect(configError({ HOOKLINE_ENCRYPTION_KEYS: value() }).message).toContain('HOOKLINE_ENCRYPTION_KEYS');
  });

  it('shows no key material in an error about HOOKLINE_ENCRYPTION_KEYS', () => {
    const material = key32();
    const message = configError({ HOOKLINE_ENCRYPTION_KEYS: `k1:${material},k1:${material}` }).message;
    expect(message).toContain('"k1" is listed twice');
    expect(message).not.toContain(material);
  });

  it('uses the defaults argument when a variable is absent', () => {
    expect(loadConfig({}, { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true' }).allowPrivateTargets).toBe(true);
    expect(loadConfig({ HOOKLINE_ALLOW_PRIVATE_TARGETS: '' }, { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true' }).allowPrivateTargets).toBe(true);
  });

  it('lets the environment override the defaults argument', () => {
    expect(loadConfig({ HOOKLINE_ALLOW_PRIVATE_TARGETS: 'false' }, { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'true' }).allowPrivateTargets).toBe(false);
    expect(loadConfig({ HOOKLINE_ALLOW_PRIVATE_TARGETS: '0' }, { HOOKLINE_ALLOW_PRIVATE_TARGETS: 'yes' }).allowPrivateTargets).toBe(false);
    expect(loadConfig({ PORT: '4000' }, { PORT: '5000' }).port).toBe(4000);
  });

  it('accepts the boolean spellings for HOOKLINE_ALLOW_PRIVATE_TARGETS and rejects others', () => {
    for (const yes of ['true', '1', 'yes']) expect(loadConfig({ HOOKLINE_ALLOW_PRIVATE_TARGETS: yes }).allowPrivateTargets).toBe(true);
    for (const no of ['false', '0', 'no']) expect(loadConfig({ HOOKLINE_ALLOW_PRIVATE_TARGETS: no }).allowPrivateTargets).toBe(false);
    expect(configError({ HOOKLINE_ALLOW_PRIVATE_TARGETS: 'maybe' }).message).toContain('HOOKLINE_ALLOW_PRIVATE_TARGETS');
  });

  it('reads HOOKLINE_ALLOWED_TARGET_CIDRS as a list and names it when an entry is not a CIDR', () => {
    expect(loadConfig({}).allowedTargetCidrs).toEqual([]);
    expect(loadConfig({ HOOKLINE_ALLOWED_TARGET_CIDRS: '10.1.0.0/16, fd12:3456::/32,' }).allowedTargetCidrs).toEqual(['10.1.0.0/16', 'fd12:3456::/32']);
    for (const bad of ['10.1.0.0', '10.1.0.0/33', 'internal.example/8', '10.1.0.0/16,nope']) {
      const message = configError({ HOOKLINE_ALLOWED_TARGET_CIDRS: bad }).message;
      expect(message, bad).toContain('HOOKLINE_ALLOWED_TARGET_CIDRS');
      expect(message, bad).toMatch(/not: /);
    }
  });

  it('reads HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS and refuses one too short for a busy worker', () => {
    expect(loadConfig({ HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS: '8' }).temporal.workflowTaskTimeoutSeconds).toBe(8);
    expect(() => loadConfig({ HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS: '1' })).toThrow(/HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS/);
    expect(() => loadConfig({ HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS: 'soon' })).toThrow(/HOOKLINE_WORKFLOW_TASK_TIMEOUT_SECONDS/);
  });

  it("reads HOOKLINE_PORTAL_FRAME_ANCESTORS as CSP sources, 'self' by default, and refuses what could add a directive", () => {
    expect(loadConfig({}).portalFrameAncestors).toEqual(["'self'"]);
    expect(loadConfig({ HOOKLINE_PORTAL_FRAME_ANCESTORS: 'self https://app.example.com, https://*.example.org:8443' }).portalFrameAncestors).toEqual([
      "'self'",
      'https://app.example.com',
      'https://*.example.org:8443',
    ]);
    expect(loadConfig({ HOOKLINE_PORTAL_FRAME_ANCESTORS: "'none'" }).portalFrameAncestors).toEqual(["'none'"]);
    for (const bad of ["https://a.example; script-src 'unsafe-inline'", '*', 'javascript:x', 'https://a.example/path', "'none' https://a.example", "'unsafe-inline'"]) {
      expect(configError({ HOOKLINE_PORTAL_FRAME_ANCESTORS: bad }).message, bad).toContain('HOOKLINE_PORTAL_FRAME_ANCESTORS');
    }
  });

  it('reads HOOKLINE_PUBLIC_URL without its trailing slash and refuses one with a query, fragment or credentials', () => {
    expect(loadConfig({}).publicUrl).toBeUndefined();
    expect(loadConfig({ HOOKLINE_PUBLIC_URL: 'https://webhooks.example.com/' }).publicUrl).toBe('https://webhooks.example.com');
    expect(loadConfig({ HOOKLINE_PUBLIC_URL: 'https://example.com/hookline/' }).publicUrl).toBe('https://example.com/hookline');
    for (const bad of ['webhooks.example.com', 'ftp://example.com', 'https://example.com/?a=1', 'https://example.com/#x', 'https://u:p@example.com']) {
      expect(configError({ HOOKLINE_PUBLIC_URL: bad }).message, bad).toContain('HOOKLINE_PUBLIC_URL');
    }
  });

  it('validates the dev API key format', () => {
    expect(loadConfig({ HOOKLINE_DEV_API_KEY: 'hk_test_abcdefghijklmnop' }).devApiKey).toBe('hk_test_abcdefghijklmnop');
    expect(configError({ HOOKLINE_DEV_API_KEY: 'sk_test_abcdefghijklmnop' }).message).toContain('HOOKLINE_DEV_API_KEY');
  });
});
