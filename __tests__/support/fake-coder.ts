import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A stand-in for the part of coderd the builder talks to. Every rule below is
// taken from coder/coder, and enforced so tests can fail:
// - auth (`coderd/httpmw/workspaceagent.go`): header `Coder-Session-Token`,
//   a UUID, else 401; 401 "Workspace agent not authorized" while the
//   workspace's provision job has not completed (`unauthorizedForMs`).
// - `POST /api/v2/workspaceagents/me/log-source` (`coderd/workspaceagents.go`
//   `workspaceAgentPostLogSource`): 201, also for an id that already exists.
// - `PATCH /api/v2/workspaceagents/me/logs` (`patchWorkspaceAgentLogs`): 400
//   for no logs or a level outside trace/debug/info/warn/error (empty means
//   info); the outputs' UTF-8 bytes (Go `len`) are added to the agent's
//   `logs_length`, which may not pass 1 MiB (CHECK `max_logs_length`): such a
//   batch is rejected whole with 413 and the agent marked overflowed (a later
//   batch that still fits is stored: coderd only checks on failure). Each output is
//   stored cast to VARCHAR(1024), i.e. cut to 1024 characters
//   (`queries/workspaceagents.sql` `InsertWorkspaceAgentLogs`). An unknown
//   `log_source_id` violates a foreign key: 500.
// - `GET /api/v2/workspaceagents/me/gitsshkey` (route in `coderd/coderd.go`
//   under `/workspaceagents/me`, same agent auth; handler
//   `coderd/gitsshkey.go` `agentGitSSHKey`): 200 with `agentsdk.GitSSHKey`
//   `{"public_key", "private_key"}` (`codersdk/agentsdk/agentsdk.go`), the
//   workspace owner's key pair; 500 "Internal error fetching git SSH key."
//   when the owner has none (the query finds no row). Coder generates
//   ed25519 by default (`coderd/gitsshkey/gitsshkey.go`): an OpenSSH PEM
//   private key and an authorized_keys line "type base64\n" without comment
//   (`codersdk/gitsshkey.go` notes the trailing newline).
// - `GET /bin/coder-linux-<arch>`: the agent binary, no auth (`site` serves it).

/** Options of {@link startFakeCoder}. */
export interface FakeCoderOptions {
  /** @default '127.0.0.1' — the end-to-end harness passes a Docker bridge address */
  readonly host?: string;
  /** @default 0 (any free port) */
  readonly port?: number;
  /** @default - a random UUID */
  readonly token?: string;
  /**
   * Answer 401 to a valid token for this long, counted from the first API
   * request (not from start, so a slow machine still sees the window). @default 0
   */
  readonly unauthorizedForMs?: number;
  /** Bytes of output all sources of the agent may store together. @default 1_048_576 */
  readonly limitBytes?: number;
  /** A file served as `GET /bin/coder-linux-amd64` and `-arm64`. @default - 404 */
  readonly agentBinary?: string;
  /** The workspace owner's git SSH key pair (see {@link generateGitSshKey}). @default - none: the endpoint answers 500 */
  readonly gitSshKey?: GitSshKeyPair;
}

/** A key pair as Coder stores it for a user. */
export interface GitSshKeyPair {
  /** authorized_keys form, `ssh-ed25519 AAAA…\n`. */
  readonly publicKey: string;
  /** OpenSSH PEM. */
  readonly privateKey: string;
}

/** A fresh ed25519 pair in the formats Coder serves, made with the host's ssh-keygen. */
export async function generateGitSshKey(): Promise<GitSshKeyPair> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-coder-key-'));
  try {
    await promisify(execFile)('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, 'id')]);
    const [type, blob] = (await readFile(join(dir, 'id.pub'), 'utf8')).trim().split(/\s+/);
    return { publicKey: `${type} ${blob}\n`, privateKey: await readFile(join(dir, 'id'), 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One stored log line. */
export interface StoredLog {
  readonly created_at: string;
  readonly output: string;
  readonly level: string;
}

/** One request as it arrived, with the status it got. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly at: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A running fake Coder. */
export interface FakeCoder {
  readonly url: string;
  readonly token: string;
  readonly sources: ReadonlyMap<string, { id: string; display_name: string; icon: string }>;
  readonly requests: readonly RecordedRequest[];
  /** JSON bodies posted to `POST /report` (facts a stub agent reports about itself). */
  readonly reports: readonly unknown[];
  /** Bytes counted against the limit so far. */
  readonly usedBytes: number;
  readonly overflowed: boolean;
  /** Outputs that arrived longer than 1024 characters (and were cut). */
  readonly truncated: number;
  logsFor(sourceId: string): StoredLog[];
  /** Answer the next `count` API requests with `status` (e.g. 503). */
  failNext(status: number, count: number): void;
  /** While on, API requests get no answer until `hang(false)` or `close()`. */
  hang(on: boolean): void;
  close(): Promise<void>;
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `agentsdk.ExternalLogSourceID`, used by Coder when `log_source_id` is the nil UUID. */
const EXTERNAL_SOURCE = '3b579bf4-1ed8-4b99-87a8-e9a1e3410410';
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Start a fake Coder agent API on a real port. */
export async function startFakeCoder(options: FakeCoderOptions = {}): Promise<FakeCoder> {
  const token = options.token ?? randomUUID();
  const limitBytes = options.limitBytes ?? 1_048_576;
  let firstApiRequest: number | undefined;
  const sources = new Map<string, { id: string; display_name: string; icon: string }>();
  const logs = new Map<string, StoredLog[]>();
  const requests: RecordedRequest[] = [];
  const reports: unknown[] = [];
  let usedBytes = 0;
  let overflowed = false;
  let truncated = 0;
  let failures: { status: number; count: number } = { status: 0, count: 0 };
  let hanging = false;
  const held = new Set<() => void>();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) json(res, 500, { message: 'fake coder crashed' });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const method = req.method ?? 'GET';
    const reply = (status: number, payload?: unknown) => {
      requests.push({ method, path, status, at: Date.now(), headers: req.headers, body });
      json(res, status, payload);
    };

    const bin = /^\/bin\/coder-linux-(amd64|arm64)$/.exec(path);
    if (method === 'GET' && bin !== null) return serveBinary(res, reply, () => requests.push({ method, path, status: 200, at: Date.now(), headers: req.headers, body }));
    if (method === 'POST' && path === '/report') {
      const parsed = parseJson(body);
      if (parsed === undefined) return reply(400, { message: 'Report must be JSON.' });
      reports.push(parsed);
      return reply(200, {});
    }
    if (!path.startsWith('/api/v2/workspaceagents/me/')) return reply(404, { message: 'Route not found.' });

    const given = req.headers['coder-session-token'];
    if (typeof given !== 'string' || given === '') return reply(401, { message: 'Coder-Session-Token must be provided.' });
    if (!UUID.test(given)) return reply(401, { message: 'Workspace agent token invalid.' });
    firstApiRequest ??= Date.now();
    if (given !== token || Date.now() - firstApiRequest < (options.unauthorizedForMs ?? 0)) {
      return reply(401, {
        message: 'Workspace agent not authorized.',
        detail: 'The agent cannot authenticate until the workspace provision job has been completed.',
      });
    }
    if (hanging) {
      await new Promise<void>((resolve) => held.add(resolve));
      if (res.destroyed) return;
    }
    if (failures.count > 0) {
      failures = { ...failures, count: failures.count - 1 };
      return reply(failures.status, { message: 'Injected failure.' });
    }

    if (method === 'POST' && path === '/api/v2/workspaceagents/me/log-source') return postLogSource(body, reply);
    if (method === 'PATCH' && path === '/api/v2/workspaceagents/me/logs') return patchLogs(body, reply);
    if (method === 'GET' && path === '/api/v2/workspaceagents/me/gitsshkey') {
      if (options.gitSshKey === undefined) return reply(500, { message: 'Internal error fetching git SSH key.', detail: 'sql: no rows in result set' });
      return reply(200, { public_key: options.gitSshKey.publicKey, private_key: options.gitSshKey.privateKey });
    }
    return reply(405, { message: `${method} ${path} is not part of the fake.` });
  }

  function postLogSource(body: string, reply: (status: number, payload?: unknown) => void): void {
    const req = parseJson(body) as { id?: unknown; display_name?: unknown; icon?: unknown } | undefined;
    if (req === undefined || typeof req.id !== 'string' || !UUID.test(req.id)) {
      return reply(400, { message: 'Request body must be valid JSON with a UUID id.' });
    }
    const source = { id: req.id, display_name: String(req.display_name ?? ''), icon: String(req.icon ?? '') };
    if (source.display_name.length > 127) return reply(500, { message: 'display_name is VARCHAR(127).' });
    if (!sources.has(source.id)) sources.set(source.id, source);
    reply(201, { ...sources.get(source.id), created_at: new Date().toISOString() });
  }

  function patchLogs(body: string, reply: (status: number, payload?: unknown) => void): void {
    const req = parseJson(body) as { log_source_id?: unknown; logs?: unknown } | undefined;
    if (req === undefined || (req.logs !== undefined && !Array.isArray(req.logs))) {
      return reply(400, { message: 'Request body must be valid JSON.' });
    }
    const entries = (req.logs ?? []) as { created_at?: unknown; output?: unknown; level?: unknown }[];
    if (entries.length === 0) return reply(400, { message: 'No logs provided.' });
    let sourceId = typeof req.log_source_id === 'string' ? req.log_source_id : NIL_UUID;
    if (sourceId === NIL_UUID) {
      sourceId = EXTERNAL_SOURCE;
      if (!sources.has(sourceId)) sources.set(sourceId, { id: sourceId, display_name: 'External', icon: '/emojis/1f310.png' });
    }
    if (!sources.has(sourceId)) return reply(500, { message: 'Failed to upload logs', detail: 'foreign key violation: log_source_id' });
    let bytes = 0;
    const stored: StoredLog[] = [];
    for (const entry of entries) {
      if (typeof entry.output !== 'string') return reply(400, { message: 'output must be a string.' });
      if (typeof entry.created_at !== 'string' || Number.isNaN(Date.parse(entry.created_at))) {
        return reply(400, { message: 'created_at must be an RFC 3339 time.' });
      }
      const level = entry.level === undefined || entry.level === '' ? 'info' : entry.level;
      if (typeof level !== 'string' || !LEVELS.has(level)) {
        return reply(400, { message: 'Invalid log level provided.', detail: `invalid log level: ${JSON.stringify(level)}` });
      }
      if (entry.output.includes('\u0000')) return reply(500, { message: 'Failed to upload logs', detail: 'invalid byte sequence: 0x00' });
      bytes += Buffer.byteLength(entry.output, 'utf8');
      // VARCHAR(1024) counts characters (code points). A string of at most 1024
      // UTF-16 units has at most that many, so only a longer one is examined:
      // the same result, without an array per entry (the log bench sends 200,000).
      let output = entry.output;
      if (output.length > 1024) {
        const points = Array.from(output);
        if (points.length > 1024) {
          truncated += 1;
          output = points.slice(0, 1024).join('');
        }
      }
      stored.push({ created_at: entry.created_at, output, level });
    }
    if (usedBytes + bytes > limitBytes) {
      overflowed = true;
      return reply(413, { message: 'Logs limit exceeded' });
    }
    usedBytes += bytes;
    const list = logs.get(sourceId) ?? [];
    list.push(...stored);
    logs.set(sourceId, list);
    reply(200);
  }

  async function serveBinary(res: ServerResponse, reply: (status: number, payload?: unknown) => void, record: () => void): Promise<void> {
    if (options.agentBinary === undefined) return reply(404, { message: 'No agent binary configured.' });
    const info = await stat(options.agentBinary);
    record();
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': info.size });
    createReadStream(options.agentBinary).pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    token,
    sources,
    requests,
    reports,
    get usedBytes() {
      return usedBytes;
    },
    get overflowed() {
      return overflowed;
    },
    get truncated() {
      return truncated;
    },
    logsFor: (sourceId) => [...(logs.get(sourceId) ?? [])],
    failNext(status, count) {
      failures = { status, count };
    },
    hang(on) {
      hanging = on;
      if (!on) release();
    },
    async close() {
      hanging = false;
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  function release(): void {
    for (const resume of held) resume();
    held.clear();
  }
}

function json(res: ServerResponse, status: number, payload?: unknown): void {
  if (res.destroyed || res.headersSent) return;
  const text = payload === undefined ? '' : JSON.stringify(payload);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
