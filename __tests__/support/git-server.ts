import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Where and how the test git server listens. */
export interface GitServerOptions {
  /** Address to bind; the end-to-end harness passes a Docker bridge address. @default '127.0.0.1' */
  readonly host?: string;
  /** @default 0 - any free port */
  readonly port?: number;
  /** The only password accepted in Basic auth (any user name, as GitHub does for tokens). @default - a random token */
  readonly token?: string;
}

/** One request as the server saw it; credentials are reduced to facts. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly username?: string;
  readonly authorized: boolean;
  readonly status: number;
}

/** Files to commit: path relative to the repository root → content. */
export type FixtureFiles = Readonly<Record<string, string>>;

/** A bare repository served by the server, with a work tree to push changes from. */
export interface FixtureRepo {
  readonly name: string;
  /** Clone URL without credentials. */
  readonly url: string;
  readonly bareDir: string;
  /** Commit `files` on `branch` (created from `from`, default the default branch) and push; returns the commit id. */
  commit(branch: string, files: FixtureFiles, options?: { readonly from?: string; readonly message?: string }): Promise<string>;
  /** Create `branch` at the tip of `from` and push it; returns the commit id. */
  createBranch(branch: string, from?: string): Promise<string>;
  /** The commit a branch points at on the server. */
  revParse(branch: string): Promise<string>;
}

/** A `git http-backend` behind Basic auth, on a real socket. */
export interface GitServer {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** `http://host:port` */
  readonly baseUrl: string;
  /** Every request, in order. */
  readonly requests: RecordedRequest[];
  createRepo(name: string, options?: { readonly defaultBranch?: string; readonly files?: FixtureFiles }): Promise<FixtureRepo>;
  close(): Promise<void>;
}

// Fixture commits must not depend on the machine's git identity or config.
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Fixture', GIT_AUTHOR_EMAIL: 'fixture@example.com',
  GIT_COMMITTER_NAME: 'Fixture', GIT_COMMITTER_EMAIL: 'fixture@example.com',
  GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0',
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: { ...process.env, ...GIT_ENV } });
  return stdout.trim();
}

/**
 * Start a git smart-HTTP server for tests: requests without the token get
 * 401 with `WWW-Authenticate: Basic`, as GitHub answers a private repository;
 * the rest go to `git http-backend` over CGI. Repositories live in a temp dir
 * removed by `close()`.
 */
export async function startGitServer(options: GitServerOptions = {}): Promise<GitServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'git-server-'));
  const projectRoot = path.join(root, 'repos');
  await mkdir(projectRoot);
  const token = options.token ?? `test-token-${randomBytes(12).toString('hex')}`;
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const credentials = parseBasic(req.headers.authorization);
    const authorized = credentials?.password === token;
    const record = (status: number) => requests.push({ method: req.method ?? '', path: url.pathname, query: url.search, username: credentials?.username, authorized, status });
    if (!authorized) {
      record(401);
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git-server"', 'Content-Type': 'text/plain' });
      res.end('Authentication required\n');
      return;
    }
    serveCgi(projectRoot, url, req, res, credentials?.username ?? '', record);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const baseUrl = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  return {
    host: address.address,
    port: address.port,
    token,
    baseUrl,
    requests,
    createRepo: (name, repoOptions = {}) => createRepo(root, projectRoot, baseUrl, name, repoOptions.defaultBranch ?? 'main', repoOptions.files ?? { 'README.md': `# ${name}\n` }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Run `git http-backend` as a CGI script (RFC 3875) for one request. */
function serveCgi(projectRoot: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse, user: string, record: (status: number) => void): void {
  const header = (name: string) => req.headers[name] as string | undefined;
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROJECT_ROOT: projectRoot, GIT_HTTP_EXPORT_ALL: '1', REMOTE_USER: user, REMOTE_ADDR: req.socket.remoteAddress ?? '',
      REQUEST_METHOD: req.method ?? 'GET', PATH_INFO: decodeURIComponent(url.pathname), QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: header('content-type') ?? '', ...(header('content-length') ? { CONTENT_LENGTH: header('content-length') } : {}),
      HTTP_CONTENT_ENCODING: header('content-encoding') ?? '', GIT_PROTOCOL: header('git-protocol') ?? '',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const end = text.search(/\r?\n\r?\n/);
    if (end < 0) return;
    headersDone = true;
    const separator = /\r?\n\r?\n/.exec(text.slice(end))?.[0].length ?? 2;
    let status = 200;
    for (const line of text.slice(0, end).split(/\r?\n/)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    record(status);
    res.writeHead(status);
    res.write(head.subarray(end + separator));
  });
  child.on('close', () => {
    if (!headersDone) {
      record(500);
      res.writeHead(500);
    }
    res.end();
  });
}

async function createRepo(root: string, projectRoot: string, baseUrl: string, name: string, defaultBranch: string, files: FixtureFiles): Promise<FixtureRepo> {
  const bareDir = path.join(projectRoot, `${name}.git`);
  const work = path.join(root, 'work', name);
  await mkdir(work, { recursive: true });
  await git(projectRoot, 'init', '--quiet', '--bare', `--initial-branch=${defaultBranch}`, bareDir);
  // Let partial clones (--filter=blob:none) work as they do against GitHub.
  await git(bareDir, 'config', 'uploadpack.allowFilter', 'true');
  await git(bareDir, 'config', 'uploadpack.allowAnySHA1InWant', 'true');
  await git(work, 'init', '--quiet', `--initial-branch=${defaultBranch}`);
  await git(work, 'remote', 'add', 'origin', bareDir);

  const commit: FixtureRepo['commit'] = async (branch, commitFiles, commitOptions = {}) => {
    const from = commitOptions.from ?? defaultBranch;
    const exists = async (b: string) => (await git(work, 'branch', '--list', b)) !== '';
    if (await exists(branch)) await git(work, 'switch', '--quiet', branch);
    else if (await exists(from)) await git(work, 'switch', '--quiet', '--create', branch, from);
    else await git(work, 'switch', '--quiet', '--orphan', branch);
    for (const [file, content] of Object.entries(commitFiles)) {
      await mkdir(path.dirname(path.join(work, file)), { recursive: true });
      await writeFile(path.join(work, file), content);
    }
    await git(work, 'add', '--all');
    await git(work, 'commit', '--quiet', '--allow-empty', '-m', commitOptions.message ?? `Update ${Object.keys(commitFiles).join(', ') || branch}`);
    await git(work, 'push', '--quiet', 'origin', `${branch}:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };
  await commit(defaultBranch, files, { message: 'Initial commit' });

  return {
    name,
    url: `${baseUrl}/${name}.git`,
    bareDir,
    commit,
    createBranch: async (branch, from = defaultBranch) => {
      await git(work, 'branch', '--force', branch, from);
      await git(work, 'push', '--quiet', 'origin', `${branch}:refs/heads/${branch}`);
      return git(work, 'rev-parse', branch);
    },
    revParse: (branch) => git(bareDir, 'rev-parse', `refs/heads/${branch}`),
  };
}
