// A git host over ssh for the end-to-end tests: Debian's openssh-server in a
// container on the test's Docker bridge network, serving bare repositories
// to one account, `git`, whose login shell is git-shell, as a git host does:
// - sshd runs in the foreground and logs to stderr (`sshd -D -e`, sshd(8));
//   host keys are made fresh at container start (`ssh-keygen -A`), so no two
//   runs share one and a known_hosts line must come from this server;
// - only public key authentication, only for `git` (sshd_config(5)
//   AuthenticationMethods, AllowUsers, PasswordAuthentication), the keys in
//   ~git/.ssh/authorized_keys (mode 0600, owned by git: StrictModes);
// - git-shell (git-shell(1)) runs only git-upload-pack/git-receive-pack,
//   which git starts as `git-upload-pack '<path>'` for ssh://git@host/<path>
//   (git's connect.c).
// The image is built FROM the local Debian base, once per content hash.
import { createHash } from 'node:crypto';
import { docker, dockerOut, runCommand } from './docker.js';
import { CONTENT_HASH_LABEL, testImages } from './images.js';
import { E2E_LABEL } from './pod-runner.js';

export const SSHD_IMAGE = 'devcontainer-builder-test/sshd:local';

const DOCKERFILE = (base: string) => [
  `FROM ${base}`,
  'RUN apt-get update \\',
  ' && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openssh-server git \\',
  ' && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_*',
  // '*' is no password but not a locked account: sshd lets a locked account in by key only with PAM.
  'RUN useradd --create-home --shell /usr/bin/git-shell git && usermod -p "*" git \\',
  ' && install -d -o git -g git -m 0700 /home/git/.ssh && install -d -o git -g git /srv/git && mkdir -p /run/sshd \\',
  ' && printf "%s\\n" "AuthenticationMethods publickey" "PasswordAuthentication no" "KbdInteractiveAuthentication no" \\',
  '      "PermitRootLogin no" "AllowUsers git" "LogLevel VERBOSE" > /etc/ssh/sshd_config.d/git-host.conf',
  'EXPOSE 22',
  'CMD ["sh", "-c", "ssh-keygen -A && exec /usr/sbin/sshd -D -e"]',
  '',
].join('\n');

/** A running ssh git host. */
export interface SshGitServer {
  /** Its address on the test network. */
  readonly host: string;
  readonly container: string;
  /** `host ssh-ed25519 AAAA…`: the line `ssh-keyscan` prints for the server. */
  readonly knownHostsLine: string;
  /** Replace ~git/.ssh/authorized_keys. */
  authorize(publicKeys: readonly string[]): Promise<void>;
  /** Serve a bare repository (e.g. a fixture's `bareDir`) as `ssh://git@<host>/srv/git/<name>.git`; returns that URL. */
  addRepo(name: string, bareDir: string): Promise<string>;
  /** sshd's log (authentication lines name the accepted key's fingerprint). */
  logs(): Promise<string>;
  close(): Promise<void>;
}

/** Builds the image unless it carries the hash of its inputs. */
async function prepareSshdImage(): Promise<void> {
  const baseId = await dockerOut(['image', 'inspect', '--format', '{{.Id}}', testImages.debian]);
  const dockerfile = DOCKERFILE(testImages.debian);
  const hash = createHash('sha256').update(`sshd-v1\0${baseId}\0${dockerfile}`).digest('hex');
  const current = await dockerOut(['image', 'inspect', '--format', `{{index .Config.Labels "${CONTENT_HASH_LABEL}"}}`, SSHD_IMAGE]).catch(() => '');
  if (current === hash) return;
  process.stderr.write(`[images] building ${SSHD_IMAGE}\n`);
  await docker(['build', '--label', `${CONTENT_HASH_LABEL}=${hash}`, '-t', SSHD_IMAGE, '-'], { input: dockerfile, timeoutMs: 15 * 60_000 });
}

/** Starts the server on `network` (the local Debian base must exist: `prepareImages()` first). */
export async function startSshGitServer(options: { network: string; name: string }): Promise<SshGitServer> {
  await prepareSshdImage();
  const container = `${options.name}-${process.pid}`;
  await docker(['rm', '-f', container]).catch(() => undefined);
  await docker(['run', '-d', '--name', container, '--label', `${E2E_LABEL}=1`, '--label', `${E2E_LABEL}.owner=${process.pid}`, '--network', options.network, SSHD_IMAGE]);
  const close = async () => void (await docker(['rm', '-f', container]).catch(() => undefined));
  try {
    const host = await dockerOut(['inspect', '--format', `{{(index .NetworkSettings.Networks "${options.network}").IPAddress}}`, container]);
    // Bounded wait until sshd answers; the keyscan line is what an operator would paste.
    let scanned = '';
    for (let attempt = 0; attempt < 60 && scanned === ''; attempt += 1) {
      scanned = await runCommand('ssh-keyscan', ['-T', '2', '-t', 'ed25519', host], { timeoutMs: 10_000 })
        .then((r) => r.stdout.split('\n').find((l) => l.startsWith(`${host} ssh-ed25519 `)) ?? '', () => '');
      if (scanned === '') await new Promise((r) => setTimeout(r, 500));
    }
    if (scanned === '') throw new Error(`sshd in ${container} did not answer ssh-keyscan within 30 s: ${await dockerOut(['logs', container]).catch(() => '')}`);
    const hostPub = (await dockerOut(['exec', container, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'])).split(' ').slice(0, 2).join(' ');
    if (!scanned.startsWith(`${host} ${hostPub}`)) throw new Error(`ssh-keyscan saw another key than ${container}'s own: ${scanned}`);
    return {
      host,
      container,
      knownHostsLine: scanned.trim(),
      authorize: async (keys) => {
        await docker(['exec', '-i', container, 'sh', '-c', 'cat > /home/git/.ssh/authorized_keys && chown git:git /home/git/.ssh/authorized_keys && chmod 600 /home/git/.ssh/authorized_keys'], {
          input: keys.map((k) => `${k.trim()}\n`).join(''),
        });
      },
      addRepo: async (name, bareDir) => {
        await docker(['cp', bareDir, `${container}:/srv/git/${name}.git`]);
        await docker(['exec', container, 'chown', '-R', 'git:git', `/srv/git/${name}.git`]);
        return `ssh://git@${host}/srv/git/${name}.git`;
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
