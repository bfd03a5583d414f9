// A Docker registry for the cache bench: Debian's `docker-registry` package
// (distribution 2.8), started by the bench on the gateway of the bench's own
// Docker bridge, with throw-away storage. Pods reach it through a forwarder
// on their own loopback (see startForwarder), because the Docker daemon
// trusts plain-HTTP registries only on loopback unless configured otherwise,
// and the DinD sidecar's configuration is the template's, not the bench's.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, E2E_LABEL, type PodRunner } from '../__tests__/support/pod-runner.js';
import { BENCH_LABEL } from './image.js';

const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface LocalRegistry {
  /** host:port on the bridge gateway. */
  readonly address: string;
  close(): Promise<void>;
}

/** Starts the registry, waiting (bounded) until `/v2/` answers. */
export async function startRegistry(host: string, port: number): Promise<LocalRegistry> {
  if (!existsSync(REGISTRY_BIN)) {
    throw new Error(`${REGISTRY_BIN} is missing: install Debian's docker-registry package (apt-get install docker-registry)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-registry-'));
  const config = join(dir, 'config.yml');
  await writeFile(config, [
    'version: 0.1',
    'log:',
    '  level: warn',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}:${port}`,
    '',
  ].join('\n'));
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const address = `${host}:${port}`;
  const close = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await fetch(`http://${address}/v2/`).then((r) => r.status === 200, () => false);
    if (ok) return { address, close };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await close();
  throw new Error(`docker-registry did not answer on ${address} within 30 s: ${stderr.trim().slice(-500)}`);
}

/**
 * A TCP forwarder from 127.0.0.1:`localPort` in the pod's network namespace
 * to the registry, run with the builder image's node; returns its cleanup.
 * Not what bounds a pull: node's pipe moved a 200 MiB HTTP download at about
 * 480 MB/s on loopback on this machine (2026-12-02), where DinD pulls the
 * cache image at some 35 MB/s of image, decompressing and unpacking it.
 */
export async function startForwarder(pod: PodRunner, image: string, registry: LocalRegistry, localPort: number): Promise<() => Promise<void>> {
  const [host, port] = registry.address.split(':');
  const script = [
    "const net = require('net');",
    `net.createServer((c) => { const u = net.connect(${Number(port)}, '${host}');`,
    "c.pipe(u); u.pipe(c); c.on('error', () => u.destroy()); u.on('error', () => c.destroy()); })",
    `.listen(${localPort}, '127.0.0.1');`,
  ].join(' ');
  const name = pod.containerName('registry-forward');
  await docker(['rm', '-f', name], { reject: false });
  await docker([
    'run', '-d', '--name', name, '--label', `${BENCH_LABEL}=1`, '--label', `${E2E_LABEL}=1`, '--label', `${E2E_LABEL}.owner=${process.pid}`,
    '--network', `container:${pod.containerName('sandbox')}`, '--entrypoint', 'node', image, '-e', script,
  ]);
  return async () => void (await docker(['rm', '-f', name], { reject: false }));
}
