import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/**
 * Coder's agent log API over node:http(s), with bounded retries and one
 * kept-alive connection. Not fetch: undici's per-request streams, headers and
 * body copies made the streaming process ~40 MiB larger at a peak of
 * 200,000 lines (bench/log-streaming.ts measures it).
 */
export class HttpCoderLogApi implements CoderLogApi {
  private readonly base: string;
  private readonly token: string;
  private readonly retry: Required<CoderRetryOptions>;
  // Idle kept-alive sockets are unref'd by node's Agent: they never keep the process alive.
  private readonly agent: HttpAgent;

  constructor(options: HttpCoderLogApiOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.token = options.token;
    this.agent = new URL(this.base).protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
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
    const cancelled = () => signal?.aborted === true;
    if (cancelled()) throw new AbortError(`${method} ${path} was cancelled`);
    let answer: { status: number; text: string };
    try {
      answer = await this.send(method, path, Buffer.from(JSON.stringify(body), 'utf8'), signal);
    } catch (error) {
      if (cancelled()) throw new AbortError(`${method} ${path} was cancelled`);
      const reason = error instanceof RequestTimeout ? `timed out after ${this.retry.requestTimeoutMs} ms` : describe(error);
      throw new CoderApiError(`${method} ${path}: ${reason}`, 'network', undefined, { cause: error });
    }
    if (answer.status === expected) return;
    const error = new CoderApiError(
      `${method} ${path}: ${answer.status} ${coderMessage(answer.text)}`.trim(),
      kindOf(answer.status),
      answer.status,
    );
    if (error.kind === 'limit' || error.kind === 'rejected') throw new AbortError(error);
    throw error;
  }

  /** One HTTP request; resolves with the status and the body (read whole: it frees the connection and carries Coder's reason). */
  private send(method: string, path: string, payload: Buffer, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const url = new URL(this.base + path);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, value?: { status: number; text: string }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve(value as { status: number; text: string });
        else {
          req.destroy();
          reject(error);
        }
      };
      const req = request(url, {
        method,
        agent: this.agent,
        headers: {
          'Coder-Session-Token': this.token,
          'Content-Type': 'application/json',
          'Content-Length': payload.length,
          Accept: 'application/json',
        },
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => finish(error));
        res.on('aborted', () => finish(new Error('the connection closed before the answer was complete')));
      });
      const timer = setTimeout(() => finish(new RequestTimeout()), this.retry.requestTimeoutMs);
      const onAbort = () => finish(new Error('cancelled'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => finish(error));
      req.end(payload);
    });
  }
}

class RequestTimeout extends Error {}

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
