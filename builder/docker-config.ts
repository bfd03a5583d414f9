import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * The secret values in `$DOCKER_CONFIG/config.json`, to mask in every log:
 * for each registry in `auths` the base64 `auth` string (`user:password`),
 * the password decoded from it, and `password`, `identitytoken` and
 * `registrytoken` when given separately (the fields of docker/cli
 * cli/config/types/authconfig.go, AuthConfig). Never throws: an unreadable
 * or malformed file has nothing to mask (and `docker` reports it when used).
 */
export function readRegistrySecrets(dockerConfigDir: string | undefined): string[] {
  if (!dockerConfigDir) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.join(dockerConfigDir, 'config.json'), 'utf8'));
  } catch {
    return [];
  }
  const auths = isRecord(parsed) && isRecord(parsed.auths) ? parsed.auths : {};
  const secrets = new Set<string>();
  for (const entry of Object.values(auths)) {
    if (!isRecord(entry)) continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      secrets.add(entry.auth);
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      // The user name is not secret (and often short and common): only the password.
      if (colon >= 0) secrets.add(decoded.slice(colon + 1));
    }
    for (const key of ['password', 'identitytoken', 'registrytoken']) {
      const value = entry[key];
      if (typeof value === 'string' && value !== '') secrets.add(value);
    }
  }
  return [...secrets];
}

/**
 * Run `use` with a private, writable copy of the Docker configuration
 * directory, removed afterwards. The template mounts the registry Secret
 * read-only at `DOCKER_CONFIG`, but the docker CLI and its buildx plugin
 * write under it: buildx keeps its state in `$BUILDX_CONFIG`, else in the
 * `buildx` folder next to the config file (docker/buildx
 * util/confutil/config.go, NewConfig; it creates `.buildNodeID` and the
 * instance store there), so with the mount itself they fail to create it.
 * The copy is a fresh mkdtemp (mode 0700) holding only `config.json`.
 * Without a source directory `use` gets `undefined` (no credentials).
 */
export async function withPrivateDockerConfig<T>(source: string | undefined, use: (dockerConfig: string | undefined) => Promise<T>): Promise<T> {
  if (!source) return use(undefined);
  const copy = mkdtempSync(path.join(tmpdir(), 'devcontainer-builder-docker-'));
  try {
    await chmod(copy, 0o700);
    try {
      copyFileSync(path.join(source, 'config.json'), path.join(copy, 'config.json'));
      await chmod(path.join(copy, 'config.json'), 0o600);
    } catch (error) {
      // No config.json (e.g. the Secret lacks the key): docker then works anonymously.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return await use(copy);
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
