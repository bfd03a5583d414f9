/**
 * A replacement in progress: the generation the new container gets, and the
 * current container, stopped and renamed (never removed) so the new one can
 * take its ports and name (`runArgs` `--name`). Docker cannot change the
 * labels of an existing container (docker/cli
 * docs/reference/commandline/container_update.md: resources and restart
 * policy only), so the old container is told apart by its generation label
 * and its `-backup-g<generation>` name.
 */
export interface ReplacementAttempt {
  readonly generation: number;
  /** @default - there was no current container: nothing was stopped */
  readonly old?: { readonly id: string; readonly name: string; readonly generation: number; readonly backupName?: string };
}
