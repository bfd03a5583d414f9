/** What the builder needs to know about a `DEVCONTAINER_REPOSITORY` value. */
export interface RepoUrl {
  /** How git reaches the remote: `http` covers http and https. */
  readonly transport: 'http' | 'ssh' | 'git' | 'file';
  /** Host with port when one is given, lower-case; empty for `file`. */
  readonly host: string;
  /** `scheme://host[:port]` for http URLs: the scope the GitHub token is offered to. */
  readonly origin?: string;
  /** Path on the host without leading slash or trailing `.git`, e.g. `owner/repo`. */
  readonly path: string;
  /** Last path segment without `.git`: the default checkout folder name. */
  readonly name: string;
  /** True when the URL carries a password: the token must come from GH_TOKEN instead. */
  readonly hasPassword: boolean;
}

// user@host:path, the scp-like form git accepts for SSH (no scheme, colon before the first slash).
const SCP_LIKE = /^(?:([^@/:\s]+)@)?([^/:\s]+):(?!\/\/)(.+)$/;

/**
 * Parse a git remote URL (https, http, ssh, git, file or scp-like
 * `git@host:owner/repo.git`). Returns a reason string instead when git could
 * not use it or no folder name can be derived; the reason never repeats the URL
 * (it may hold a credential).
 */
export function parseRepoUrl(value: string): RepoUrl | string {
  const text = value.trim();
  if (text === '') return 'is empty';
  if (/\s/.test(text)) return 'contains whitespace';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return parseSchemeUrl(text);
  const scp = SCP_LIKE.exec(text);
  if (scp) return finish('ssh', scp[2].toLowerCase(), undefined, scp[3], false);
  return 'is not a git URL: use https://host/owner/repo.git or git@host:owner/repo.git';
}

function parseSchemeUrl(text: string): RepoUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const transport = ({ https: 'http', http: 'http', ssh: 'ssh', 'git+ssh': 'ssh', git: 'git', file: 'file' } as const)[scheme];
  if (transport === undefined) return `uses the unsupported scheme "${scheme}" (use https, ssh or git)`;
  if (transport !== 'file' && url.host === '') return 'has no host';
  const origin = transport === 'http' ? `${scheme}://${url.host.toLowerCase()}` : undefined;
  return finish(transport, url.host.toLowerCase(), origin, decodeURIComponent(url.pathname), url.password !== '');
}

function finish(transport: RepoUrl['transport'], host: string, origin: string | undefined, rawPath: string, hasPassword: boolean): RepoUrl | string {
  const path = rawPath.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/i, '');
  const name = path.split('/').pop() ?? '';
  if (name === '' || name === '.' || name === '..') return 'has no repository name in its path (expected …/owner/repo)';
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return `ends in "${name}", which is not usable as a folder name (letters, digits, ".", "_" and "-" only)`;
  return { transport, host, origin, path, name, hasPassword };
}

/**
 * A comparable identity of a remote: host and path, case-folded, without
 * scheme, user, port or `.git`. The https and ssh URLs of one GitHub
 * repository are the same remote.
 */
export function remoteIdentity(value: string): string | undefined {
  const parsed = parseRepoUrl(value);
  if (typeof parsed === 'string') return undefined;
  const host = parsed.host.replace(/:\d+$/, '');
  return `${host}/${parsed.path}`.toLowerCase();
}

/** The URL with any user info replaced, safe to print. */
export function redactUrl(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
}
