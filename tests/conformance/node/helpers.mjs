// Shared helpers for running the official stripe-node library against fcmock.
//
// Every HTTP response the library (or a raw request made by a test) receives is appended
// as one JSON line to target/conformance/responses-node.jsonl (responses-node-dahlia.jsonl
// when the version is forced, see below), with the Stripe-Version it was rendered at;
// validate_responses.py later checks each body against Stripe's schemas of that version.
//
// Environment:
//   FCMOCK_URL             base URL of a running fcmock (required)
//   FCMOCK_CAPTURE_DIR     where the capture file goes (default <repo>/target/conformance)
//   FCMOCK_STRIPE_VERSION  the API version every client sends (`new Stripe(key,
//                          {apiVersion})`); default: the library's pinned one. When it
//                          differs from the pin the capture file is responses-node-<name>.jsonl
//                          (`dahlia` for 2026-07-29.dahlia)
//   FCMOCK_API_VERSIONS    `fcmock api-versions` output (or the binary), for tests that pick
//                          parameters by version (default target/conformance/api-versions.json,
//                          else target/conformance/fcmock)
//
// Every response the library receives must carry the version in use as its Stripe-Version
// header; a test during which one did not fails (afterEach).

import Stripe from 'stripe';
import assert from 'node:assert/strict';
import { afterEach, beforeEach } from 'node:test';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');

if (!process.env.FCMOCK_URL) {
  throw new Error('FCMOCK_URL is not set; run tests/conformance/run.sh');
}
export const BASE_URL = process.env.FCMOCK_URL.replace(/\/+$/, '');
const base = new URL(BASE_URL);
const captureDir = process.env.FCMOCK_CAPTURE_DIR || path.join(repoRoot, 'target', 'conformance');

/** The version stripe-node pins, and the one every client sends. */
export const PINNED_VERSION = Stripe.API_VERSION;
export const STRIPE_VERSION = process.env.FCMOCK_STRIPE_VERSION || PINNED_VERSION;

/** '' at the pinned version, else '-' and the release name ('-dahlia'), or a bare date. */
function captureSuffix(version, pinned) {
  if (version === pinned) return '';
  const dot = version.indexOf('.');
  return '-' + (dot >= 0 ? version.slice(dot + 1) : version);
}
const captureFile = path.join(
  captureDir,
  `responses-node${captureSuffix(STRIPE_VERSION, PINNED_VERSION)}.jsonl`,
);
fs.mkdirSync(captureDir, { recursive: true });

let currentTest = '';
// Library responses of the current test whose Stripe-Version was not STRIPE_VERSION.
const versionMismatches = [];
beforeEach((t) => {
  currentTest = `${path.basename(process.argv[1] || '')}::${t?.name ?? ''}`;
  versionMismatches.length = 0;
});
afterEach(() => {
  const found = versionMismatches.splice(0);
  assert.deepEqual(found, [], `responses not at Stripe-Version ${STRIPE_VERSION}`);
});

// ---------------------------------------------------------------- versions

let catalogue = null;

function catalogueSource() {
  if (process.env.FCMOCK_API_VERSIONS) return process.env.FCMOCK_API_VERSIONS;
  for (const candidate of [
    path.join(captureDir, 'api-versions.json'),
    path.join(repoRoot, 'target', 'conformance', 'fcmock'),
  ]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    'no version catalogue: set FCMOCK_API_VERSIONS to `fcmock api-versions` output (run.sh does)',
  );
}

/** fcmock's version registry (`fcmock api-versions`): a JSON file, or the binary. */
function loadCatalogue() {
  if (catalogue) return catalogue;
  const source = catalogueSource();
  const text = source.endsWith('.json')
    ? fs.readFileSync(source, 'utf8')
    : execFileSync(source, ['api-versions'], { encoding: 'utf8' });
  catalogue = JSON.parse(text);
  return catalogue;
}

/**
 * Whether `version` (default: the one in use) sees a change of fcmock's registry, e.g.
 * 'session_country'. From the catalogue's `sees` lists (no date comparison); a bare date
 * that is no release sees none, as the catalogue says.
 */
export function versionSees(change, version = STRIPE_VERSION) {
  const cat = loadCatalogue();
  if (!cat.changes.some((c) => c.name === change)) {
    throw new Error(`fcmock's registry has no change ${change}`);
  }
  const head = version.split(';')[0].trim();
  const release = cat.releases.find((r) => r.version === head);
  if (release) return release.sees.includes(change);
  if (/^\d{4}-\d{2}-\d{2}$/.test(head)) return false;
  throw new Error(`unknown API version ${version}`);
}

/**
 * A session's `filters` restricting it to one country, as the version in use spells it:
 * {country: 'US'} from 2026-09-30.endive on, {countries: ['US']} before.
 */
export const countryFilter = (country = 'US') =>
  versionSees('session_country') ? { country } : { countries: [country] };

/** A session's `filters` shows the country the way the version in use renders it. */
export function assertCountryFilter(session, country = 'US') {
  const { filters } = session;
  if (versionSees('session_country')) {
    assert.equal(filters.country, country);
    assert.ok(!('countries' in filters), JSON.stringify(filters));
  } else {
    assert.deepEqual(filters.countries, [country]);
    assert.equal('country' in filters, versionSees('session_country_shown'), JSON.stringify(filters));
    if ('country' in filters) assert.equal(filters.country, country);
  }
}

// ---------------------------------------------------------------- capture

/**
 * Appends one captured response (method, path with query, status, the response's
 * Stripe-Version, raw body).
 */
export function record(method, url, status, body, source, version = null) {
  const u = new URL(url);
  const line = JSON.stringify({
    lib: 'node',
    source,
    test: currentTest,
    method: method.toUpperCase(),
    path: u.pathname + u.search,
    status,
    version,
    body,
  });
  // One write per line, opened with O_APPEND: lines from parallel test files never mix.
  fs.appendFileSync(captureFile, line + '\n');
}

/** A fresh test key: fcmock gives every key its own namespace, so tests are isolated. */
export function newTestKey() {
  return 'sk_test_conf' + crypto.randomBytes(12).toString('hex');
}

/**
 * A stripe-node client pointed at fcmock, with no retries, whose fetch records every
 * response. Returns the client; `client.conformanceRequests` lists [method, url, status].
 */
export function makeClient(apiKey, config = {}) {
  const requests = [];
  const recordingFetch = async (url, init = {}) => {
    const res = await fetch(url, init);
    const text = await res.clone().text();
    const method = init.method || 'GET';
    const version = res.headers.get('stripe-version');
    record(method, String(url), res.status, text, 'stripe-node', version);
    requests.push([method.toUpperCase(), String(url), res.status]);
    if (version !== (config.apiVersion ?? STRIPE_VERSION)) {
      versionMismatches.push(`${method} ${url} -> ${res.status} came with Stripe-Version ${version}`);
    }
    return res;
  };
  const client = new Stripe(apiKey, {
    host: base.hostname,
    port: base.port,
    protocol: base.protocol.replace(':', ''),
    maxNetworkRetries: 0,
    telemetry: false,
    httpClient: Stripe.createFetchHttpClient(recordingFetch),
    apiVersion: STRIPE_VERSION,
    ...config,
  });
  Object.defineProperty(client, 'conformanceRequests', { value: requests });
  return client;
}

/** A plain HTTP request (no Stripe library) to fcmock; the response is captured too. */
export async function rawRequest(method, pathAndQuery, { apiKey, body, headers = {} } = {}) {
  const h = { ...headers };
  if (apiKey !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'authorization')) {
    h.Authorization = `Bearer ${apiKey}`;
  }
  if (body !== undefined && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
    h['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  const url = BASE_URL + pathAndQuery;
  const res = await fetch(url, { method, headers: h, body });
  const text = await res.text();
  record(method, url, res.status, text, 'raw', res.headers.get('stripe-version'));
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export function uniqueEmail(tag = 'c') {
  return `${tag}.${crypto.randomBytes(4).toString('hex')}@example.com`;
}

// Webhook receivers and the control API, shared by the webhook and ACH suites.

/** A receiver answering each POST with the next scripted status (then 200). */
export async function startReceiver(script = []) {
  const received = []; // { body: raw string, signature }
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: req.headers['stripe-signature'],
        contentType: req.headers['content-type'],
        userAgent: req.headers['user-agent'],
      });
      res.writeHead(script.length ? script.shift() : 200, { 'Content-Type': 'text/plain' });
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    // close() alone waits for every open connection, and fcmock's webhook client keeps
    // its keep-alive connections: end them too, or the test can hang at close.
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

export async function control(path, body) {
  const res = await rawRequest('POST', path, {
    body: JSON.stringify(body),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

export const flush = (apiKey) => control('/_fcmock/webhooks/flush', { api_key: apiKey });

/** Every delivery, verified by stripe-node (throws if any signature is wrong). */
export function verifiedEvents(stripe, receiver, secret) {
  return receiver.received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, secret));
}

export { Stripe };
