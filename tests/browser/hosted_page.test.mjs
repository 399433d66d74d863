// Walks fcmock's hosted auth page in a real browser (Debian's chromium driven by
// playwright-core, JavaScript turned off to prove the page needs none): success, cancel, a
// down bank and Sandbox Bank's `error` password. Each test asserts where the page finally
// redirects, then what the SDKs would read back (`session_receipt`). Screenshots of every
// step are kept under target/browser/ as test artifacts.
//
// Environment: FCMOCK_URL (a running fcmock; tests/browser/run.sh starts one),
// CHROMIUM (default /usr/bin/chromium).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.resolve(here, '..', '..', 'target', 'browser');
fs.mkdirSync(shots, { recursive: true });

if (!process.env.FCMOCK_URL) throw new Error('FCMOCK_URL is not set; run tests/browser/run.sh');
const BASE = process.env.FCMOCK_URL.replace(/\/+$/, '');
const PK = 'pk_test_browser';

let context;
let userDataDir;

before(async () => {
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fcmock-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    javaScriptEnabled: false,
    viewport: { width: 390, height: 844 },
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
});

after(async () => {
  await context?.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
});

/** A new token-collecting session from the example backend: its client secret. */
async function newSession(holder = '') {
  const res = await fetch(`${BASE}/financial-connections-sheet${holder}`, { method: 'POST' });
  assert.equal(res.status, 200);
  return (await res.json()).clientSecret;
}

/** synchronize as an SDK would; returns the manifest. */
async function manifest(clientSecret, extra = {}) {
  const body = new URLSearchParams({ client_secret: clientSecret, ...extra });
  const res = await fetch(`${BASE}/v1/financial_connections/sessions/synchronize`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${PK}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body,
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()).manifest;
}

async function receipt(clientSecret) {
  const res = await fetch(
    `${BASE}/v1/link_account_sessions/session_receipt?client_secret=${encodeURIComponent(clientSecret)}`,
    { headers: { Authorization: `Bearer ${PK}` } },
  );
  return { status: res.status, json: await res.json() };
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

test('success: consent, bank, login, accounts, then the success_url and a receipt with a token', async () => {
  const cs = await newSession();
  const m = await manifest(cs);
  const page = await context.newPage();
  await page.goto(m.hosted_auth_url);
  await shot(page, 'success-1-consent');
  await page.getByRole('button', { name: 'Agree and continue' }).click();
  await shot(page, 'success-2-institutions');
  await page.getByRole('button', { name: 'Test Institution', exact: true }).click();
  await page.getByLabel('Username').fill('jenny');
  await page.getByLabel('Password').fill('anything');
  await shot(page, 'success-3-login');
  await page.getByRole('button', { name: 'Log in' }).click();
  await shot(page, 'success-4-accounts');
  assert.ok(await page.getByRole('checkbox', { name: /Success/ }).isChecked(), 'pre-selected');
  await page.getByRole('button', { name: 'Link accounts' }).click();
  await shot(page, 'success-5-done');
  await page.getByRole('link', { name: 'Continue' }).click();
  await page.waitForURL(m.success_url);
  assert.equal(page.url(), m.success_url);
  const r = await receipt(cs);
  assert.equal(r.status, 200);
  assert.equal(r.json.status, 'succeeded');
  assert.equal(r.json.accounts.data.length, 1);
  assert.match(r.json.bank_account_token.id, /^btok_/);
  await page.close();
});

test('cancel: the Cancel button lands on cancel_url and the session is cancelled', async () => {
  const cs = await newSession('?holder=customer');
  const m = await manifest(cs);
  const page = await context.newPage();
  await page.goto(m.hosted_auth_url);
  await page.getByRole('button', { name: 'Agree and continue' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForURL(m.cancel_url);
  await shot(page, 'cancel-done');
  const r = await receipt(cs);
  assert.equal(r.json.status, 'cancelled');
  assert.deepEqual(r.json.status_details, { cancelled: { reason: 'other' } });
  await page.close();
});

test('a down bank found by search shows its failure and the receipt fails', async () => {
  const cs = await newSession();
  const m = await manifest(cs);
  const page = await context.newPage();
  await page.goto(m.hosted_auth_url);
  await page.getByRole('button', { name: 'Agree and continue' }).click();
  await page.getByRole('searchbox').fill('Down Bank');
  await page.getByRole('button', { name: 'Search' }).click();
  await shot(page, 'down-1-search');
  await page.getByRole('button', { name: 'Down Bank (Unscheduled)' }).click();
  await shot(page, 'down-2-failure');
  assert.ok(await page.getByText('This bank is unavailable').isVisible());
  await page.getByRole('button', { name: 'Close' }).click();
  await page.waitForURL(m.cancel_url);
  const r = await receipt(cs);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'institution_unavailable_unplanned');
});

test("Sandbox Bank's error password fails the login and the session", async () => {
  const cs = await newSession();
  const m = await manifest(cs);
  const page = await context.newPage();
  await page.goto(m.hosted_auth_url);
  await page.getByRole('button', { name: 'Agree and continue' }).click();
  await page.getByRole('button', { name: 'Sandbox Bank (Non-OAuth)' }).click();
  await page.getByLabel('Username').fill('jenny');
  await page.getByLabel('Password').fill('error');
  await page.getByRole('button', { name: 'Log in' }).click();
  await shot(page, 'sandbox-error-failure');
  assert.ok(await page.getByText('We could not log you in').isVisible());
  await page.getByRole('button', { name: 'Close' }).click();
  await page.waitForURL(m.cancel_url);
  const r = await receipt(cs);
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'authorization_failed');
});

test('for an Android app the success link is exactly its stripe-auth URL', async () => {
  const cs = await newSession();
  const m = await manifest(cs, { 'mobile[application_id]': 'com.example.app' });
  const page = await context.newPage();
  await page.goto(m.hosted_auth_url);
  await page.getByRole('button', { name: 'Agree and continue' }).click();
  await page.getByRole('button', { name: 'Test OAuth Institution' }).click();
  await page.getByRole('button', { name: 'Link accounts' }).click();
  const href = await page.getByRole('link', { name: 'Continue' }).getAttribute('href');
  assert.equal(href, 'stripe-auth://link-accounts/com.example.app/success');
  assert.equal(href, m.success_url);
  await page.close();
});
