// A private image registry for the end-to-end tests: Debian's docker-registry
// (the Distribution registry, v2 API) in a container on the test's Docker
// bridge network, as a cache registry is in production:
// - HTTPS with a certificate for its IP address, signed by a CA made fresh
//   at container start; a Docker daemon trusts it once the CA is in
//   /etc/docker/certs.d/<host>:<port>/ca.crt, which dockerd reads at each
//   connection, so no daemon flag or restart is needed (Docker docs,
//   "Verify repository client with certificates"; moby registry/registry.go,
//   ReadCertsDirectory). The template's DinD runs dockerd with fixed flags,
//   so an insecure (http) registry would need a dockerd flag it cannot pass.
// - Basic authentication against an htpasswd file of bcrypt entries
//   (distribution registry/auth/htpasswd: bcrypt only), made with
//   `htpasswd -B` from apache2-utils; the password travels on stdin.
// The registry's configuration keys are those of distribution's
// configuration/configuration.go (storage.filesystem.rootdirectory,
// http.addr, http.tls.certificate/key, auth.htpasswd.realm/path).
// The image is built FROM the local Debian base, once per content hash.
import { createHash } from 'node:crypto';
import { docker, dockerOut } from './docker.js';
import { CONTENT_HASH_LABEL, testImages } from './images.js';
import { E2E_LABEL } from './pod-runner.js';

export const REGISTRY_IMAGE = 'devcontainer-builder-test/registry:local';
const PORT = 5000;

const CONFIG = [
  'version: 0.1',
  'log:',
  '  level: info',
  'storage:',
  '  filesystem:',
  '    rootdirectory: /var/lib/docker-registry',
  'http:',
  `  addr: :${PORT}`,
  '  tls:',
  '    certificate: /etc/docker/registry/tls/registry.crt',
  '    key: /etc/docker/registry/tls/registry.key',
  'auth:',
  '  htpasswd:',
  '    realm: e2e-registry',
  '    path: /etc/docker/registry/htpasswd',
  '',
].join('\n');

// At start: a CA and a server certificate for this container's IP, then
// (bounded) wait for the htpasswd file the test writes, then the registry.
const START = [
  '#!/bin/sh',
  'set -eu',
  'ip=$(hostname -i | cut -d" " -f1)',
  'd=/etc/docker/registry/tls',
  'mkdir -p $d',
  'openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=e2e-registry-ca -keyout $d/ca.key -out $d/ca.crt 2>/dev/null',
  'openssl req -newkey rsa:2048 -nodes -subj /CN=$ip -keyout $d/registry.key -out $d/registry.csr 2>/dev/null',
  'printf "subjectAltName=IP:%s\\n" "$ip" > $d/san.ext',
  'openssl x509 -req -in $d/registry.csr -CA $d/ca.crt -CAkey $d/ca.key -CAcreateserial -days 2 -extfile $d/san.ext -out $d/registry.crt 2>/dev/null',
  'i=0; while [ ! -s /etc/docker/registry/htpasswd ]; do i=$((i+1)); [ $i -lt 600 ] || { echo "no htpasswd after 60 s" >&2; exit 1; }; sleep 0.1; done',
  'exec docker-registry serve /etc/docker/registry/config.yml',
].join('\n');

const DOCKERFILE = (base: string) => [
  `FROM ${base}`,
  'RUN apt-get update \\',
  ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker-registry apache2-utils openssl \\',
  ' && rm -rf /var/lib/apt/lists/*',
  `RUN printf '%s' '${Buffer.from(CONFIG).toString('base64')}' | base64 -d > /etc/docker/registry/config.yml \\`,
  ` && printf '%s' '${Buffer.from(START).toString('base64')}' | base64 -d > /usr/local/bin/start-registry && chmod 755 /usr/local/bin/start-registry`,
  `EXPOSE ${PORT}`,
  'CMD ["/usr/local/bin/start-registry"]',
  '',
].join('\n');

/** A running authenticated registry. */
export interface RegistryServer {
  /** `<ip>:5000`, as image references and `auths` keys name it. */
  readonly host: string;
  readonly container: string;
  /** The CA that signed the server certificate (PEM). */
  readonly caCert: string;
  readonly user: string;
  readonly password: string;
  /** base64 of `user:password`, the `auth` field of a Docker config. */
  readonly auth: string;
  /** A `kubernetes.io/dockerconfigjson` value for this registry. */
  readonly dockerConfigJson: string;
  /** The tags of a repository, asked with the credentials (`/v2/<name>/tags/list`). */
  tags(repository: string): Promise<string[]>;
  logs(): Promise<string>;
  close(): Promise<void>;
}

async function prepareRegistryImage(): Promise<void> {
  const baseId = await dockerOut(['image', 'inspect', '--format', '{{.Id}}', testImages.debian]);
  const dockerfile = DOCKERFILE(testImages.debian);
  const hash = createHash('sha256').update(`registry-v1\0${baseId}\0${dockerfile}`).digest('hex');
  const current = await dockerOut(['image', 'inspect', '--format', `{{index .Config.Labels "${CONTENT_HASH_LABEL}"}}`, REGISTRY_IMAGE]).catch(() => '');
  if (current === hash) return;
  process.stderr.write(`[images] building ${REGISTRY_IMAGE}\n`);
  await docker(['build', '--label', `${CONTENT_HASH_LABEL}=${hash}`, '-t', REGISTRY_IMAGE, '-'], { input: dockerfile, timeoutMs: 15 * 60_000 });
}

/** Starts the registry on `network` (the local Debian base must exist: `prepareImages()` first). */
export async function startRegistry(options: { network: string; name: string; user: string; password: string }): Promise<RegistryServer> {
  await prepareRegistryImage();
  const container = `${options.name}-${process.pid}`;
  await docker(['rm', '-f', container]).catch(() => undefined);
  await docker(['run', '-d', '--name', container, '--label', `${E2E_LABEL}=1`, '--label', `${E2E_LABEL}.owner=${process.pid}`, '--network', options.network, REGISTRY_IMAGE]);
  const close = async () => void (await docker(['rm', '-f', container]).catch(() => undefined));
  try {
    const ip = await dockerOut(['inspect', '--format', `{{(index .NetworkSettings.Networks "${options.network}").IPAddress}}`, container]);
    const host = `${ip}:${PORT}`;
    await docker(['exec', '-i', container, 'sh', '-c', 'htpasswd -iBc /etc/docker/registry/htpasswd.new "$1" 2>/dev/null && mv /etc/docker/registry/htpasswd.new /etc/docker/registry/htpasswd', 'sh', options.user], {
      input: options.password,
    });
    // Bounded wait until the registry completes a TLS handshake (it is up).
    const probe = 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); '
      + 'if openssl s_client -connect 127.0.0.1:5000 </dev/null >/dev/null 2>&1; then exit 0; fi; sleep 0.2; done; exit 1';
    if (!(await docker(['exec', container, 'sh', '-c', probe], { timeoutMs: 60_000 }).then(() => true, () => false))) {
      throw new Error(`the registry in ${container} did not listen within 20 s: ${await dockerOut(['logs', container]).catch(() => '')}`);
    }
    const caCert = await dockerOut(['exec', container, 'cat', '/etc/docker/registry/tls/ca.crt']);
    const auth = Buffer.from(`${options.user}:${options.password}`).toString('base64');
    return {
      host,
      container,
      caCert: `${caCert.trim()}\n`,
      user: options.user,
      password: options.password,
      auth,
      dockerConfigJson: JSON.stringify({ auths: { [host]: { auth } } }),
      tags: async (repository) => {
        // Through the registry's own container: the test host is not trusted to reach it by IP over TLS with this CA.
        const r = await docker(['exec', '-i', container, 'sh', '-c',
          `printf 'GET /v2/${repository}/tags/list HTTP/1.0\\r\\nHost: ${host}\\r\\nAuthorization: Basic %s\\r\\n\\r\\n' "$(cat)" | timeout 20 openssl s_client -connect 127.0.0.1:${PORT} -quiet 2>/dev/null`], { input: auth, timeoutMs: 30_000 }).catch(() => ({ stdout: '' }));
        try {
          return (JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { tags?: string[] | null }).tags ?? [];
        } catch {
          return [];
        }
      },
      logs: async () => {
        const r = await docker(['logs', container]);
        return r.stdout + r.stderr;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
