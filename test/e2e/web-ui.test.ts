import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryWorkflowId } from '../../src/temporal/workflow-ids.js';
import { startStack, type Stack } from '../helpers/stack.js';
import { startReceiver, waitFor, type Receiver } from '../helpers/receiver.js';
import { createEndpoint, getDelivery, listDeliveries, publish, waitForDeliveryStatus } from '../helpers/api.js';

// The Temporal Web UI of the run's dev server, driven in a real headless browser: what an operator
// sees when they look a delivery up. Debian's chromium is the browser (CI installs it); a machine
// without it fails here rather than skipping the check.
const CHROMIUM = '/usr/bin/chromium';
/** The UI is a single-page app that renders after its API calls: give a busy machine time. */
const UI_TIMEOUT_MS = 30_000;

let stack: Stack;
let browser: Browser | undefined;
let page: Promise<Page> | undefined;
const receivers: Receiver[] = [];
/** Screenshots are kept in HOOKLINE_SCREENSHOT_DIR when it is set, else in a temp dir removed afterwards. */
const keptScreenshots = process.env.HOOKLINE_SCREENSHOT_DIR;
const screenshotDir = keptScreenshots ?? mkdtempSync(join(tmpdir(), 'hookline-web-ui-'));

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all(receivers.map((r) => r.close()));
  await stack?.stop();
  if (!keptScreenshots) rmSync(screenshotDir, { recursive: true, force: true });
});

/**
 * The browser's page, launched by the first test that needs it. Launched inside the tests (not in
 * a hook) so that a missing browser fails each of them instead of reporting them skipped.
 */
function browserPage(): Promise<Page> {
  page ??= (async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const opened = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    opened.setDefaultTimeout(UI_TIMEOUT_MS);
    return opened;
  })();
  return page;
}

/** Two endpoints of one tenant, one delivered `invoice.paid` each; returns A's and B's delivery ids. */
async function twoDeliveries() {
  const tenant = await stack.newTenant();
  const [a, b] = await Promise.all([startReceiver(), startReceiver()]);
  receivers.push(a, b);
  const epA = await createEndpoint(tenant, { url: a.url, event_types: ['invoice.paid'] });
  const epB = await createEndpoint(tenant, { url: b.url, event_types: ['invoice.paid'] });
  await publish(tenant, 'invoice.paid', { invoice: 'in_ui' });
  const [deliveryA] = await listDeliveries(tenant, `?endpoint_id=${epA.id}`);
  const [deliveryB] = await listDeliveries(tenant, `?endpoint_id=${epB.id}`);
  await waitForDeliveryStatus(tenant, deliveryA.id, 'delivered');
  await waitForDeliveryStatus(tenant, deliveryB.id, 'delivered');
  return { tenant, epA, receiverA: a, deliveryA: deliveryA.id as string, deliveryB: deliveryB.id as string };
}

/** Waits until Temporal's visibility lists the workflow for `query`, so the UI's one load finds it. */
async function waitForVisibility(query: string, workflowId: string) {
  await waitFor(
    async () => {
      for await (const w of stack.temporal.workflow.list({ query })) if (w.workflowId === workflowId) return true;
      return undefined;
    },
    20_000,
    `${workflowId} in visibility for ${query}`,
  );
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir, name);
  await page.screenshot({ path });
  // A blank or failed render is a few hundred bytes; a rendered UI page is tens of KiB.
  expect(statSync(path).size).toBeGreaterThan(10_000);
  return path;
}

describe('Temporal Web UI as the operator console', () => {
  it('lists a delivery workflow under the query WebhookEndpointId="ep_…" and not another endpoint’s', async () => {
    const page = await browserPage();
    const { epA, deliveryA, deliveryB } = await twoDeliveries();
    const query = `WebhookEndpointId="${epA.id}"`;
    await waitForVisibility(query, deliveryWorkflowId(deliveryA));

    const url = `${stack.env.temporalUiUrl}/namespaces/${stack.env.namespace}/workflows?query=${encodeURIComponent(query)}`;
    await page.goto(url);
    await page.getByRole('link', { name: deliveryWorkflowId(deliveryA), exact: true }).first().waitFor();
    // The filter the UI applied is the operator's query.
    expect(await page.getByText(`"${epA.id}"`).first().isVisible()).toBe(true);
    // The page has finished rendering the list: the other endpoint's delivery is not on it.
    expect(await page.getByText(deliveryWorkflowId(deliveryB)).count()).toBe(0);
    await screenshot(page, 'workflows-by-endpoint.png');
  }, 90_000);

  it('opens a delivery’s links.temporal_ui on its workflow, with the summary `<event type> → <host>`', async () => {
    const page = await browserPage();
    const { tenant, receiverA, deliveryA } = await twoDeliveries();
    const delivery = await getDelivery(tenant, deliveryA);
    const link = delivery.links.temporal_ui as string;
    const workflowId = deliveryWorkflowId(deliveryA);
    expect(link.startsWith(`${stack.env.temporalUiUrl}/namespaces/${stack.env.namespace}/workflows/`)).toBe(true);

    await page.goto(link);
    await page.getByRole('heading', { name: workflowId }).first().waitFor();
    expect(await page.title()).toContain(workflowId);
    expect(await page.getByText('Completed', { exact: true }).first().isVisible()).toBe(true);
    await screenshot(page, 'delivery-workflow.png');
    // The summary sits on the history's first event, further down the page.
    const summary = page.getByText(`invoice.paid → ${new URL(receiverA.url).host}`, { exact: true }).first();
    await summary.waitFor();
    await summary.scrollIntoViewIfNeeded();
    expect(await summary.isVisible()).toBe(true);
    await screenshot(page, 'delivery-summary.png');
  }, 90_000);
});
