import path from 'node:path';
import { GENERATION_LABEL_NAME, idLabelFor, idLabelsFor } from '../devcontainer/args.js';
import { containerIds, inspectContainers, removeContainers, type DockerTarget } from '../docker/client.js';

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

export type DockerOptions = DockerTarget & { readonly workspaceFolder: string };
// `docker inspect` of a container whose `docker run` failed at start (for
// example an entrypoint that does not exist), as Docker Engine 20.10 shows
// it: State.Status "created" and StartedAt the zero time.
const NEVER = '0001-01-01T00:00:00Z';

/**
 * The containers with the workspace's id label (dev and recovery
 * containers), newest first: of one generation (generation 0: those without
 * a generation label), or of all.
 */
export async function labeledContainers(options: DockerOptions & { readonly generation?: number }): Promise<LabeledContainer[]> {
  const labels = options.generation === undefined ? [idLabelFor(options.workspaceFolder)] : idLabelsFor(options.workspaceFolder, options.generation);
  const ids = await containerIds(options, labels);
  if (ids.length === 0) return [];
  const inspected = await inspectContainers<Inspected>(options, ids);
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
  const ids = await containerIds(options, [idLabelFor(options.workspaceFolder), FALLBACK_LABEL]);
  if (ids.length > 0) {
    options.log.info(`Removing the recovery container${ids.length === 1 ? '' : 's'} ${ids.join(', ')} of the last start.`);
    await removeContainers(options, ids);
  }
  return ids.length;
}
