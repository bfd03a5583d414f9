import { Token } from 'cdktf';

/**
 * Small pod-spec vocabulary shared by the constructs: environment variables,
 * volume mounts and volumes that may be present only when a Terraform
 * condition holds (for example "a registry secret was configured").
 *
 * A conditional item renders as a Terraform `dynamic` block whose `for_each`
 * is `[1]` or `[]`, so the decision is taken at plan time, where the values of
 * template variables are known.
 */

/** An environment variable of a container. */
export interface EnvVar {
  readonly name: string;
  /** The value; may contain Terraform references (tokens). Ignored with {@link secretKeyRef}. */
  readonly value: string;
  /**
   * Read the value from a key of a Secret when the container starts
   * (`value_from.secret_key_ref`): the pod spec holds only the Secret's name,
   * so a new value reaches the next pod without changing the pod template.
   * @default - the literal {@link value}
   */
  readonly secretKeyRef?: { readonly name: string; readonly key: string };
  /**
   * A Terraform boolean expression (tokens allowed, no surrounding `${}`);
   * the variable exists only when it is true.
   * @default - always present
   */
  readonly when?: string;
}

/** Where a container mounts a pod volume. */
export interface VolumeMount {
  /** Name of the pod volume. */
  readonly name: string;
  readonly mountPath: string;
  /** @default false */
  readonly readOnly?: boolean;
  /** @default - always present (see {@link EnvVar.when}) */
  readonly when?: string;
}

/** A pod volume, in the snake_case shape of `kubernetes_deployment_v1`'s `volume` block. */
export interface PodVolume {
  readonly name: string;
  /** The volume source (`persistent_volume_claim`, `empty_dir`, `secret`, …), already in Terraform shape. */
  readonly source: Record<string, unknown>;
  /** @default - always present (see {@link EnvVar.when}) */
  readonly when?: string;
}

/** Anything that can be mounted: asked for its pod volume and a mount of it. */
export interface IMountable {
  /** The pod volume backing the mounts. */
  asVolume(): PodVolume;
  /** A mount of that volume at its own path. */
  asVolumeMount(): VolumeMount;
}

type Conditional = { readonly when?: string };

/**
 * An optional name for a Kubernetes field where empty means "not set": a
 * literal empty string becomes undefined, and a Terraform reference becomes
 * an expression that yields null when the value is empty at plan time.
 */
export function nullIfEmpty(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Token.isUnresolved(value)) return `\${${value} != "" ? ${value} : null}`;
  return value === '' ? undefined : value;
}

/**
 * Splits items into static blocks and `dynamic` blocks.
 * @returns the static list (or undefined when empty) and the dynamic blocks
 */
export function splitConditional<T extends Conditional>(
  items: readonly T[],
  render: (item: T) => Record<string, unknown>,
): { static?: Record<string, unknown>[]; dynamic: Record<string, unknown>[] } {
  const always = items.filter((i) => i.when === undefined).map(render);
  const dynamic = items
    .filter((i) => i.when !== undefined)
    .map((i) => ({ for_each: `\${${i.when} ? [1] : []}`, content: render(i) }));
  return { static: always.length > 0 ? always : undefined, dynamic };
}

/**
 * Adds `dynamic` blocks of one type to a block body. Several blocks of the
 * same type use the JSON array form of HCL (one element per block).
 */
export function withDynamic(
  body: Record<string, unknown>,
  blockType: string,
  blocks: Record<string, unknown>[],
): Record<string, unknown> {
  if (blocks.length === 0) return body;
  const existing = (body.dynamic as Record<string, unknown> | undefined) ?? {};
  return { ...body, dynamic: { ...existing, [blockType]: blocks.length === 1 ? blocks[0] : blocks } };
}

/** Renders env vars into a container body: static `env` blocks plus `dynamic "env"`. */
export function renderEnv(body: Record<string, unknown>, env: readonly EnvVar[]): Record<string, unknown> {
  const parts = splitConditional(env, (e) =>
    e.secretKeyRef === undefined ? { name: e.name, value: e.value } : { name: e.name, value_from: { secret_key_ref: { name: e.secretKeyRef.name, key: e.secretKeyRef.key } } });
  return withDynamic({ ...body, env: parts.static }, 'env', parts.dynamic);
}

/** Renders volume mounts into a container body: static `volume_mount` blocks plus `dynamic "volume_mount"`. */
export function renderMounts(body: Record<string, unknown>, mounts: readonly VolumeMount[]): Record<string, unknown> {
  const parts = splitConditional(mounts, (m) => ({ name: m.name, mount_path: m.mountPath, read_only: m.readOnly }));
  return withDynamic({ ...body, volume_mount: parts.static }, 'volume_mount', parts.dynamic);
}

/** Throws when a list of named items repeats a name. */
export function assertUniqueNames(what: string, owner: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new Error(`${owner}: ${what} "${name}" is defined twice; give each ${what} a unique name.`);
    }
    seen.add(name);
  }
}
