import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { DevcontainerUpError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { run } from '../process.js';
import { docker, dockerEnv } from '../docker/client.js';

/**
 * The Compose command the Dev Containers CLI will use. The CLI tries
 * `docker compose version --short` first and only then
 * `<--docker-compose-path> version --short` (default `docker-compose`)
 * (devcontainers/cli src/spec-node/dockerCompose.ts, `dockerComposeCLIConfig`);
 * the builder asks the same questions in the same order, so both agree.
 */
export type ComposeCli =
  | { readonly variant: 'v2'; readonly version: string }
  | { readonly variant: 'v1'; readonly version: string; readonly path: string };

/** What {@link detectCompose} needs. */
export interface DetectComposeOptions {
  readonly log: Logger;
  readonly dockerHost?: string;
  readonly signal?: AbortSignal;
  /** Where to look for `docker-compose`. @default process.env.PATH */
  readonly searchPath?: string;
}

/**
 * Which Compose the builder image has: the v2 plugin (the published image
 * ships it, Dockerfile), else a `docker-compose` executable on PATH (v1,
 * e.g. Debian's 1.29 package), else a clear error. Without either the CLI
 * only says it could not read the Compose configuration (the cause is a
 * debug line), so the builder says what is missing before it starts.
 */
export async function detectCompose(options: DetectComposeOptions): Promise<ComposeCli> {
  const { log } = options;
  const quiet = { timeoutMs: 30_000, onLine: 'quiet', allowFailure: true } as const;
  const version = async (file: string, args: string[]) => {
    const running = file === 'docker'
      ? docker({ log, dockerHost: options.dockerHost, signal: options.signal }, args, quiet)
      : run(log, file, args, { ...quiet, env: dockerEnv(options.dockerHost), signal: options.signal });
    const result = await running.catch(() => undefined);
    return result?.exitCode === 0 ? result.stdout.trim() : undefined;
  };

  const v2 = await version('docker', ['compose', 'version', '--short']);
  if (v2 !== undefined) {
    log.info(`Docker Compose ${v2} (the docker compose plugin).`);
    return { variant: 'v2', version: v2 };
  }
  const file = await findExecutable('docker-compose', options.searchPath ?? process.env.PATH ?? '');
  const v1 = file === undefined ? undefined : await version(file, ['version', '--short']);
  if (file !== undefined && v1 !== undefined) {
    log.info(`Docker Compose ${v1} (${file}; no docker compose plugin, the Dev Containers CLI is given --docker-compose-path).`);
    return { variant: 'v1', version: v1, path: file };
  }
  throw new DevcontainerUpError(
    'This dev container uses Docker Compose (dockerComposeFile in devcontainer.json), but Compose is not available in the builder image: '
      + `neither \`docker compose\` nor \`docker-compose\` runs${file === undefined ? ' (no docker-compose on PATH)' : ` (${file} failed)`}, so Compose dev containers are not supported with it. `
      + 'Use the published builder image (it ships the Compose v2 plugin), add the plugin or docker-compose to your builder image, or use an image- or Dockerfile-based devcontainer.json.',
  );
}

/** What to pass as `--docker-compose-path`: the v1 executable; nothing for the plugin (the CLI tries it first itself). */
export function dockerComposePathOf(compose: ComposeCli | undefined): string | undefined {
  return compose?.variant === 'v1' ? compose.path : undefined;
}

/** The first executable `name` in the `searchPath` directories, as the shell's PATH lookup finds it. */
async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    // An empty PATH entry means the current directory (POSIX); never for the builder.
    if (!path.isAbsolute(dir)) continue;
    const file = path.join(dir, name);
    if (await access(file, constants.X_OK).then(() => true, () => false)) return file;
  }
  return undefined;
}

/** Docker Compose's project label on every container it creates (the Dev Containers CLI finds the service containers by it: devcontainers/cli src/spec-node/dockerCompose.ts, projectLabel, findComposeContainer). */
export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

/**
 * Start the stopped containers of the dev container's Compose project
 * (`runServices`: the other services, e.g. the database), when the builder
 * keeps the dev container without the CLI (a failed `up`, recover.ts): a
 * restarted Docker host stops them all and a plain `docker start` of the dev
 * container brings back only that one. Services the project never created
 * stay absent. Never throws: the dev container itself is what matters.
 * @returns the ids started
 */
export async function startComposeServices(options: { readonly log: Logger; readonly containerId: string; readonly dockerHost?: string; readonly signal?: AbortSignal }): Promise<string[]> {
  const { log } = options;
  const call = (args: string[]) => docker({ log, dockerHost: options.dockerHost, signal: options.signal }, args, { timeoutMs: 120_000 });
  try {
    const project = (await call(['inspect', '--format', `{{index .Config.Labels "${COMPOSE_PROJECT_LABEL}"}}`, options.containerId])).stdout.trim();
    if (project === '' || project === '<no value>') return [];
    // Service containers only, not leftovers of one-off `compose run` commands.
    const filters = [`label=${COMPOSE_PROJECT_LABEL}=${project}`, 'label=com.docker.compose.oneoff=False', 'status=exited', 'status=created'].flatMap((f) => ['--filter', f]);
    const ids = (await call(['ps', '-aq', ...filters])).stdout
      .split('\n').map((l) => l.trim()).filter(Boolean);
    if (ids.length === 0) return [];
    log.info(`Starting the stopped containers of the Compose project ${project} too: ${ids.join(', ')}.`);
    await call(['start', ...ids]);
    return ids;
  } catch (error) {
    log.warn(`Could not start the other Compose services: ${error instanceof Error ? error.message : String(error)}`);
    return [];
  }
}
