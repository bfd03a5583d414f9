import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { run } from '../process.js';
import { GENERATION_LABEL_NAME, idLabelFor, labelFilterArgs } from '../devcontainer/args.js';

/** Label marking a recovery container: the only containers the builder ever removes itself. */
export const FALLBACK_LABEL = 'devcontainer-builder.fallback=true';
const [FALLBACK_KEY, FALLBACK_VALUE] = FALLBACK_LABEL.split('=') as [string, string];
// devcontainers/cli src/spec-node/imageMetadata.ts (imageMetadataLabel).
const METADATA_LABEL = 'devcontainer.metadata';

/** A container carrying the workspace's id label, as `docker inspect` shows it. */
export interface LabeledContainer {
  readonly id: string;
  readonly running: boolean;
  /** A recovery container (FALLBACK_LABEL), not a dev container. */
  readonly fallback: boolean;
  readonly created: string;
  /** Its name, without Docker's leading `/`. */
  readonly name: string;
  /** Its `devcontainer-builder.generation` label; 0 without one. */
  readonly generation: number;
  /** Created but never started (`docker run` failed at start): it never ran anything. */
  readonly neverStarted: boolean;
  /** The user the CLI would run commands as (see {@link remoteUserOf}). */
  readonly remoteUser: string;
  /** Where the checkout is mounted in the container. @default - not mounted directly */
  readonly remoteWorkspaceFolder?: string;
}

interface Inspected {
  Id?: string;
  Name?: string;
  Created?: string;
  State?: { Running?: boolean; Status?: string; StartedAt?: string };
  Config?: { User?: string; Labels?: Record<string, string> | null };
  Mounts?: { Source?: string; Destination?: string }[] | null;
}

export type DockerOptions = { readonly log: Logger; readonly workspaceFolder: string; readonly dockerHost?: string; readonly signal?: AbortSignal };
// `docker inspect` of a container whose `docker run` failed at start (for
// example an entrypoint that does not exist), as Docker Engine 20.10 shows
// it: State.Status "created" and StartedAt the zero time.
const NEVER = '0001-01-01T00:00:00Z';

function docker(options: DockerOptions, args: string[], timeoutMs = 60_000) {
  return run(options.log, 'docker', args, { env: options.dockerHost ? { DOCKER_HOST: options.dockerHost } : undefined, signal: options.signal, timeoutMs, onLine: 'quiet' });
}

/**
 * The containers with the workspace's id label (dev and recovery
 * containers), newest first: of one generation (generation 0: those without
 * a generation label), or of all.
 */
export async function labeledContainers(options: DockerOptions & { readonly generation?: number }): Promise<LabeledContainer[]> {
  const filter = options.generation === undefined ? ['--filter', `label=${idLabelFor(options.workspaceFolder)}`] : labelFilterArgs(options.workspaceFolder, options.generation);
  const ids = (await docker(options, ['ps', '-aq', ...filter])).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (ids.length === 0) return [];
  const inspected = JSON.parse((await docker(options, ['inspect', ...ids])).stdout) as Inspected[];
  return inspected
    .filter((c): c is Inspected & { Id: string } => typeof c.Id === 'string')
    .map((c) => ({
      id: c.Id,
      running: c.State?.Running === true,
      fallback: c.Config?.Labels?.[FALLBACK_KEY] === FALLBACK_VALUE,
      created: c.Created ?? '',
      name: (c.Name ?? '').replace(/^\//, ''),
      generation: Number(c.Config?.Labels?.[GENERATION_LABEL_NAME] ?? 0) || 0,
      neverStarted: c.State?.Running !== true && (c.State?.Status === 'created' || c.State?.StartedAt === NEVER),
      remoteUser: remoteUserOf(c.Config?.Labels?.[METADATA_LABEL], c.Config?.User),
      remoteWorkspaceFolder: c.Mounts?.find((m) => m.Source !== undefined && path.resolve(m.Source) === path.resolve(options.workspaceFolder))?.Destination,
    }))
    .filter((c) => options.generation === undefined || c.generation === options.generation)
    .sort((a, b) => b.created.localeCompare(a.created));
}

/**
 * The user the Dev Containers CLI runs lifecycle commands and `exec` as, from
 * a container alone: the last `remoteUser` in the `devcontainer.metadata`
 * label (devcontainers/cli src/spec-node/imageMetadata.ts, mergeConfiguration:
 * the last entry that sets it wins), else the container's user (`docker run
 * -u containerUser`, or the image's USER), else root
 * (src/spec-node/utils.ts, createContainerProperties).
 */
export function remoteUserOf(metadataLabel: string | undefined, containerUser: string | undefined): string {
  let entries: unknown = [];
  try {
    entries = metadataLabel ? JSON.parse(metadataLabel) : [];
  } catch {
    entries = [];
  }
  const list = (Array.isArray(entries) ? entries : [entries]) as { remoteUser?: unknown }[];
  const remoteUser = list.map((e) => (e && typeof e.remoteUser === 'string' ? e.remoteUser : undefined)).filter(Boolean).pop();
  return remoteUser || containerUser || 'root';
}

/** Remove the workspace's recovery containers, and only those (both labels must match). */
export async function removeRecoveryContainers(options: DockerOptions): Promise<number> {
  const ids = (await docker(options, ['ps', '-aq', '--filter', `label=${idLabelFor(options.workspaceFolder)}`, '--filter', `label=${FALLBACK_LABEL}`])).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (ids.length > 0) {
    options.log.info(`Removing the recovery container${ids.length === 1 ? '' : 's'} ${ids.join(', ')} of the last start.`);
    await docker(options, ['rm', '-f', ...ids], 120_000);
  }
  return ids.length;
}
