// Copies images from the host engine into a DinD daemon, which cannot pull.
import { spawn } from 'node:child_process';
import { docker } from './docker.js';

/** A DinD daemon as seen from the host: its DOCKER_HOST, or its container. */
export type DockerTarget = string | { readonly container: string; readonly dockerHost?: string };

/**
 * (6) Copies `image` from the host engine into another daemon (a DinD daemon
 * cannot pull either), optionally under another name (`as`, e.g.
 * "debian:bookworm" for a dev container's FROM). A string target is a
 * DOCKER_HOST reachable from the host; `{ container }` loads through
 * `docker exec` into that container's daemon (socket `dockerHost`, default
 * unix:///var/run/dind/docker.sock).
 */
export async function loadImageInto(target: DockerTarget, image: string, options: { readonly as?: string; readonly timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const inner =
    typeof target === 'string'
      ? { command: 'docker', prefix: [] as string[], env: { DOCKER_HOST: target } }
      : {
          command: 'docker',
          prefix: ['exec', '-i', target.container, 'docker', '-H', target.dockerHost ?? 'unix:///var/run/dind/docker.sock'],
          env: {},
        };
  await pipe(['save', image], [...inner.prefix, 'load', '--quiet'], inner.env, timeoutMs);
  if (options.as && options.as !== image) {
    await docker([...inner.prefix, 'tag', image, options.as], { env: inner.env });
  }
}

/** `docker SAVE_ARGS | docker LOAD_ARGS`, bounded, failing when either side fails. */
async function pipe(saveArgs: string[], loadArgs: string[], loadEnv: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  const save = spawn('docker', saveArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  const load = spawn('docker', loadArgs, { env: { ...process.env, ...loadEnv }, stdio: ['pipe', 'pipe', 'pipe'] });
  const errors: string[] = [];
  save.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
  load.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
  load.stdout.resume();
  load.stdin.on('error', () => undefined);
  save.stdout.pipe(load.stdin);
  const exited = (child: ReturnType<typeof spawn>) =>
    new Promise<string>((done) => {
      child.on('error', (error) => done(error.message));
      child.on('close', (code, signal) => done(code === 0 ? 'ok' : String(code ?? signal)));
    });
  const timer = setTimeout(() => {
    save.kill('SIGKILL');
    load.kill('SIGKILL');
  }, timeoutMs);
  const [saved, loaded] = await Promise.all([exited(save), exited(load)]).finally(() => clearTimeout(timer));
  if (saved !== 'ok' || loaded !== 'ok') {
    throw new Error(`docker ${saveArgs.join(' ')} | docker ${loadArgs.join(' ')} failed (save: ${saved}, load: ${loaded}): ${errors.join('').trim()}`);
  }
}
