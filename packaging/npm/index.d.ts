import type { ChildProcess } from 'node:child_process';

/** Options of `start()`; each of the flag options becomes the fcmock CLI flag named beside it. */
export interface StartOptions {
  /** `--seed`: reproducible ids and generated transactions. */
  seed?: number;
  /** `--api-version`: every account's default Stripe API version, e.g. `2026-07-29.dahlia`. */
  apiVersion?: string;
  /** `--fixtures DIR`: a directory with `institutions.json` and `scenarios/*.json`. */
  fixtures?: string;
  /** `--refresh-delay MS`: how long a refresh stays `pending`. */
  refreshDelay?: number;
  /** `--freeze-clock UNIX`: start with the mock clock frozen (a number of seconds, or a Date). */
  freezeClock?: number | Date;
  /** `--host` (default `127.0.0.1`). */
  host?: string;
  /** `--public-url`: base URL of links fcmock hands out. */
  publicUrl?: string;
  /** `--log-format`: `text` or `json`. */
  logFormat?: 'text' | 'json';
  /** `--api-key`: accept only this secret key; it is then `s.apiKey`. */
  apiKey?: string;
  /** `--state-file PATH`. */
  stateFile?: string;
  /** `--scenario NAME`, once per name. */
  scenario?: string | string[];
  /** Same as `scenario`. */
  scenarios?: string | string[];
  /** `--control-token`: also sent by the control helpers. */
  controlToken?: string;
  /** `--no-control-api`. */
  noControlApi?: boolean;
  /** `--webhook URL`. */
  webhook?: string;
  /** `--webhook-secret`. */
  webhookSecret?: string;
  /** `--webhook-retry-base-ms`. */
  webhookRetryBaseMs?: number;
  /** `--webhook-max-attempts`. */
  webhookMaxAttempts?: number;
  /** `--max-body-bytes`. */
  maxBodyBytes?: number;
  /** `--header-timeout-secs`. */
  headerTimeoutSecs?: number;
  /** `--shutdown-grace-secs`. */
  shutdownGraceSecs?: number;
  /** More CLI arguments, appended as they are. */
  args?: string[];
  /** Extra environment variables for the process (merged over `process.env`). */
  env?: Record<string, string>;
  /** The binary to run, instead of FCMOCK_BINARY / the platform package / PATH. */
  binary?: string;
  /** How long start-up may take before `start()` rejects (default 30000). */
  startTimeoutMs?: number;
}

export type Outcome =
  | { outcome: 'success'; institution?: string; accounts?: string[] }
  | { outcome: 'cancel' }
  | { outcome: 'failure'; failure?: string };

export type Scenario = Outcome & {
  count?: number;
  api_key?: string;
  customer?: string;
  account?: string;
  auto_complete?: boolean;
};

export interface Clock {
  now: number;
  frozen: boolean;
}

export interface LoggedRequest {
  request_id: string;
  method: string;
  path: string;
  params: unknown;
  status: number;
  api_key_namespace: string;
  idempotency_key: string | null;
  created: number;
  duration_us: number;
  [key: string]: unknown;
}

/** An error of `start()` or of a control call. */
export declare class FcmockError extends Error {
  /** fcmock's stderr (start-up failures). */
  stderr?: string;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  binary?: string;
  args?: string[];
  /** HTTP status (control calls). */
  status?: number;
  body?: unknown;
}

export declare class Server {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly process: ChildProcess;
  /** A fresh `sk_test_…` key (or the `apiKey` option). */
  readonly apiKey: string;
  /** Another fresh `sk_test_…` key: a new, empty namespace. */
  newApiKey(): string;
  /** fcmock's stderr so far (the last 64 KiB). */
  stderr(): string;
  /** Any control-API call → its parsed JSON. */
  control<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** POST /_fcmock/sessions/{id}/complete → the session (default `{outcome: 'success'}`). */
  completeSession(id: string, outcome?: Outcome): Promise<any>;
  /** POST /_fcmock/scenarios; a string queues the scenario file of that name. */
  queue(scenario: Scenario | { name: string; count?: number; api_key?: string } | string): Promise<{ id: string; remaining: number; scenario: unknown }>;
  /** POST /_fcmock/refreshes/settle → the number of refreshes settled. */
  settleRefreshes(): Promise<number>;
  /** POST /_fcmock/clock `{advance_seconds}`. */
  advanceClock(seconds: number): Promise<Clock>;
  /** POST /_fcmock/clock `{freeze_at}`. */
  freezeClock(at: number | Date): Promise<Clock>;
  /** GET /_fcmock/clock. */
  clock(): Promise<Clock>;
  /** POST /_fcmock/faults. */
  fault(fault: Record<string, unknown>): Promise<any>;
  /** GET /_fcmock/sessions. */
  sessions(filter?: { apiKey?: string }): Promise<any[]>;
  /** GET /_fcmock/requests, newest last. */
  requests(filter?: { apiKey?: string; path?: string; limit?: number }): Promise<LoggedRequest[]>;
  /** POST /_fcmock/reset: everything, or only that key's state. */
  reset(apiKey?: string): Promise<any>;
  /** Resolves when the process has exited. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (SIGKILL after `graceMs`, default 5000) and wait for the exit. */
  stop(options?: { graceMs?: number }): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns fcmock on a free port; resolves once `/_fcmock/health` answers. */
export declare function start(options?: StartOptions): Promise<Server>;
/** The binary `start()` would run: FCMOCK_BINARY, the platform package, or PATH. */
export declare function resolveBinary(): string;
/** `@fcmock/<platform>-<arch>` for this machine. */
export declare function platformPackage(): string;
/** A fresh `sk_test_…` key. */
export declare function newApiKey(): string;
