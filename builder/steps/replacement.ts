import type { ReplacementAttempt } from '../devcontainer/replacement-attempt.js';
import { docker as dockerCall, removeContainers } from '../docker/client.js';
import { labeledContainers, type DockerOptions, type LabeledContainer } from './dev-containers.js';

export type { ReplacementAttempt } from '../devcontainer/replacement-attempt.js';

function docker(options: DockerOptions, args: string[]) {
  return dockerCall(options, args, { timeoutMs: 120_000 });
}

const short = (id: string) => id.slice(0, 12);

/**
 * Before the replacing `up`: find the current generation's dev container,
 * stop it and rename it. The new generation is one more than any generation
 * a container of the workspace carries, so a container left by an earlier
 * failed attempt is never found again. Without a current container there is
 * nothing to keep: the new container gets the current generation.
 */
export async function stopForReplacement(options: DockerOptions & { readonly generation: number }): Promise<ReplacementAttempt> {
  const { log } = options;
  const all = await labeledContainers({ ...options, generation: undefined });
  const current = all.filter((c) => !c.fallback && c.generation === options.generation);
  if (current.length === 0) return { generation: options.generation };
  const generation = Math.max(options.generation, ...all.map((c) => c.generation)) + 1;
  const old = current[0]!;
  log.info(`Stopping (not removing) the current dev container ${short(old.id)}: the new one (generation ${generation}) is created next to it, and the current one starts again if the new one fails.`);
  for (const c of current) await docker(options, ['stop', '-t', '10', c.id]);
  let backupName: string | undefined;
  // An abandoned earlier attempt (the builder was stopped) may have renamed it already.
  if (old.name && !old.name.endsWith(`-backup-g${old.generation}`)) {
    backupName = `${old.name}-backup-g${old.generation}`;
    await docker(options, ['rename', old.id, backupName]).then(
      () => undefined,
      (e: unknown) => {
        log.warn(`Could not rename ${short(old.id)} to ${backupName} (its name stays taken): ${e instanceof Error ? e.message : String(e)}`);
        backupName = undefined;
      },
    );
  }
  return { generation, old: { id: old.id, name: old.name, generation: old.generation, backupName } };
}

/**
 * After a failed replacement, before the old container is started again: a
 * container of the new generation that never started (it ran nothing, so it
 * holds no work) is removed; one that did start is stopped and kept. Then
 * the old container gets its name back.
 * @returns a sentence for the log saying what happened to the new container
 */
export async function abandonAttempt(options: DockerOptions & { readonly attempt: ReplacementAttempt }): Promise<string> {
  const { log, attempt } = options;
  if (!attempt.old) return '';
  const created = (await labeledContainers({ ...options, generation: attempt.generation })).filter((c) => !c.fallback);
  const said: string[] = [];
  for (const c of created) said.push(await dropNew(options, c));
  if (attempt.old.backupName) {
    await docker(options, ['rename', attempt.old.id, attempt.old.name]).catch((e: unknown) =>
      log.warn(`Could not give ${short(attempt.old!.id)} its name ${attempt.old!.name} back: ${e instanceof Error ? e.message : String(e)}`));
  }
  return said.join(' ');
}

async function dropNew(options: DockerOptions, c: LabeledContainer): Promise<string> {
  if (c.neverStarted) {
    await docker(options, ['rm', c.id]);
    return `The new container ${short(c.id)} never started and was removed.`;
  }
  await docker(options, ['stop', '-t', '10', c.id]).catch(() => undefined);
  return `The new container ${short(c.id)} is kept, stopped (it never ran the agent: remove it with docker rm ${short(c.id)} in the dind container).`;
}

/**
 * After a successful replacement (the new state is written): the stopped old
 * container is the backup; the backup of an earlier replacement, if any, is
 * removed now, so at most one is kept.
 */
export async function keepBackup(options: DockerOptions & { readonly attempt: ReplacementAttempt; readonly previousBackup?: string; readonly remoteUser: string }): Promise<void> {
  const { log, attempt } = options;
  if (!attempt.old) return;
  const name = attempt.old.backupName ?? short(attempt.old.id);
  const home = options.remoteUser === 'root' ? '/root' : `/home/${options.remoteUser}`;
  log.warn(`The previous dev container ${short(attempt.old.id)} is kept, stopped, as a backup named ${name}: everything outside /workspaces (your home directory, installed tools) is still in it.`);
  log.warn(`  Copy files out of it through the dind container, e.g. kubectl exec <pod> -c dind -- docker cp ${name}:${home}/. /workspaces/.backup-home`);
  log.warn('  It is removed when a later configuration change replaces this container again.');
  const earlier = options.previousBackup;
  if (!earlier || earlier === attempt.old.id) return;
  const exists = (await labeledContainers({ ...options, generation: undefined })).some((c) => c.id.startsWith(earlier) || earlier.startsWith(c.id));
  if (!exists) return;
  log.info(`Removing the backup container ${short(earlier)} of an earlier replacement (a newer backup replaces it).`);
  await removeContainers(options, [earlier]).catch((e: unknown) => log.warn(`Could not remove the old backup ${short(earlier)}: ${e instanceof Error ? e.message : String(e)}`));
}
