import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Request } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalSession } from '../../src/db/entities/index.js';
import { startStack, type Stack, type Tenant } from '../helpers/stack.js';
import { receiverPool, waitFor, type Receiver } from '../helpers/receiver.js';
import { publish, waitForDeliveryStatus } from '../helpers/api.js';

// The customer portal in a real headless browser (Debian's chromium), against the real stack:
// API, worker, Temporal and PostgreSQL, and loopback receivers. A customer opens the link a
// platform made, creates an endpoint, keeps its secret, sends a test event, watches a delivery die
// and replays it; read-only, expired and revoked sessions are refused in the page and by the API.
// Screenshots of each screen are written to HOOKLINE_SCREENSHOT_DIR, else test-results/portal/.

/** The token's random part, after `hkp_<expiry>_` (it may itself hold underscores). */
const randomPart = (token: string) => token.slice(token.indexOf('_', 'hkp_'.length) + 1);

const CHROMIUM = '/usr/bin/chromium';
const UI_TIMEOUT_MS = 30_000;
const screenshotDir = process.env.HOOKLINE_SCREENSHOT_DIR ?? fileURLToPath(new URL('../../test-results/portal/', import.meta.url));

let stack: Stack;
let browser: Browser | undefined;
const receivers = receiverPool();
/** The platform's own page that embeds the portal: `/embed?src=<portal URL>` is an iframe of it. */
let host: { server: Server; port: number };

beforeAll(async () => {
  mkdirSync(screenshotDir, { recursive: true });
  const server = createServer((req, res) => {
    const src = new URL(req.url ?? '/', 'http://host').searchParams.get('src') ?? '';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Platform settings</title><h1>Settings</h1><iframe title="Webhooks" width="1100" height="700" src="${src.replace(/"/g, '&quot;')}"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = { server, port: (server.address() as AddressInfo).port };
  stack = await startStack({
    // One retry a second after the first attempt: a failing receiver dead-letters in seconds.
    retrySchedule: [1],
    // The platform's page may frame the portal when reached as localhost, not as 127.0.0.1.
    extraEnv: { HOOKLINE_PORTAL_FRAME_ANCESTORS: `'self' http://localhost:${host.port}` },
  });
});
afterAll(async () => {
  await browser?.close();
  await receivers.closeAll();
  await stack?.stop();
  host?.server.closeAllConnections();
  await new Promise((resolve) => host?.server.close(resolve));
});

/** A browser context of its own (its own session storage), launched inside the test so a missing browser fails it. */
async function newContext(viewport = { width: 1280, height: 900 }): Promise<BrowserContext> {
  if (!browser) {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }
  const context = await browser.newContext({ viewport });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.apiUrl });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  return context;
}

/** Every request the page makes to the portal API, and every CSP violation, failed load or script error it reports. */
function watch(page: Page) {
  const api: Request[] = [];
  const problems: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/portal/v1/')) api.push(r);
  });
  page.on('console', (m) => {
    // The API's 4xx answers are logged by the browser too; they are expected where a test provokes one.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { api, problems, paths: () => api.map((r) => `${r.method()} ${new URL(r.url()).pathname}`) };
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${screenshotDir}/${name}.png`, fullPage: true });
}

async function portalSession(tenant: Tenant, body: Record<string, unknown> = {}) {
  const res = await fetch(`${stack.apiUrl}/manage/v1/portal-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string; token: string };
}

/** A receiver that answers 500 while `failing` is set, else 200. */
async function switchableReceiver(): Promise<Receiver & { failing: boolean }> {
  const state = { failing: false };
  const receiver = await receivers.start(() => (state.failing ? { status: 500, body: 'receiver is down' } : { status: 200, body: 'thanks' }));
  // An accessor, not a copied value: the reply reads the switch on every request.
  return Object.defineProperty(receiver, 'failing', {
    get: () => state.failing,
    set: (value: boolean) => (state.failing = value),
  }) as Receiver & { failing: boolean };
}

// Each step waits on real deliveries (a dead letter takes two attempts a second apart) and on a busy machine's browser.
describe('the customer portal, as a customer uses it', { timeout: 120_000 }, () => {
  let tenant: Tenant;
  let receiver: Receiver & { failing: boolean };
  let session: { id: string; url: string; token: string };
  let context: BrowserContext;
  let page: Page;
  let seen: ReturnType<typeof watch>;
  let secret = '';
  let endpointId = '';

  beforeAll(async () => {
    tenant = await stack.newTenant();
    receiver = await switchableReceiver();
    session = await portalSession(tenant, { return_url: 'https://platform.example/settings' });
    context = await newContext();
    page = await context.newPage();
    seen = watch(page);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('opens the session URL: the token leaves the address bar, the empty state invites a first endpoint', async () => {
    const response = await page.goto(session.url);
    const csp = response!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`frame-ancestors 'self' http://localhost:${host.port}`);
    expect(csp).not.toContain('unsafe-inline');
    await page.getByRole('heading', { name: 'Endpoints' }).waitFor();
    expect(page.url()).not.toContain('token');
    expect(page.url()).not.toContain(randomPart(session.token));
    await page.getByText('No endpoints yet').waitFor();
    await expect.poll(() => page.getByTestId('tenant').textContent()).toContain(tenant.id);
    expect(await page.getByRole('link', { name: /Back/ }).getAttribute('href')).toBe('https://platform.example/settings');
    // Nothing but the portal's own origin was asked for anything.
    const origins = new Set<string>();
    page.on('request', (r) => origins.add(new URL(r.url()).origin));
    await page.reload();
    await page.getByText('No endpoints yet').waitFor();
    expect([...origins]).toEqual([stack.apiUrl]);
    await shot(page, '01-endpoints-empty');
  });

  it('creates an endpoint pointing at a loopback receiver, picking an event type from the catalogue with its schema', async () => {
    await page.getByRole('link', { name: 'Add endpoint' }).first().click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    // The catalogue's description and JSON Schema are shown beside each type.
    await page.getByText('An invoice was paid in full.').first().waitFor();
    await page.getByText('JSON Schema of invoice.paid').click();
    await page.getByText('"paid_at"').first().waitFor();
    await page.getByRole('checkbox', { name: /invoice\.paid/ }).check();
    await shot(page, '02-create-endpoint');
    await page.getByRole('button', { name: 'Create endpoint' }).click();

    const field = page.getByTestId('signing-secret').getByRole('textbox');
    await field.waitFor();
    secret = await field.inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.getByText(/will not see it again/i).waitFor();
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await shot(page, '03-secret-shown-once');

    const listed = await tenant.api('GET', '/endpoints');
    expect(listed.body.data).toHaveLength(1);
    endpointId = listed.body.data[0].id;
    expect(listed.body.data[0]).toMatchObject({ url: receiver.url, event_types: ['invoice.paid'] });
    await page.getByRole('link', { name: /go to the endpoint/ }).click();
    await page.getByTestId('endpoint-status').waitFor();
  });

  it('sends a test event and sees it delivered in the log, signed with the secret it copied', async () => {
    await page.getByLabel('Event type').first().selectOption('invoice.paid');
    await page.getByRole('button', { name: 'Send test event' }).click();
    await page.getByTestId('test-delivery').filter({ hasText: 'Delivered' }).waitFor();
    await waitFor(() => receiver.requests.length === 1, 10_000, 'the test event at the receiver');
    const request = receiver.requests[0]!;
    const verified = new Webhook(secret).verify(request.body, request.headers) as { type: string };
    expect(verified.type).toBe('invoice.paid');

    const row = page.getByTestId('delivery-row').filter({ hasText: 'invoice.paid' }).first();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: UI_TIMEOUT_MS }).toBe('delivered');
    await row.getByRole('button', { name: /Show details/ }).click();
    const attempt = row.getByTestId('attempt').first();
    await expect.poll(() => attempt.getByTestId('attempt-status').textContent()).toContain('200');
    expect(await attempt.getByTestId('attempt-duration').textContent()).toMatch(/\d/);
    expect(await attempt.textContent()).toContain('thanks');
    // Request headers are shown, the secret is not.
    expect(await row.textContent()).toContain('webhook-id');
    expect(await page.content()).not.toContain(secret.slice('whsec_'.length));
    await shot(page, '04-test-event-delivered');
  });

  it('shows a delivery dead-lettered while the receiver fails, and delivers it again on replay once it is fixed', async () => {
    receiver.failing = true;
    const event = await publish(tenant, 'invoice.paid', { invoice_id: 'in_portal', amount: 4200 });
    await page.getByRole('link', { name: 'Delivery log' }).first().click();
    await page.getByRole('heading', { name: 'Delivery log' }).waitFor();
    const deadId = (await waitFor(async () => (await tenant.api('GET', `/events/${event.id}`)).body.deliveries?.[0]?.id, 10_000, 'the delivery')) as string;
    // The page shows it pending, polls, and shows it dead-lettered once its one retry failed too.
    const dead = page.locator(`[data-testid="delivery-row"][data-delivery-id="${deadId}"]`);
    await dead.waitFor();
    await waitForDeliveryStatus(tenant, deadId, 'dead_letter', 60_000);
    await expect.poll(() => dead.getAttribute('data-status'), { timeout: UI_TIMEOUT_MS }).toBe('dead_letter');
    await dead.getByRole('button', { name: /Show details/ }).click();
    await expect.poll(() => dead.getByTestId('attempt').count()).toBe(2);
    expect(await dead.getByTestId('attempt-status').first().textContent()).toContain('500');
    expect(await dead.textContent()).toContain('receiver is down');
    await shot(page, '05-dead-lettered');

    receiver.failing = false;
    const before = receiver.requests.length;
    await dead.getByRole('button', { name: 'Replay delivery' }).click();
    const replayed = await page.getByText(/Replayed as dlv_/).first().textContent();
    const replayId = /dlv_[0-9A-Z]{26}/.exec(replayed ?? '')![0];
    await waitForDeliveryStatus(tenant, replayId, 'delivered');
    await expect
      .poll(() => page.locator(`[data-testid="delivery-row"][data-delivery-id="${replayId}"]`).getAttribute('data-status'), { timeout: UI_TIMEOUT_MS })
      .toBe('delivered');
    expect(receiver.requests.length).toBe(before + 1);
    // The replay is the same message: same webhook-id as the dead-lettered attempts.
    expect(receiver.requests.at(-1)!.headers['webhook-id']).toBe(receiver.requests.at(-2)!.headers['webhook-id']);
    await shot(page, '06-replayed-delivered');
  });

  it('filters the delivery log by status and event type', async () => {
    await page.getByLabel('Status').first().selectOption('dead_letter');
    await page.getByRole('button', { name: 'Apply filters' }).first().click();
    await expect.poll(() => page.getByTestId('delivery-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))).toEqual(['dead_letter']);
    await page.getByLabel('Status').first().selectOption('');
    await page.getByLabel('Event type').first().selectOption('webhook.test').catch(async () => {
      await page.getByLabel('Event type').first().fill('webhook.test');
    });
    await page.getByRole('button', { name: 'Apply filters' }).first().click();
    await expect.poll(() => page.getByTestId('delivery-row').count()).toBe(0);
    await page.getByLabel('Event type').first().selectOption('invoice.paid').catch(async () => {
      await page.getByLabel('Event type').first().fill('invoice.paid');
    });
    await page.getByRole('button', { name: 'Apply filters' }).first().click();
    await expect.poll(() => page.getByTestId('delivery-row').count()).toBe(3);
  });

  it("shows the endpoint's stats with its chart, runs the verification handshake, rotates the secret and recovers a window", async () => {
    await page.goto(`${stack.apiUrl}/portal#/endpoints/${endpointId}`);
    const stats = page.getByTestId('stats');
    await stats.waitFor();
    await expect.poll(() => page.getByTestId('success-rate').textContent()).toMatch(/%/);
    await page.getByLabel('Window').selectOption('1h');
    await expect.poll(() => page.getByTestId('series-bar').count()).toBeGreaterThan(0);
    await stats.scrollIntoViewIfNeeded();
    await shot(page, '07-endpoint-stats');

    await page.getByRole('button', { name: 'Verify endpoint' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent(), { timeout: 45_000 }).toMatch(/verified/i);
    expect(receiver.challenges.length).toBeGreaterThanOrEqual(1);

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByLabel('Grace period (hours, 0–168)').fill('2');
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByTestId('previous-secret-expires').waitFor();
    const rotated = await page.getByRole('dialog').getByTestId('signing-secret').getByRole('textbox').inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await shot(page, '08-secret-rotated');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    // Another dead letter while the receiver fails, then recover the window once it is fixed.
    receiver.failing = true;
    const event = await publish(tenant, 'invoice.paid', { invoice_id: 'in_recover' });
    const lost = (await waitFor(async () => (await tenant.api('GET', `/events/${event.id}`)).body.deliveries?.[0]?.id, 10_000, 'the delivery')) as string;
    await waitForDeliveryStatus(tenant, lost, 'dead_letter', 60_000);
    receiver.failing = false;
    await page.getByRole('button', { name: 'Recover deliveries' }).click();
    await expect.poll(() => page.getByTestId('recover-result').textContent()).toMatch(/\b1 deliver/);
    const recovered = await waitFor(async () => {
      const all = (await tenant.api('GET', '/deliveries?limit=100')).body.data as { event_id: string; status: string; replay_of: string | null }[];
      return all.find((d) => d.event_id === event.id && d.replay_of === lost && d.status === 'delivered');
    }, 30_000, 'the recovered delivery');
    expect(recovered).toBeDefined();
  });

  it('edits, pauses and resumes, disables and deletes the endpoint, each change audited as the portal session', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Description (optional)').fill('Billing system');
    // A 422 is shown at its field: a URL the API refuses.
    await page.getByLabel('Endpoint URL').fill('ftp://127.0.0.1/hook');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('#url-error').waitFor();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(async () => (await tenant.api('GET', `/endpoints/${endpointId}`)).body.description).toBe('Billing system');
    await page.getByText('Billing system').first().waitFor();

    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(async () => (await tenant.api('GET', `/endpoints/${endpointId}`)).body.status).toBe('paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(async () => (await tenant.api('GET', `/endpoints/${endpointId}`)).body.status).toBe('active');
    await page.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('dialog').getByRole('button', { name: /Disable/ }).click();
    await expect.poll(async () => (await tenant.api('GET', `/endpoints/${endpointId}`)).body.status).toBe('disabled');
    await expect.poll(() => page.getByTestId('endpoint-status').textContent()).toMatch(/disabled/i);

    // The delete dialog is reached and dismissed with the keyboard alone.
    await page.getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByText('No endpoints yet').waitFor();
    expect((await tenant.api('GET', `/endpoints/${endpointId}`)).status).toBe(404);

    const audit = await fetch(`${stack.apiUrl}/manage/v1/audit-log?limit=100`, { headers: { authorization: `Bearer ${tenant.apiKey}` } });
    const entries = ((await audit.json()) as { data: { actor: string; action: string; resource_id: string }[] }).data.filter(
      (e) => e.resource_id === endpointId,
    );
    const byPortal = entries.filter((e) => e.actor === `portal:${session.id}`).map((e) => e.action);
    expect(byPortal).toEqual(expect.arrayContaining(['endpoint.created', 'endpoint.updated', 'endpoint.secret_rotated', 'endpoint.deleted']));
    expect(seen.problems, seen.problems.join('\n')).toEqual([]);
  });
});

describe('a read-only session', () => {
  it('shows everything, offers no change, and the API refuses its mutations with 403', async () => {
    const tenant = await stack.newTenant();
    const receiver = await receivers.start();
    const created = await tenant.api('POST', '/endpoints', { url: receiver.url, event_types: ['order.created'] });
    await publish(tenant, 'order.created', { order_id: 'o_1' });
    await waitFor(() => receiver.requests.length === 1, 20_000, 'the delivery');
    const session = await portalSession(tenant, { read_only: true });
    const context = await newContext();
    try {
      const page = await context.newPage();
      await page.goto(session.url);
      await page.getByTestId('read-only-badge').waitFor();
      await page.getByText(created.body.url).first().waitFor();
      expect(await page.getByRole('link', { name: 'Add endpoint' }).count()).toBe(0);
      await page.getByText(created.body.url).first().click();
      await page.getByTestId('stats').waitFor();
      for (const name of ['Pause', 'Disable', 'Delete', 'Rotate secret', 'Send test event', 'Verify endpoint', 'Recover deliveries', 'Edit']) {
        expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(0);
        expect(await page.getByRole('link', { name, exact: true }).count(), name).toBe(0);
      }
      const row = page.getByTestId('delivery-row').first();
      await row.getByRole('button', { name: /Show details/ }).click();
      await row.getByTestId('attempt').first().waitFor();
      expect(await row.getByRole('button', { name: /Replay|Retry/ }).count()).toBe(0);
      await shot(page, '09-read-only');

      // The same session's token, used by hand from the page, is refused every change.
      const statuses = await page.evaluate(
        async ({ token, id }) => {
          const send = (method: string, path: string, body?: unknown) =>
            fetch(`/portal/v1/webhooks${path}`, {
              method,
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              ...(body !== undefined && { body: JSON.stringify(body) }),
            }).then((r) => r.status);
          return [
            await send('POST', '/endpoints', { url: 'http://127.0.0.1:9/x', event_types: ['order.created'] }),
            await send('PATCH', `/endpoints/${id}`, { status: 'paused' }),
            await send('DELETE', `/endpoints/${id}`),
            await send('GET', `/endpoints/${id}`),
          ];
        },
        { token: session.token, id: created.body.id },
      );
      expect(statuses).toEqual([403, 403, 403, 200]);
      expect((await tenant.api('GET', `/endpoints/${created.body.id}`)).body.status).toBe('active');
    } finally {
      await context.close();
    }
  });
});

describe('a link that no longer works', () => {
  it('an expired link says so and calls nothing', async () => {
    const tenant = await stack.newTenant();
    const session = await portalSession(tenant, { expires_in: 60 });
    const context = await newContext();
    try {
      const page = await context.newPage();
      // Two minutes on: the token's own expiry has passed, so the page need not ask the API.
      await page.clock.install({ time: new Date(Date.now() + 120_000) });
      const seen = watch(page);
      await page.goto(session.url);
      const ended = page.getByTestId('session-ended');
      await ended.waitFor();
      expect(await ended.textContent()).toMatch(/expired/i);
      expect(seen.paths()).toEqual([]);
      expect(page.url()).not.toContain('token');
      await shot(page, '10-expired');
    } finally {
      await context.close();
    }
  });

  it('a link the server holds expired (its clock ahead of the token) says so after asking only for the session', async () => {
    const tenant = await stack.newTenant();
    const session = await portalSession(tenant);
    await stack.orm.em.fork().nativeUpdate(PortalSession, { id: session.id }, { expiresAt: new Date(Date.now() - 1000) });
    const context = await newContext();
    try {
      const page = await context.newPage();
      const seen = watch(page);
      await page.goto(session.url);
      await page.getByTestId('session-ended').waitFor();
      expect(await page.getByTestId('session-ended').textContent()).toMatch(/expired/i);
      expect(seen.paths()).toEqual(['GET /portal/v1/session']);
    } finally {
      await context.close();
    }
  });

  it('a revoked link says so, whether opened afterwards or already open, and calls nothing more', async () => {
    const tenant = await stack.newTenant();
    const session = await portalSession(tenant);
    const context = await newContext();
    try {
      const open = await context.newPage();
      await open.goto(session.url);
      await open.getByText('No endpoints yet').waitFor();
      const revoked = await fetch(`${stack.apiUrl}/manage/v1/portal-sessions/${session.id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      });
      expect(revoked.status).toBe(200);

      // Already open: the next call is refused and the page says why.
      const openSeen = watch(open);
      await open.getByRole('link', { name: 'Delivery log' }).first().click();
      await open.getByTestId('session-ended').waitFor();
      expect(await open.getByTestId('session-ended').textContent()).toMatch(/revoked/i);
      const callsAfter = openSeen.api.length;
      await open.waitForTimeout(3000);
      expect(openSeen.api.length).toBe(callsAfter);

      // Opened afterwards: one call, for the session, and the message.
      const fresh = await (await newContext()).newPage();
      const seen = watch(fresh);
      await fresh.goto(session.url);
      await fresh.getByTestId('session-ended').waitFor();
      expect(await fresh.getByTestId('session-ended').textContent()).toMatch(/revoked/i);
      expect(seen.paths()).toEqual(['GET /portal/v1/session']);
      await shot(fresh, '11-revoked');
      await fresh.context().close();
    } finally {
      await context.close();
    }
  });
});

describe('embedded in an iframe', () => {
  it('renders inside a page of an origin HOOKLINE_PORTAL_FRAME_ANCESTORS names, and is refused by any other', async () => {
    const tenant = await stack.newTenant();
    const session = await portalSession(tenant, { return_url: `http://localhost:${host.port}/settings` });
    const context = await newContext();
    try {
      const page = await context.newPage();
      const embed = (origin: string) => `${origin}/embed?src=${encodeURIComponent(session.url)}`;
      await page.goto(embed(`http://localhost:${host.port}`));
      const frame = page.frameLocator('iframe');
      await frame.getByRole('heading', { name: 'Endpoints' }).waitFor();
      await frame.getByText('No endpoints yet').waitFor();
      // The Back link leaves the frame for the platform's page.
      expect(await frame.getByRole('link', { name: /Back/ }).getAttribute('target')).toBe('_top');
      await shot(page, '14-embedded');

      // 127.0.0.1 is another origin than localhost, and not named: the browser refuses to frame it.
      const refused = await context.newPage();
      const blocked = new Promise<string>((resolve) => refused.on('console', (m) => /frame-ancestors/.test(m.text()) && resolve(m.text())));
      await refused.goto(embed(`http://127.0.0.1:${host.port}`));
      expect(await blocked).toMatch(/Content Security Policy/);
      expect(await refused.frameLocator('iframe').getByRole('heading', { name: 'Endpoints' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

describe('on a phone-width screen', () => {
  it('lays the endpoint list, an endpoint and its log out without sideways scrolling', async () => {
    const tenant = await stack.newTenant();
    const receiver = await receivers.start();
    const created = await tenant.api('POST', '/endpoints', {
      url: `${receiver.url}/a-rather-long-path/that-goes-on/and-on?with=query&and=more`,
      description: 'Orders for the warehouse system',
      event_types: ['order.created', 'order.shipped'],
    });
    await publish(tenant, 'order.created', { order_id: 'o_phone' });
    await waitForDeliveryStatus(tenant, (await tenant.api('GET', '/deliveries')).body.data[0].id, 'delivered');
    const session = await portalSession(tenant);
    const context = await newContext({ width: 375, height: 740 });
    try {
      const page = await context.newPage();
      await page.goto(session.url);
      await page.getByText('Orders for the warehouse system').waitFor();
      const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(await overflow()).toBeLessThanOrEqual(0);
      await shot(page, '12-phone-endpoints');
      await page.goto(`${stack.apiUrl}/portal#/endpoints/${created.body.id}`);
      const row = page.getByTestId('delivery-row').first();
      await row.waitFor();
      await row.getByRole('button', { name: /Show details/ }).click();
      await row.getByTestId('attempt').first().waitFor();
      expect(await overflow()).toBeLessThanOrEqual(0);
      await shot(page, '13-phone-endpoint');
    } finally {
      await context.close();
    }
  });
});
