import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CheckoutError } from '../errors.js';
import { TOKEN_USERNAME } from './git-runner.js';

/** A user name and token for HTTP Basic auth against the repository's origin. */
export interface GitCredential {
  readonly username: string;
  /** A secret: travels to git through the environment only (git-runner.ts). */
  readonly password: string;
  /** Where it came from, for the log: never the value. */
  readonly source: 'GH_TOKEN' | 'clone credential';
}

/**
 * Reads the template's clone credential: a `kubernetes.io/basic-auth`
 * Secret mounted as a directory, one file per key (`password`, optional
 * `username`; Kubernetes "Secrets", basic authentication Secret and
 * "Using Secrets as files from a Pod"). Used only when the workspace has no
 * GitHub token, as a prebuilt workspace before it is claimed.
 */
export async function readCloneCredential(dir: string): Promise<GitCredential> {
  const read = async (key: string): Promise<string | undefined> => {
    try {
      return (await readFile(path.join(dir, key), 'utf8')).trim();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CheckoutError(`Cannot read the clone credential's ${key} in ${dir} (${(error as NodeJS.ErrnoException).code ?? String(error)}): check the Secret named by the template variable clone_credential_secret.`);
    }
  };
  const password = await read('password');
  const username = await read('username');
  const problems: string[] = [];
  if (password === undefined || password === '') problems.push('it has no "password" key (the read-only token)');
  else if (/\s/.test(password)) problems.push('its "password" contains whitespace or a line break (pass the bare token)');
  if (username !== undefined && /[\s:]/.test(username)) problems.push('its "username" contains whitespace or ":"');
  if (problems.length > 0) {
    throw new CheckoutError(
      `The clone credential in ${dir} cannot be used: ${problems.join('; ')}. Create it as a kubernetes.io/basic-auth Secret: kubectl create secret generic <name> --type=kubernetes.io/basic-auth --from-literal=username=x-access-token --from-literal=password=<read-only token>.`,
    );
  }
  return { username: username || TOKEN_USERNAME, password: password as string, source: 'clone credential' };
}
