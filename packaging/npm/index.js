'use strict';
// fcmock for Node: starts the fcmock binary on a free port and wraps its control API.
// No runtime dependencies; the binary comes from FCMOCK_BINARY, the optional platform
// package @fcmock/<platform>-<arch>, or `fcmock` on PATH, in that order.

const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const EXE = process.platform === 'win32' ? 'fcmock.exe' : 'fcmock';
const STDERR_KEEP = 64 * 1024;
const LISTENING = /listening on (https?:\/\/[^\s"',]+)/;

/** The platform package this machine would use, e.g. `@fcmock/linux-x64`. */
function platformPackage() {
  return `@fcmock/${process.platform}-${process.arch}`;
}

function isExecutableFile(file) {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function fromPlatformPackage() {
  let dir;
  try {
    dir = path.dirname(require.resolve(`${platformPackage()}/package.json`));
  } catch {
    return null;
  }
  const file = path.join(dir, 'bin', EXE);
  if (!fs.existsSync(file)) return null;
  if (!isExecutableFile(file)) {
    // Some installers drop the mode bit; the file is ours to fix.
    try {
      fs.chmodSync(file, 0o755);
    } catch {
      return null;
    }
  }
  return file;
}

function fromPath() {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const file = path.join(dir, EXE);
    if (isExecutableFile(file)) return file;
  }
  return null;
}

/**
 * Where the fcmock binary is: `FCMOCK_BINARY`, else the optional platform package,
 * else `fcmock` on PATH. Throws when there is none.
 */
function resolveBinary() {
  const fromEnv = process.env.FCMOCK_BINARY;
  if (fromEnv) {
    if (!isExecutableFile(fromEnv)) {
      throw new Error(`fcmock: FCMOCK_BINARY=${fromEnv} is not an executable file`);
    }
    return fromEnv;
  }
  const found = fromPlatformPackage() || fromPath();
  if (found) return found;
  throw new Error(
    `fcmock: no binary found: set FCMOCK_BINARY, install ${platformPackage()} ` +
      `(an optional dependency of fcmock; was it skipped with --omit=optional?), ` +
      `or put fcmock on PATH`,
  );
}

// Options that become `--flag value`.
const VALUE_FLAGS = {
  host: '--host',
  seed: '--seed',
  publicUrl: '--public-url',
  logFormat: '--log-format',
  apiKey: '--api-key',
  apiVersion: '--api-version',
  fixtures: '--fixtures',
  refreshDelay: '--refresh-delay',
  freezeClock: '--freeze-clock',
  stateFile: '--state-file',
  controlToken: '--control-token',
  webhook: '--webhook',
  webhookSecret: '--webhook-secret',
  webhookRetryBaseMs: '--webhook-retry-base-ms',
  webhookMaxAttempts: '--webhook-max-attempts',
  maxBodyBytes: '--max-body-bytes',
  headerTimeoutSecs: '--header-timeout-secs',
  shutdownGraceSecs: '--shutdown-grace-secs',
};
// Options that are not flags.
const OTHER_OPTIONS = new Set(['binary', 'args', 'env', 'scenario', 'scenarios', 'startTimeoutMs', 'noControlApi']);

function buildArgs(options) {
  const args = ['--port', '0'];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null) continue;
    if (key === 'port') throw new TypeError('fcmock: start() always uses a free port; read s.url or s.port');
    if (Object.prototype.hasOwnProperty.call(VALUE_FLAGS, key)) {
      const v = key === 'freezeClock' && value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
      args.push(VALUE_FLAGS[key], String(v));
    } else if (!OTHER_OPTIONS.has(key)) {
      throw new TypeError(`fcmock: unknown option ${JSON.stringify(key)}`);
    }
  }
  const scenarios = [].concat(options.scenario ?? [], options.scenarios ?? []);
  for (const name of scenarios) args.push('--scenario', String(name));
  if (options.noControlApi) args.push('--no-control-api');
  if (options.args) args.push(...options.args.map(String));
  return args;
}

/** A fresh `sk_test_…` key: every key is its own isolated namespace in fcmock. */
function newApiKey() {
  return `sk_test_${crypto.randomBytes(12).toString('hex')}`;
}

class FcmockError extends Error {
  constructor(message, props) {
    super(message);
    this.name = 'FcmockError';
    Object.assign(this, props);
  }
}

class Server {
  constructor(child, url, options, stderrRef) {
    const u = new URL(url);
    /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash). */
    this.url = url.replace(/\/+$/, '');
    this.host = u.hostname;
    this.port = Number(u.port);
    this.pid = child.pid;
    this.process = child;
    /** A fresh test key (or the `apiKey` option, which fcmock then requires). */
    this.apiKey = options.apiKey || newApiKey();
    this._controlToken = options.controlToken;
    this._stderr = stderrRef;
    this._exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve({ code: child.exitCode, signal: child.signalCode });
      } else {
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }
    });
  }

  /** Another fresh `sk_test_…` key (a new, empty namespace); `s.apiKey` is unchanged. */
  newApiKey() {
    return newApiKey();
  }

  /** What fcmock has written on stderr so far (the last 64 KiB). */
  stderr() {
    return this._stderr.text;
  }

  /** Any control-API call: `control('GET', '/_fcmock/clock')` → parsed JSON. */
  async control(method, pathname, body) {
    const headers = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this._controlToken) headers.authorization = `Bearer ${this._controlToken}`;
    const res = await fetch(this.url + pathname, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const detail = json && json.error && json.error.message ? json.error.message : text;
      throw new FcmockError(`fcmock: ${method} ${pathname} → ${res.status}: ${detail}`, {
        status: res.status,
        body: json === undefined ? text : json,
      });
    }
    return json === undefined ? text : json;
  }

  /** POST /_fcmock/sessions/{id}/complete → the session as the Stripe API shows it. */
  completeSession(id, outcome = { outcome: 'success' }) {
    return this.control('POST', `/_fcmock/sessions/${encodeURIComponent(id)}/complete`, outcome);
  }

  /** POST /_fcmock/scenarios: queue the outcome of the next session(s); a string names a scenario file. */
  queue(scenario) {
    return this.control('POST', '/_fcmock/scenarios', typeof scenario === 'string' ? { name: scenario } : scenario);
  }

  /** POST /_fcmock/refreshes/settle: settle every pending refresh now → the number settled. */
  async settleRefreshes() {
    return (await this.control('POST', '/_fcmock/refreshes/settle', {})).settled;
  }

  /** POST /_fcmock/clock {advance_seconds} → `{now, frozen}`. */
  advanceClock(seconds) {
    return this.control('POST', '/_fcmock/clock', { advance_seconds: seconds });
  }

  /** POST /_fcmock/clock {freeze_at} → `{now, frozen}`. */
  freezeClock(at) {
    const unix = at instanceof Date ? Math.floor(at.getTime() / 1000) : at;
    return this.control('POST', '/_fcmock/clock', { freeze_at: unix });
  }

  /** GET /_fcmock/clock → `{now, frozen}`. */
  clock() {
    return this.control('GET', '/_fcmock/clock');
  }

  /** POST /_fcmock/faults: queue a fault for the next matching Stripe API request(s). */
  fault(fault) {
    return this.control('POST', '/_fcmock/faults', fault);
  }

  /** GET /_fcmock/sessions → the sessions (`data`). */
  async sessions({ apiKey } = {}) {
    const q = apiKey ? `?api_key=${encodeURIComponent(apiKey)}` : '';
    return (await this.control('GET', `/_fcmock/sessions${q}`)).data;
  }

  /** GET /_fcmock/requests → the request log, newest last (`data`). */
  async requests({ apiKey, path: prefix, limit } = {}) {
    const q = new URLSearchParams();
    if (apiKey) q.set('api_key', apiKey);
    if (prefix) q.set('path', prefix);
    if (limit !== undefined) q.set('limit', String(limit));
    const qs = q.toString();
    return (await this.control('GET', `/_fcmock/requests${qs ? `?${qs}` : ''}`)).data;
  }

  /** POST /_fcmock/reset: everything (the clock stays), or only `apiKey`'s state. */
  reset(apiKey) {
    return this.control('POST', '/_fcmock/reset', apiKey ? { api_key: apiKey } : {});
  }

  /** Resolves with `{code, signal}` when the process has exited. */
  exited() {
    return this._exited;
  }

  /** Stops fcmock (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit. */
  async stop({ graceMs = 5000 } = {}) {
    const child = this.process;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        await this._exited;
      } finally {
        clearTimeout(timer);
      }
    }
    untrack(child);
    return this._exited;
  }
}

// Children still running when Node exits are killed (synchronously, in 'exit').
const live = new Set();
function killAll() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
function track(child) {
  if (live.size === 0) process.on('exit', killAll);
  live.add(child);
}
function untrack(child) {
  if (live.delete(child) && live.size === 0) process.removeListener('exit', killAll);
}

async function waitHealthy(url, deadline, failed) {
  let lastError;
  while (Date.now() < deadline) {
    if (failed()) return false;
    try {
      const res = await fetch(`${url}/_fcmock/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return true;
      lastError = new Error(`health answered ${res.status}`);
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw lastError || new Error('timed out');
}

/**
 * Spawns fcmock on a free port and resolves with a server handle once `/_fcmock/health`
 * answers; rejects with fcmock's stderr if it fails to start.
 */
function start(options = {}) {
  return new Promise((resolve, reject) => {
    let binary;
    let args;
    try {
      binary = options.binary || resolveBinary();
      args = buildArgs(options);
    } catch (e) {
      reject(e);
      return;
    }
    const env = { ...process.env, ...(options.env || {}) };
    // The listening line is logged at INFO; a quieter FCMOCK_LOG would hide it.
    if (!options.env || options.env.FCMOCK_LOG === undefined) delete env.FCMOCK_LOG;
    delete env.FCMOCK_PORT;
    const startTimeoutMs = options.startTimeoutMs ?? 30000;

    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    track(child);
    const stderr = { text: '' };
    let settled = false;
    let listeningUrl = null;
    let exitInfo = null;

    const fail = (message, extra = {}) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrack(child);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const text = stderr.text.trim();
      reject(
        new FcmockError(`${message}${text ? `:\n${text}` : ''}`, {
          stderr: stderr.text,
          binary,
          args,
          ...extra,
        }),
      );
    };

    const timer = setTimeout(() => fail(`fcmock did not become healthy within ${startTimeoutMs} ms`), startTimeoutMs);

    child.stdout.resume(); // fcmock writes nothing useful there; never let the pipe fill
    child.stderr.setEncoding('utf8');
    let pending = '';
    child.stderr.on('data', (chunk) => {
      stderr.text += chunk;
      if (stderr.text.length > STDERR_KEEP) stderr.text = stderr.text.slice(-STDERR_KEEP);
      if (listeningUrl) return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const m = LISTENING.exec(line);
        if (m) {
          listeningUrl = m[1];
          onListening(listeningUrl);
          break;
        }
      }
      if (pending.length > STDERR_KEEP) pending = pending.slice(-STDERR_KEEP);
    });
    child.once('error', (e) => fail(`fcmock could not be started (${binary}): ${e.message}`, { cause: e }));
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      untrack(child);
      // stderr may still hold the last words; let the stream finish first.
      const report = () =>
        fail(`fcmock exited during start-up (${signal ? `signal ${signal}` : `exit code ${code}`})`, {
          exitCode: code,
          signal,
        });
      if (child.stderr.readableEnded) report();
      else child.stderr.once('close', report);
    });

    async function onListening(url) {
      try {
        const healthy = await waitHealthy(url, Date.now() + startTimeoutMs, () => settled || exitInfo !== null);
        if (!healthy || settled) return;
      } catch (e) {
        fail(`fcmock at ${url} never answered /_fcmock/health (${e.message})`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      // A forgotten server must not keep Node alive; it is killed on exit instead.
      child.unref();
      child.stdout.unref?.();
      child.stderr.unref?.();
      resolve(new Server(child, url, options, stderr));
    }
  });
}

module.exports = { start, resolveBinary, platformPackage, newApiKey, FcmockError, Server };
