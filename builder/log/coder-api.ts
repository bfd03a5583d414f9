import pRetry, { AbortError } from 'p-retry';
import type { LogLevel } from './log-line.js';

// The two calls of Coder's agent log API, as coder/coder defines them:
// - routes and bodies: `codersdk/agentsdk/agentsdk.go` (`PostLogSourceRequest`
//   {id, display_name, icon}; `PatchLogs` {log_source_id, logs}; `Log`
//   {created_at, output, level}); auth header `Coder-Session-Token`
//   (`codersdk.SessionTokenHeader`).
// - `coderd/workspaceagents.go` `workspaceAgentPostLogSource`: 201, also when
//   the id already exists (unique violation answered with 201).
// - `coderd/workspaceagents.go` `patchWorkspaceAgentLogs`: 200; 400 for no logs
//   or a level outside trace/debug/info/warn/error; 413 once the agent's logs
//   passed the limit (the whole batch is rejected: the insert is one statement).
// - `coderd/httpmw/workspaceagent.go`: 401 "Workspace agent not authorized"
//   until the workspace provision job has completed — the race at pod start.

/** One entry of a PATCH, in Coder's wire format. */
export interface CoderLogEntry {
  readonly created_at: string;
  readonly output: string;
  readonly level: LogLevel;
}

/** A log source as Coder shows it above its lines. */
export interface CoderLogSource {
  readonly id: string;
  readonly display_name: string;
  /** A path Coder serves (`site/static/icon/…`) or an absolute URL. */
  readonly icon: string;
}

/** The two calls, as the sink needs them (tests may pass their own). */
export interface CoderLogApi {
  postLogSource(source: CoderLogSource, signal?: AbortSignal): Promise<void>;
  patchLogs(sourceId: string, logs: readonly CoderLogEntry[], signal?: AbortSignal): Promise<void>;
}

/** How long and how often failed calls are retried. Every loop is bounded. */
export interface CoderRetryOptions {
  /**
   * Retries of a 5xx answer or a network error, per call.
   * @default 6
   */
  readonly retries?: number;
  /**
   * How long a 401 is retried, per call: Coder answers 401 until the
   * workspace build's provision job has finished, which races the pod's start.
   * @default 300_000 (5 minutes)
   */
  readonly unauthorizedForMs?: number;
  /** @default 500 */
  readonly minTimeoutMs?: number;
  /** @default 10_000 */
  readonly maxTimeoutMs?: number;
  /**
   * One HTTP request is abandoned after this long (and retried like a network error).
   * @default 15_000
   */
  readonly requestTimeoutMs?: number;
}

/** Why a call to Coder failed for good. */
export type CoderApiErrorKind = 'unauthorized' | 'limit' | 'rejected' | 'server' | 'network';

/** A failed call to Coder's agent API; never carries the token. */
export class CoderApiError extends Error {
  override readonly name = 'CoderApiError';
  constructor(
    message: string,
    readonly kind: CoderApiErrorKind,
    readonly status: number | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Options of {@link HttpCoderLogApi}. */
export interface HttpCoderLogApiOptions {
  /** `CODER_AGENT_URL`, e.g. `https://coder.example.com`. */
  readonly url: string;
  /** `CODER_AGENT_TOKEN`; sent only in the `Coder-Session-Token` header. */
  readonly token: string;
  /** @default - the defaults of {@link CoderRetryOptions} */
  readonly retry?: CoderRetryOptions;
}

/** Coder's agent log API over node's fetch, with bounded retries. */
export class HttpCoderLogApi implements CoderLogApi {
  private readonly base: string;
  private readonly token: string;
  private readonly retry: Required<CoderRetryOptions>;

  constructor(options: HttpCoderLogApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.token = options.token;
    const r = options.retry ?? {};
    this.retry = {
      retries: r.retries ?? 6,
      unauthorizedForMs: r.unauthorizedForMs ?? 300_000,
      minTimeoutMs: r.minTimeoutMs ?? 500,
      maxTimeoutMs: r.maxTimeoutMs ?? 10_000,
      requestTimeoutMs: r.requestTimeoutMs ?? 15_000,
    };
    for (const [name, value] of Object.entries(this.retry)) {
      if (!Number.isFinite(value) || value < 0) {
        throw new TypeError(`retry.${name} must be a finite number ≥ 0, got ${String(value)} (${typeof value}).`);
      }
    }
  }

  postLogSource(source: CoderLogSource, signal?: AbortSignal): Promise<void> {
    return this.call('POST', '/api/v2/workspaceagents/me/log-source', source, 201, signal);
  }

  patchLogs(sourceId: string, logs: readonly CoderLogEntry[], signal?: AbortSignal): Promise<void> {
    return this.call('PATCH', '/api/v2/workspaceagents/me/logs', { log_source_id: sourceId, logs }, 200, signal);
  }

  private async call(method: string, path: string, body: unknown, expected: number, signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    const { retries, unauthorizedForMs, minTimeoutMs, maxTimeoutMs } = this.retry;
    let transientFailures = 0;
    await pRetry(() => this.once(method, path, body, expected, signal), {
      // The real bounds are in shouldRetry; this cap only guards against a bug there.
      retries: retries + Math.ceil(unauthorizedForMs / Math.max(minTimeoutMs, 1)) + 1,
      factor: 2,
      minTimeout: minTimeoutMs,
      maxTimeout: maxTimeoutMs,
      randomize: true,
      signal,
      // A pending backoff must not keep the process alive; callers await close().
      unref: true,
      shouldRetry: ({ error }) => {
        if (!(error instanceof CoderApiError)) return false;
        if (error.kind === 'unauthorized') return performance.now() - started < unauthorizedForMs;
        transientFailures += 1;
        return transientFailures <= retries;
      },
    });
  }

  private async once(method: string, path: string, body: unknown, expected: number, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.retry.requestTimeoutMs);
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers: { 'Coder-Session-Token': this.token, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      if (signal?.aborted === true) throw new AbortError(`${method} ${path} was cancelled`);
      const reason = timeout.aborted ? `timed out after ${this.retry.requestTimeoutMs} ms` : describe(error);
      throw new CoderApiError(`${method} ${path}: ${reason}`, 'network', undefined, { cause: error });
    }
    // Read the body either way: it frees the connection and carries Coder's reason.
    const text = await response.text().catch(() => '');
    if (response.status === expected) return;
    const error = new CoderApiError(
      `${method} ${path}: ${response.status} ${coderMessage(text)}`.trim(),
      kindOf(response.status),
      response.status,
    );
    if (error.kind === 'limit' || error.kind === 'rejected') throw new AbortError(error);
    throw error;
  }
}

function kindOf(status: number): CoderApiErrorKind {
  if (status === 401) return 'unauthorized';
  if (status === 413) return 'limit';
  // 408 and 429 are the 4xx that mean "try again later".
  if (status >= 500 || status === 408 || status === 429) return 'server';
  return 'rejected';
}

/** Coder answers errors as `{message, detail}` (`codersdk.Response`). */
function coderMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { message?: unknown; detail?: unknown };
    const parts = [parsed.message, parsed.detail].filter((p): p is string => typeof p === 'string' && p !== '');
    return parts.join(': ').slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}
