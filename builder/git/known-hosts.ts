import { createHmac } from 'node:crypto';

// known_hosts lines as OpenSSH reads them (sshd(8), "SSH_KNOWN_HOSTS FILE
// FORMAT"; openssh-portable hostfile.c): an optional `@cert-authority` or
// `@revoked` marker, comma-separated host patterns (`*`, `?`, `!negation`,
// `[host]:port` for a port other than 22) or one hashed name
// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, the key type, the key in
// base64, an optional comment. `#` lines and blank lines are skipped. The key
// blob is a run of SSH strings starting with its own type (RFC 4253 §6.6),
// which catches a line cut or changed while copying.

/** One usable line of a known_hosts text. */
export interface KnownHostLine {
  readonly marker?: '@cert-authority' | '@revoked';
  readonly hosts: string;
  readonly keyType: string;
}

/** The lines of a known_hosts text, or the problems found (line numbers from 1). */
export function parseKnownHosts(text: string): { lines: KnownHostLine[]; problems: string[] } {
  const lines: KnownHostLine[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
    if (marker !== undefined && marker !== '@cert-authority' && marker !== '@revoked') {
      problems.push(`line ${i + 1} starts with the unknown marker "${marker}" (only @cert-authority and @revoked exist)`);
      return;
    }
    const [hosts, keyType, key] = fields;
    if (hosts === undefined || keyType === undefined || key === undefined) {
      problems.push(`line ${i + 1} is not "host key-type base64-key" (it has ${fields.length} field${fields.length === 1 ? '' : 's'})`);
      return;
    }
    const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? Buffer.from(key, 'base64') : undefined;
    const parts = blob === undefined ? undefined : sshStrings(blob);
    if (parts === undefined || parts.length < 2 || parts[0]?.toString('latin1') !== keyType) {
      problems.push(`line ${i + 1} has a ${keyType} key that is not valid base64 of a ${keyType} key (cut or changed while copying?)`);
      return;
    }
    lines.push({ marker: marker as KnownHostLine['marker'], hosts, keyType });
  });
  return { lines, problems };
}

/** A public key blob as its length-prefixed parts (RFC 4251 §5); undefined when it does not split exactly. */
function sshStrings(blob: Buffer): Buffer[] | undefined {
  const parts: Buffer[] = [];
  for (let at = 0; at < blob.length;) {
    if (at + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(at);
    if (at + 4 + length > blob.length) return undefined;
    parts.push(blob.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return parts;
}

/** The name ssh looks up for a host: `host`, or `[host]:port` for another port than 22. */
export function knownHostsName(host: string, port?: number): string {
  return port === undefined || port === 22 ? host : `[${host}]:${port}`;
}

/** Whether a line with these host patterns applies to `name` (as ssh matches it). */
export function hostsMatch(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!glob(negated ? pattern.slice(1) : pattern, name.toLowerCase())) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

function glob(pattern: string, name: string): boolean {
  const source = pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(name);
}

/** Whether some non-revoked line names the host (ssh needs one to connect with StrictHostKeyChecking=yes). */
export function coversHost(lines: readonly KnownHostLine[], host: string, port?: number): boolean {
  const name = knownHostsName(host, port);
  return lines.some((l) => l.marker !== '@revoked' && hostsMatch(l.hosts, name));
}

/** `ssh-keyscan` command that prints the lines for a host. */
export function keyscanCommand(host: string, port?: number): string {
  return `ssh-keyscan ${port === undefined || port === 22 ? '' : `-p ${port} `}${host}`;
}

/** `RepoUrl.host` (`host`, `host:port`, `[v6]:port`) as host name and port. */
export function splitHostPort(hostWithPort: string): { host: string; port?: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(hostWithPort);
  if (match === null) return { host: hostWithPort };
  return { host: match[1] ?? match[2] ?? hostWithPort, port: match[3] === undefined ? undefined : Number(match[3]) };
}

/** How to get the line for a host, for error messages. */
export function knownHostsAdvice(host: string, port?: number): string {
  return `Run \`${keyscanCommand(host, port)}\` from a trusted network, check the fingerprints (\`ssh-keygen -lf -\`) against the ones ${host} publishes, and put the lines in the template variable ssh_known_hosts (DEVCONTAINER_SSH_KNOWN_HOSTS).`;
}

/** The problem when a workspace clones over ssh without known host keys. */
export function missingKnownHostsProblem(host: string, port?: number): string {
  return `DEVCONTAINER_SSH_KNOWN_HOSTS is not set, but DEVCONTAINER_REPOSITORY is an ssh URL: the builder checks the host key of ${knownHostsName(host, port)} against it and never trusts a key on first use (each start is a first use in a fresh pod). ${knownHostsAdvice(host, port)}`;
}
