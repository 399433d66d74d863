// The QA dashboard (/_fcmock/ui) in a real browser: Debian's chromium driven by
// playwright-core, JavaScript on. A session made through Stripe's API appears without a
// reload, is completed by choosing an outcome and clicking Complete, and its request shows
// in the log with its parameters and response; the forms queue an outcome, trigger an
// event (delivered to a webhook endpoint) and reset with a confirm step. Throughout, the
// page asks nothing of another origin and logs no console error. Screenshots (desktop and
// 360 px wide) land in target/browser/.
//
// Environment: FCMOCK_URL (a running fcmock; tests/browser/run.sh starts one),
// CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '..', '..', 'target', 'browser');
fs.mkdirSync(shots, { recursive: true });

if (!process.env.FCMOCK_URL) throw new Error('FCMOCK_URL is not set; run tests/browser/run.sh');
const BASE = process.env.FCMOCK_URL.replace(/\/+$/, '');
const ORIGIN = new URL(BASE).origin;
// Its own namespace: the hosted-page tests share this fcmock.
const KEY = `sk_test_dashboard_${process.pid}`;
/** How long a change may take to show (the bound). */
const LIVE_MS = 3000;

let context;
let userDataDir;
let receiver;
const received = [];
const foreign = [];
const consoleErrors = [];

before(async () => {
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcmock-dashboard-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => { received.push(JSON.parse(body)); res.end('ok'); });
  });
  await new Promise((resolve) => { receiver.listen(0, '127.0.0.1', resolve); });
});

after(async () => {
  await context?.close();
  receiver?.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** A page of the dashboard that records foreign requests and console errors. */
async function open() {
  const page = await context.newPage();
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol !== 'data:' && url.origin !== ORIGIN) foreign.push(r.url());
  });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  await page.goto(`${BASE}/_fcmock/ui`);
  await page.locator('#live', { hasText: 'Live' }).waitFor();
  return page;
}

async function stripe(method, urlPath, params = {}) {
  const res = await fetch(`${BASE}${urlPath}`, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: method === 'GET' ? undefined : new URLSearchParams(params),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

async function newSession(extra = {}) {
  const customer = await stripe('POST', '/v1/customers', { email: 'qa@example.com', 'metadata[note]': '<b>not bold</b>' });
  return stripe('POST', '/v1/financial_connections/sessions', {
    'account_holder[type]': 'customer',
    'account_holder[customer]': customer.id,
    'permissions[]': 'balances',
    return_url: 'https://example.com/return?<script>alert(1)</script>',
    ...extra,
  });
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

test('a new session appears live, is completed by outcome and click, and its request is logged', async (t) => {
  const page = await open();
  const session = await newSession();
  const created = Date.now();
  const row = page.locator('#sessions-body tr', { hasText: session.id });
  await row.waitFor({ timeout: LIVE_MS });
  t.diagnostic(`the new session showed ${Date.now() - created} ms after its create answered`);
  assert.ok(await row.getByText('pending').isVisible());
  // The client's return_url, markup and all, is shown as text.
  assert.ok(await row.getByText('return_url: https://example.com/return?<script>alert(1)</script>').isVisible());

  await row.getByLabel('Outcome').selectOption('success');
  await row.getByRole('button', { name: 'Complete' }).click();

  await row.locator('.status', { hasText: 'succeeded' }).waitFor({ timeout: LIVE_MS });
  const completed = await stripe('GET', `/v1/financial_connections/sessions/${session.id}`);
  assert.equal(completed.accounts.data.length, 1);
  const listed = await (await fetch(`${BASE}/_fcmock/sessions?api_key=${KEY}`)).json();
  assert.equal(listed.data.find((s) => s.id === session.id).status, 'succeeded');
  const account = page.locator('#accounts-body tr', { hasText: completed.accounts.data[0].id });
  await account.waitFor({ timeout: LIVE_MS });

  const logged = page.locator('#requests-body tr', { hasText: '/v1/financial_connections/sessions' }).last();
  await logged.waitFor({ timeout: LIVE_MS });
  assert.ok(await logged.getByText('POST').isVisible());
  await logged.getByRole('button', { name: '/v1/financial_connections/sessions' }).click();
  const detail = page.locator('#requests-body tr.detail').first();
  await detail.getByText(session.id).first().waitFor({ timeout: LIVE_MS });
  assert.match(await detail.textContent(), /Request parameters[\s\S]*"permissions"/);
  assert.match(await detail.textContent(), /<script>alert\(1\)<\/script>/, 'shown as text');
  await page.close();
});

test('queue outcome, trigger event, settle, advance clock and reset work from the forms and keyboard', async () => {
  const endpoint = `http://127.0.0.1:${receiver.address().port}/hook`;
  await stripe('POST', '/v1/webhook_endpoints', { url: endpoint, 'enabled_events[]': '*' });
  const page = await open();
  await page.getByLabel('Show namespace').selectOption(KEY);

  // Queue outcome: cancel for the next session of this namespace, by keyboard.
  await page.locator('#queue-form').getByLabel('Outcome').selectOption('cancel');
  await page.locator('#q-namespace').selectOption(KEY);
  await page.getByRole('button', { name: 'Queue outcome' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#scenarios-body tr', { hasText: 'cancel' }).waitFor({ timeout: LIVE_MS });

  // Trigger event: the delivery arrives and is listed.
  await page.getByLabel('Event type').selectOption('financial_connections.account.refreshed_balance');
  await page.locator('#t-namespace').selectOption(KEY);
  await page.getByRole('button', { name: 'Trigger event' }).click();
  await page.locator('#trigger-result', { hasText: 'refreshed_balance' }).waitFor({ timeout: LIVE_MS });
  await page.locator('#deliveries-body tr', { hasText: 'financial_connections.account.refreshed_balance' })
    .locator('.status', { hasText: 'delivered' }).waitFor({ timeout: LIVE_MS });
  assert.ok(received.some((e) => e.type === 'financial_connections.account.refreshed_balance'));

  // A pending session for the screenshots (the queued cancel scripts it), a fault and a
  // pending refresh.
  const pending = await newSession();
  await page.locator('#sessions-body tr', { hasText: pending.id }).waitFor({ timeout: LIVE_MS });
  await page.locator('#q-outcome').selectOption('success');
  await page.locator('#queue-form').getByLabel('Count', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Queue outcome' }).click();
  await page.locator('#scenarios-body tr', { hasText: 'success' }).waitFor({ timeout: LIVE_MS });
  await page.getByLabel('Path prefix').fill('/v1/financial_connections/accounts');
  await page.locator('#f-namespace').selectOption(KEY);
  await page.getByRole('button', { name: 'Inject fault' }).click();
  await page.locator('#faults-body tr', { hasText: '/v1/financial_connections/accounts' }).waitFor({ timeout: LIVE_MS });
  await page.getByLabel('Amount').fill('2');
  await page.getByRole('button', { name: 'Advance clock' }).click();
  await page.locator('#flash', { hasText: 'Mock time is now' }).waitFor({ timeout: LIVE_MS });
  await page.getByRole('button', { name: 'Settle refreshes' }).click();
  await page.locator('#flash', { hasText: 'Settled' }).waitFor({ timeout: LIVE_MS });
  await page.locator('#flash').evaluate((node) => { node.hidden = true; });

  await shot(page, 'dashboard-desktop');
  await page.setViewportSize({ width: 360, height: 800 });
  await shot(page, 'dashboard-360');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(shots, 'dashboard-360-top.png') });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 || e.scrollWidth > e.clientWidth + 1)
    .slice(0, 8).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${e.scrollWidth}/${e.clientWidth}`));
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than 360 px: ${wide.join(', ')}`);
  await page.setViewportSize({ width: 1440, height: 900 });

  // Reset: a confirm step, then the namespace is empty.
  await page.locator('#r-namespace').selectOption(KEY);
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  assert.ok(await page.getByRole('button', { name: 'Keep everything' }).isVisible());
  await page.getByRole('button', { name: 'Confirm reset' }).click();
  await page.locator('#sessions-empty').waitFor({ state: 'visible', timeout: LIVE_MS });
  const left = await (await fetch(`${BASE}/_fcmock/sessions?api_key=${KEY}`)).json();
  assert.deepEqual(left.data, []);
  await page.close();
});

test('the dashboard asked nothing of another origin and logged no console error', () => {
  assert.deepEqual(foreign, []);
  assert.deepEqual(consoleErrors, []);
});
