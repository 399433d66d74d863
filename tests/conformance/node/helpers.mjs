// Shared helpers for running the official stripe-node library against fcmock.
//
// Every HTTP response the library (or a raw request made by a test) receives is appended
// as one JSON line to target/conformance/responses-node.jsonl; validate_responses.py later
// checks each body against Stripe's OpenAPI schemas.
//
// Environment: FCMOCK_URL (required), FCMOCK_CAPTURE_DIR (default <repo>/target/conformance).

import Stripe from 'stripe';
import { beforeEach } from 'node:test';
import crypto from 'node:crypto';
import fs from 'node:fs';
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
const captureFile = path.join(captureDir, 'responses-node.jsonl');
fs.mkdirSync(captureDir, { recursive: true });

let currentTest = '';
beforeEach((t) => {
  currentTest = `${path.basename(process.argv[1] || '')}::${t?.name ?? ''}`;
});

/** Appends one captured response (method, path with query, status, raw body). */
export function record(method, url, status, body, source) {
  const u = new URL(url);
  const line = JSON.stringify({
    lib: 'node',
    source,
    test: currentTest,
    method: method.toUpperCase(),
    path: u.pathname + u.search,
    status,
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
    record(method, String(url), res.status, text, 'stripe-node');
    requests.push([method.toUpperCase(), String(url), res.status]);
    return res;
  };
  const client = new Stripe(apiKey, {
    host: base.hostname,
    port: base.port,
    protocol: base.protocol.replace(':', ''),
    maxNetworkRetries: 0,
    telemetry: false,
    httpClient: Stripe.createFetchHttpClient(recordingFetch),
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
  record(method, url, res.status, text, 'raw');
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

export { Stripe };
