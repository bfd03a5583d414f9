/**
 * `waitFor` (devcontainers spec): the lifecycle command the user waits for;
 * the ones after it may run while the user is already connected. The Dev
 * Containers CLI 0.89.0 this builder pins, with
 * `--skip-non-blocking-commands`, stops after that command (devcontainers/cli
 * src/spec-common/injectHeadless.ts, runLifecycleHooks: onCreate, updateContent,
 * postCreate, postStart, postAttach in this order, each followed by
 * `if (skipNonBlocking && waitFor === <it>) return 'skipNonBlocking'`; the
 * default is `updateContentCommand`, an unknown value never matches, so
 * everything runs).
 */

/** The lifecycle commands in the order the CLI runs them. */
export const LIFECYCLE_COMMANDS = ['onCreateCommand', 'updateContentCommand', 'postCreateCommand', 'postStartCommand', 'postAttachCommand'] as const;
export type LifecycleCommand = (typeof LIFECYCLE_COMMANDS)[number];

/** The spec's default `waitFor`. */
export const DEFAULT_WAIT_FOR = 'updateContentCommand';

/**
 * The commands the CLI runs once per container: their marker files in the
 * remote user's `~/.devcontainer/` hold the container's creation time, written
 * *before* the command runs (injectHeadless.ts, runPostCreateCommand and
 * updateMarkerFile), so a command that failed or was interrupted is not run
 * again in that container. `postStartCommand` is marked with the start time
 * (once per start); `postAttachCommand` has no marker (every run).
 */
export const ONCE_PER_CONTAINER: ReadonlySet<LifecycleCommand> = new Set(['onCreateCommand', 'updateContentCommand', 'postCreateCommand']);

/** What runs after `waitFor` in a container. */
export interface LifecyclePlan {
  /** The effective `waitFor`. */
  readonly waitFor: string;
  /** The commands after `waitFor` that some metadata entry defines, in run order. */
  readonly after: readonly LifecycleCommand[];
}

/**
 * The plan of a container from its `devcontainer.metadata` label: the CLI
 * merges the image's, each Feature's and devcontainer.json's entries (the
 * label holds them all, devcontainer.json's last), takes `waitFor` from the
 * last entry that sets it and runs every entry's commands
 * (devcontainers/cli src/spec-node/imageMetadata.ts, mergeConfiguration:
 * `reversed.find(entry => entry.waitFor)`, and one list per command of every entry that sets it).
 * An unreadable label reads as no entries.
 */
export function lifecyclePlan(metadataLabel: string | undefined): LifecyclePlan {
  let parsed: unknown = [];
  try {
    parsed = metadataLabel ? JSON.parse(metadataLabel) : [];
  } catch {
    parsed = [];
  }
  const entries = (Array.isArray(parsed) ? parsed : [parsed]).filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null);
  const waitFor = entries.map((e) => (typeof e.waitFor === 'string' && e.waitFor !== '' ? e.waitFor : undefined)).filter(Boolean).pop() ?? DEFAULT_WAIT_FOR;
  return { waitFor, after: commandsAfter(waitFor).filter((name) => entries.some((e) => hasCommand(e[name]))) };
}

/** The lifecycle commands the CLI skips with `--skip-non-blocking-commands` for this `waitFor`. */
export function commandsAfter(waitFor: string): LifecycleCommand[] {
  if (waitFor === 'initializeCommand') return [...LIFECYCLE_COMMANDS];
  const at = LIFECYCLE_COMMANDS.indexOf(waitFor as LifecycleCommand);
  // An unknown value never stops the CLI: nothing is left for later.
  return at < 0 ? [] : LIFECYCLE_COMMANDS.slice(at + 1);
}

// A command the CLI would run: a non-blank string, a non-empty argv array, or
// an object of parallel commands (injectHeadless.ts: the check before a command runs).
function hasCommand(value: unknown): boolean {
  if (typeof value === 'string') return value.trim().length > 0;
  if (Array.isArray(value)) return value.length > 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}
