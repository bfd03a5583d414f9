/**
 * Runs the workspace pod that the synthesized template describes on a plain
 * Docker engine, container for container, the way the kubelet would.
 *
 * What it reproduces (Kubernetes docs, "Pods", "Init Containers", "Sidecar
 * Containers", "Configure a Security Context", "Define Dependent
 * Environment Variables"; kubelet behaviour as documented there):
 *  - one network namespace per pod: a sandbox container (the kubelet's
 *    "pause") owns it and every container joins it (`--network container:`);
 *  - init containers in spec order; an init container with
 *    `restart_policy: Always` is a native sidecar: it is started, its startup
 *    probe (exec) is polled until it succeeds, then the next init container
 *    starts; a regular init container must exit 0 before the next one starts
 *    (non-zero is a pod failure, reported with its logs);
 *  - then the main containers;
 *  - `command` replaces the image ENTRYPOINT, `args` replaces its CMD;
 *  - env values, with `$(NAME)` expanding earlier variables and `$$` escaping;
 *  - PVCs and emptyDirs as named Docker volumes: PVCs survive `stop()`,
 *    emptyDirs do not;
 *  - Secret volumes ("Secrets", "Volumes: secret"): a fresh volume at each
 *    start holding each selected key (`items`: key → path, else every key
 *    under its own name) from the test's `secrets` map, files mode 0644 (the
 *    default `defaultMode`); a missing key fails the pod unless `optional`
 *    (the kubelet leaves it in ContainerCreating); always mounted read-only,
 *    whatever `read_only` says (the kubelet does so since Kubernetes 1.10,
 *    the fix of CVE-2017-1002102);
 *  - the security context: privileged, runAsUser/Group, runAsNonRoot,
 *    allowPrivilegeEscalation, capabilities, read-only root, fsGroup.
 *
 * Before anything runs, every object of the template is checked the way the
 * API server validates it (k8s-validation.ts), for the test's values.
 *
 * What it deliberately does not reproduce, and says so: runtime classes
 * (a runtime class name is logged and ignored: the engine runs everything with
 * its default runtime), resources, readiness/liveness probes, image pull
 * policies.
 *
 * Terraform references in the template (`${coder_agent.main.token}`) are
 * replaced from a map of test values; a reference the map lacks throws, so a
 * template wired to something the test did not expect fails instead of
 * running with an empty string. Secret references (`value_from`) likewise.
 *
 * Secrets never reach a command line: env values travel to `docker run`
 * through an env file (mode 0600, deleted right after) or, when multi-line,
 * through the Docker CLI's own environment with `-e NAME`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatViolations, validateTemplate } from './k8s-validation.js';

/** Label carried by everything the end-to-end tests create; swept by {@link sweepLeftovers}. */
export const E2E_LABEL = 'cdk-e2e';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = { [key: string]: Json };

/** A pod spec that the runner cannot run faithfully, or a reference the test did not map. */
export class PodSpecError extends Error {
  override readonly name = 'PodSpecError';
}

/** A container of the pod that failed the way a kubelet would report it. */
export class PodFailure extends Error {
  override readonly name = 'PodFailure';
  constructor(
    message: string,
    readonly container: string,
    readonly exitCode: number | undefined,
    readonly logs: string,
  ) {
    super(`${message}\n--- last lines of ${container} ---\n${tail(logs, 40)}`);
  }
}

export interface DockerResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DockerOptions {
  readonly input?: string | Buffer;
  readonly env?: Record<string, string>;
  /** @default 120000 */
  readonly timeoutMs?: number;
  /** Resolve on a non-zero exit instead of throwing. @default false */
  readonly reject?: boolean;
}

/** Runs the Docker CLI without a shell; bounded by a timeout. */
export function docker(args: readonly string[], options: DockerOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = {
        exitCode: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      };
      if (signal === 'SIGKILL' && code === null) {
        reject(new Error(`docker ${args.slice(0, 3).join(' ')} … timed out after ${timeoutMs} ms`));
      } else if (result.exitCode !== 0 && options.reject !== false) {
        reject(new Error(`docker ${args.slice(0, 3).join(' ')} … exited ${result.exitCode}: ${result.stderr.trim()}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/** Terraform JSON blocks come out either as one object or as a list of them. */
function one(value: Json | undefined): Obj | undefined {
  if (Array.isArray(value)) return (value[0] as Obj | undefined) ?? undefined;
  if (value !== null && typeof value === 'object') return value;
  return undefined;
}
function many(value: Json | undefined): Obj[] {
  if (Array.isArray(value)) return value as Obj[];
  if (value !== null && typeof value === 'object') return [value];
  return [];
}
function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function strings(value: Json | undefined): string[] | undefined {
  return Array.isArray(value) ? value.map((v) => String(v)) : undefined;
}
function num(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

/**
 * Terraform `dynamic "<block>" { for_each = …, content { … } }` as cdktf
 * writes it (`dynamic: { <block>: { for_each, content } }`): evaluates
 * `for_each` from the test's values (a JSON list or object) and appends one
 * `content` per element to the block list. Content referring to the iterator
 * (`${<block>.value}`) is not supported and fails as an unmapped reference.
 */
function expandDynamicBlocks(block: Obj, values: Readonly<Record<string, string>>, where: string): Obj {
  const dynamic = block['dynamic'];
  if (dynamic === undefined || dynamic === null || typeof dynamic !== 'object' || Array.isArray(dynamic)) return block;
  const out: Obj = { ...block };
  delete out['dynamic'];
  for (const [type, specs] of Object.entries(dynamic)) {
    for (const spec of many(specs)) {
      const forEachText = str(spec['for_each']);
      if (forEachText === undefined) throw new PodSpecError(`${where}.dynamic.${type}: for_each must be a Terraform expression`);
      const evaluated = interpolate(forEachText, values, `${where}.dynamic.${type}.for_each`);
      let items: unknown;
      try {
        items = JSON.parse(evaluated);
      } catch {
        throw new PodSpecError(`${where}.dynamic.${type}.for_each: the test mapped it to ${JSON.stringify(evaluated)}, not a JSON list or object`);
      }
      const count = Array.isArray(items) ? items.length : items !== null && typeof items === 'object' ? Object.keys(items).length : -1;
      if (count < 0) throw new PodSpecError(`${where}.dynamic.${type}.for_each: ${JSON.stringify(evaluated)} is not a list or object`);
      const content = one(spec['content']);
      if (content === undefined) throw new PodSpecError(`${where}.dynamic.${type} has no content`);
      out[type] = [...many(out[type]), ...Array.from({ length: count }, () => content)];
    }
  }
  return out;
}

/** Returns `kubernetes_deployment_v1.<name>` from a parsed `cdk.tf.json`. */
export function findDeployment(template: unknown, name?: string): { name: string; spec: Obj } {
  const resources = (template as Obj | undefined)?.['resource'] as Obj | undefined;
  const deployments = (resources?.['kubernetes_deployment_v1'] ?? {}) as Obj;
  const names = Object.keys(deployments);
  const chosen = name ?? (names.length === 1 ? names[0] : undefined);
  if (chosen === undefined || deployments[chosen] === undefined) {
    throw new PodSpecError(
      `expected ${name === undefined ? 'exactly one' : `"${name}"`} kubernetes_deployment_v1 in the template, found [${names.join(', ')}]`,
    );
  }
  return { name: chosen, spec: deployments[chosen] as Obj };
}

/** Resolves `${…}` Terraform references in one string from the test's values; unknown ones throw. */
export function interpolate(text: string, values: Readonly<Record<string, string>>, where: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    // `$${` is Terraform's escape for a literal `${`.
    if (text.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (text.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}') depth--;
        j++;
      }
      const expression = text.slice(i + 2, j - 1).trim();
      const value = values[expression];
      if (value === undefined) {
        throw new PodSpecError(`${where}: the template references \${${expression}}, which the test did not map to a value`);
      }
      out += value;
      i = j;
      continue;
    }
    out += text[i];
    i++;
  }
  return out;
}

/** Kubernetes dependent environment variables: `$(NAME)` → earlier value, `$$(` → literal `$(`. */
export function expandDependentEnv(value: string, earlier: ReadonlyMap<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && earlier.has(name) ? (earlier.get(name) as string) : match;
  });
}

/** One container of the pod spec, resolved and ready to run. */
export interface ResolvedContainer {
  readonly name: string;
  readonly kind: 'sidecar' | 'init' | 'main';
  readonly image: string;
  readonly templateImage: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly workingDir?: string;
  readonly env: ReadonlyMap<string, string>;
  readonly mounts: readonly { volume: string; path: string; readOnly: boolean }[];
  readonly privileged: boolean;
  readonly user?: string;
  readonly runAsNonRoot: boolean;
  readonly noNewPrivileges: boolean;
  readonly readOnlyRoot: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly startupProbe?: {
    readonly command: readonly string[];
    readonly initialDelaySeconds: number;
    readonly periodSeconds: number;
    readonly failureThreshold: number;
    readonly timeoutSeconds: number;
  };
}

export interface ResolvedVolume {
  readonly name: string;
  readonly kind: 'pvc' | 'emptyDir' | 'secret';
  /** For a Secret volume: the files (path in the volume → value). */
  readonly files?: Readonly<Record<string, string>>;
}

export interface ResolvedPod {
  readonly deployment: string;
  readonly containers: readonly ResolvedContainer[];
  readonly volumes: readonly ResolvedVolume[];
  readonly fsGroup?: number;
  readonly supplementalGroups: readonly number[];
  readonly terminationGraceSeconds: number;
  readonly notes: readonly string[];
}

export interface ResolveOptions {
  /** Template image reference → local image; a function returning undefined means "not mapped". */
  readonly images: Readonly<Record<string, string>> | ((reference: string) => string | undefined);
  /** Terraform expression (without `${` `}`) → value, e.g. `coder_agent.main.token`. */
  readonly values: Readonly<Record<string, string>>;
  /** `<secret name>/<key>` → value, for `value_from.secret_key_ref` and `env_from.secret_ref`. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Which deployment. @default - the only one */
  readonly deploymentName?: string;
  /**
   * Env added to named containers on top of the template (container name →
   * name → value), for builder settings the template does not expose. Each
   * use is a deviation from the template and must say why; a name the
   * template already sets throws (map its reference through `values` instead).
   * @default - none
   */
  readonly extraEnv?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * Throws when an object of the template would be rejected by the API server
 * (k8s-validation.ts: names, labels, annotations, the pod spec rules), with
 * the references resolved from the test's values: the kubelet never sees a
 * pod whose Deployment or claims Kubernetes refused to create.
 */
export function validateObjects(template: unknown, values: Readonly<Record<string, string>>): void {
  const problems = formatViolations(validateTemplate(template, values));
  if (problems.length > 0) {
    throw new PodSpecError(`the Kubernetes API would reject the template's objects:\n${problems.join('\n')}`);
  }
}

/** Reads the deployment's pod template into containers and volumes, resolving every reference. */
export function resolvePod(template: unknown, options: ResolveOptions): ResolvedPod {
  const { name, spec } = findDeployment(template, options.deploymentName);
  const podTemplate = one(one(spec['spec'])?.['template']);
  const rawPodSpec = one(podTemplate?.['spec']);
  if (rawPodSpec === undefined) throw new PodSpecError(`kubernetes_deployment_v1.${name} has no spec.template.spec`);
  const notes: string[] = [];
  const where = (path: string) => `kubernetes_deployment_v1.${name}.${path}`;
  const podSpec = expandDynamicBlocks(rawPodSpec, options.values, where('spec.template.spec'));
  const resolveText = (text: string, path: string) => interpolate(text, options.values, where(path));
  // Scalars may be Terraform expressions too (`privileged = var.x == ""`).
  const scalar = (value: Json | undefined, path: string): Json | undefined =>
    typeof value === 'string' && value.includes('${') ? resolveText(value, path) : value;
  const bool = (value: Json | undefined, path: string): boolean | undefined => {
    const v = scalar(value, path);
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    if (v === undefined || v === null || v === '' || v === 'null') return undefined;
    throw new PodSpecError(`${where(path)}: ${JSON.stringify(v)} is not a boolean`);
  };
  const int = (value: Json | undefined, path: string): number | undefined => {
    const v = scalar(value, path);
    if (v === undefined || v === null || v === '' || v === 'null') return undefined;
    const n = num(v);
    if (n === undefined) throw new PodSpecError(`${where(path)}: ${JSON.stringify(v)} is not a whole number`);
    return n;
  };

  const runtimeClassValue = scalar(podSpec['runtime_class_name'], 'runtime_class_name');
  const runtimeClass = runtimeClassValue === '' || runtimeClassValue === 'null' ? undefined : str(runtimeClassValue);
  if (runtimeClass !== undefined) {
    notes.push(`runtime_class_name ${runtimeClass} ignored: Docker runs every container with its default runtime`);
  }
  for (const unsupported of ['host_network', 'host_pid', 'host_ipc', 'share_process_namespace']) {
    if (bool(podSpec[unsupported], unsupported) === true) throw new PodSpecError(`${where(unsupported)} is not supported by the pod runner`);
  }

  const secretFiles = (secret: Obj, path: string): Record<string, string> => {
    const secretName = resolveText(str(secret['secret_name']) ?? '', `${path}.secret_name`);
    const optional = bool(secret['optional'], `${path}.optional`) === true;
    const all = Object.keys(options.secrets ?? {}).filter((k) => k.startsWith(`${secretName}/`)).map((k) => k.slice(secretName.length + 1));
    const items = many(secret['items']).map((item) => ({ key: str(item['key']) ?? '', path: str(item['path']) ?? '' }));
    const files: Record<string, string> = {};
    for (const { key, path: file } of items.length > 0 ? items : all.map((key) => ({ key, path: key }))) {
      const value = options.secrets?.[`${secretName}/${key}`];
      if (value === undefined) {
        if (optional) continue;
        throw new PodSpecError(`${where(path)}: secret ${secretName} key ${key} is not mapped by the test (the kubelet would not start the pod)`);
      }
      if (file === '' || file.startsWith('/') || file.split('/').includes('..')) throw new PodSpecError(`${where(path)}: item path ${JSON.stringify(file)} must be relative without ..`);
      files[file] = value;
    }
    return files;
  };
  const volumes: ResolvedVolume[] = many(podSpec['volume']).map((v, i) => {
    const volumeName = str(v['name']);
    if (volumeName === undefined) throw new PodSpecError(`${where(`volume[${i}]`)} has no name`);
    if (one(v['persistent_volume_claim']) !== undefined) return { name: volumeName, kind: 'pvc' };
    if (v['empty_dir'] !== undefined) return { name: volumeName, kind: 'emptyDir' };
    const secret = one(v['secret']);
    if (secret !== undefined) return { name: volumeName, kind: 'secret', files: secretFiles(secret, `volume[${i}].secret`) };
    throw new PodSpecError(`${where(`volume[${i}]`)} (${volumeName}): only persistent_volume_claim, empty_dir and secret are supported`);
  });
  const volumeNames = new Set(volumes.map((v) => v.name));
  const secretVolumes = new Set(volumes.filter((v) => v.kind === 'secret').map((v) => v.name));
  if (volumeNames.size !== volumes.length) throw new PodSpecError(`${where('volume')}: two volumes share a name`);

  const podSecurity = one(podSpec['security_context']);
  const podRunAsUser = int(podSecurity?.['run_as_user'], 'security_context.run_as_user');
  const podRunAsGroup = int(podSecurity?.['run_as_group'], 'security_context.run_as_group');
  const podRunAsNonRoot = bool(podSecurity?.['run_as_non_root'], 'security_context.run_as_non_root') === true;
  const fsGroup = int(podSecurity?.['fs_group'], 'security_context.fs_group');
  const supplementalGroups = (strings(podSecurity?.['supplemental_groups']) ?? []).map(Number);

  const mapImage = (reference: string, path: string): string => {
    const image = typeof options.images === 'function' ? options.images(reference) : options.images[reference];
    if (image === undefined) throw new PodSpecError(`${where(path)}: image ${reference} has no local substitute in the test`);
    return image;
  };

  const resolveContainer = (raw: Obj, kind: 'init' | 'main', path: string): ResolvedContainer => {
    const c = expandDynamicBlocks(raw, options.values, where(path));
    const containerName = str(c['name']);
    if (containerName === undefined) throw new PodSpecError(`${where(path)} has no name`);
    const templateImage = resolveText(str(c['image']) ?? '', `${path}.image`);
    const restartPolicy = str(scalar(c['restart_policy'], `${path}.restart_policy`));
    if (restartPolicy !== undefined && kind !== 'init') {
      throw new PodSpecError(`${where(path)}: restart_policy is only valid on init containers`);
    }
    if (restartPolicy !== undefined && restartPolicy !== 'Always') {
      throw new PodSpecError(`${where(path)}: init container restart_policy must be Always, got ${restartPolicy}`);
    }
    const isSidecar = kind === 'init' && restartPolicy === 'Always';

    const env = new Map<string, string>();
    for (const from of many(c['env_from'])) {
      const secretName = str(one(from['secret_ref'])?.['name']);
      if (secretName === undefined) throw new PodSpecError(`${where(`${path}.env_from`)}: only secret_ref is supported`);
      const prefix = str(from['prefix']) ?? '';
      const keys = Object.keys(options.secrets ?? {}).filter((k) => k.startsWith(`${secretName}/`));
      if (keys.length === 0 && bool(one(from['secret_ref'])?.['optional'], `${path}.env_from`) !== true) {
        throw new PodSpecError(`${where(`${path}.env_from`)}: secret ${secretName} is not mapped by the test`);
      }
      for (const key of keys) env.set(prefix + key.slice(secretName.length + 1), (options.secrets ?? {})[key] as string);
    }
    many(c['env']).forEach((e, i) => {
      const envName = str(e['name']);
      if (envName === undefined) throw new PodSpecError(`${where(`${path}.env[${i}]`)} has no name`);
      const valueFrom = one(e['value_from']);
      if (valueFrom !== undefined) {
        const ref = one(valueFrom['secret_key_ref']);
        if (ref === undefined) throw new PodSpecError(`${where(`${path}.env[${i}]`)} (${envName}): only secret_key_ref is supported in value_from`);
        const key = `${resolveText(str(ref['name']) ?? '', `${path}.env[${i}]`)}/${str(ref['key']) ?? ''}`;
        const value = options.secrets?.[key];
        if (value === undefined) {
          if (bool(ref['optional'], `${path}.env[${i}]`) === true) return;
          throw new PodSpecError(`${where(`${path}.env[${i}]`)} (${envName}): secret ${key} is not mapped by the test`);
        }
        env.set(envName, value);
        return;
      }
      const raw = resolveText(str(e['value']) ?? '', `${path}.env[${i}] (${envName})`);
      env.set(envName, expandDependentEnv(raw, env));
    });
    for (const [extraName, extraValue] of Object.entries(options.extraEnv?.[containerName] ?? {})) {
      if (env.has(extraName)) throw new PodSpecError(`${where(path)}: extraEnv ${extraName} is already set by the template`);
      env.set(extraName, extraValue);
    }
    const expand = (list: string[] | undefined, field: string) =>
      list?.map((arg, i) => expandDependentEnv(resolveText(arg, `${path}.${field}[${i}]`), env));

    const mounts = many(c['volume_mount']).map((m, i) => {
      const volume = str(m['name']) ?? '';
      const mountPath = resolveText(str(m['mount_path']) ?? '', `${path}.volume_mount[${i}].mount_path`);
      if (!volumeNames.has(volume)) {
        throw new PodSpecError(`${where(`${path}.volume_mount[${i}]`)}: volume ${volume} is not declared in the pod's volumes`);
      }
      if (str(m['sub_path']) !== undefined) throw new PodSpecError(`${where(`${path}.volume_mount[${i}]`)}: sub_path is not supported`);
      const readOnly = bool(m['read_only'], `${path}.volume_mount[${i}].read_only`) === true;
      return { volume, path: mountPath, readOnly: readOnly || secretVolumes.has(volume) };
    });

    const security = one(c['security_context']);
    const sc = `${path}.security_context`;
    const runAsUser = int(security?.['run_as_user'], `${sc}.run_as_user`) ?? podRunAsUser;
    const runAsGroup = int(security?.['run_as_group'], `${sc}.run_as_group`) ?? podRunAsGroup;
    const runAsNonRoot = bool(security?.['run_as_non_root'], `${sc}.run_as_non_root`);
    const capabilities = one(security?.['capabilities']);
    const probe = one(c['startup_probe']);
    let startupProbe: ResolvedContainer['startupProbe'];
    if (probe !== undefined) {
      if (!isSidecar) throw new PodSpecError(`${where(path)}: only native sidecars may carry a startup probe among init containers`);
      const probeCommand = strings(one(probe['exec'])?.['command']);
      if (probeCommand === undefined) throw new PodSpecError(`${where(`${path}.startup_probe`)}: only exec probes are supported`);
      startupProbe = {
        command: probeCommand.map((a, i) => resolveText(a, `${path}.startup_probe.exec.command[${i}]`)),
        // Kubernetes defaults (Probe v1): initialDelay 0, period 10, failureThreshold 3, timeout 1.
        initialDelaySeconds: int(probe['initial_delay_seconds'], `${path}.startup_probe`) ?? 0,
        periodSeconds: int(probe['period_seconds'], `${path}.startup_probe`) ?? 10,
        failureThreshold: int(probe['failure_threshold'], `${path}.startup_probe`) ?? 3,
        timeoutSeconds: int(probe['timeout_seconds'], `${path}.startup_probe`) ?? 1,
      };
    }
    return {
      name: containerName,
      kind: isSidecar ? 'sidecar' : kind,
      image: mapImage(templateImage, `${path}.image`),
      templateImage,
      command: expand(strings(c['command']), 'command'),
      args: expand(strings(c['args']), 'args'),
      workingDir: c['working_dir'] === undefined ? undefined : resolveText(str(c['working_dir']) ?? '', `${path}.working_dir`),
      env,
      mounts,
      privileged: bool(security?.['privileged'], `${sc}.privileged`) === true,
      user: runAsUser === undefined ? undefined : runAsGroup === undefined ? String(runAsUser) : `${runAsUser}:${runAsGroup}`,
      runAsNonRoot: runAsNonRoot ?? podRunAsNonRoot,
      noNewPrivileges: bool(security?.['allow_privilege_escalation'], `${sc}.allow_privilege_escalation`) === false,
      readOnlyRoot: bool(security?.['read_only_root_filesystem'], `${sc}.read_only_root_filesystem`) === true,
      capAdd: strings(capabilities?.['add']) ?? [],
      capDrop: strings(capabilities?.['drop']) ?? [],
      startupProbe,
    };
  };

  const containers = [
    ...many(podSpec['init_container']).map((c, i) => resolveContainer(c, 'init', `init_container[${i}]`)),
    ...many(podSpec['container']).map((c, i) => resolveContainer(c, 'main', `container[${i}]`)),
  ];
  if (containers.filter((c) => c.kind === 'main').length === 0) throw new PodSpecError(`${where('container')}: the pod has no main container`);
  const names = containers.map((c) => c.name);
  if (new Set(names).size !== names.length) throw new PodSpecError(`${where('spec')}: container names are not unique: ${names.join(', ')}`);
  return {
    deployment: name,
    containers,
    volumes,
    fsGroup,
    supplementalGroups,
    // Kubernetes default terminationGracePeriodSeconds is 30.
    terminationGraceSeconds: int(podSpec['termination_grace_period_seconds'], 'termination_grace_period_seconds') ?? 30,
    notes,
  };
}

export interface PodRunnerOptions extends ResolveOptions {
  /** Unique per test run; prefixes every container and volume. */
  readonly name: string;
  /** Docker network the pod's sandbox joins (the fake servers listen on its gateway). */
  readonly network: string;
  /** Image for the sandbox container that owns the network namespace; must have `sleep`. */
  readonly sandboxImage: string;
  /** Called after each init container (sidecar: once its startup probe passed). */
  readonly afterInitContainer?: (container: string, runner: PodRunner) => Promise<void>;
  /** Upper bound for one regular init container. @default 15 minutes */
  readonly initTimeoutMs?: number;
  /**
   * The pod's hostname, asked anew at every `start()`. Kubernetes gives a pod
   * its name as hostname (and `HOSTNAME`), and a Deployment names every new
   * pod `<replica set>-<random suffix>`; the template's Deployment is
   * recreated at each workspace start (`count = start_count`), so production
   * sees a new hostname every time. @default - `name`, the same at every start
   */
  readonly hostname?: () => string;
  readonly log?: (line: string) => void;
}

/** Options of one {@link PodRunner.start}. */
export interface PodStartOptions {
  /**
   * Replaces containers of the spec for this start only (same name, kind and
   * mounts expected), e.g. a bench running another program in the same pod
   * and volumes. Returns undefined to keep a container as the template has it.
   * @default - every container as the template has it
   */
  readonly override?: (container: ResolvedContainer) => ResolvedContainer | undefined;
}

export interface PodStartResult {
  /** Milliseconds from `start()` until each container was started / done / probed. */
  readonly milestones: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

/**
 * One pod on the engine. `start()` runs it; `stop()` deletes it like a pod
 * deletion (graceful stop, main containers first, then sidecars in reverse)
 * and keeps the PVC volumes; `destroy()` also removes the PVCs.
 */
export class PodRunner {
  readonly pod: ResolvedPod;
  private readonly log: (line: string) => void;

  constructor(
    template: unknown,
    private readonly options: PodRunnerOptions,
  ) {
    validateObjects(template, options.values);
    this.pod = resolvePod(template, options);
    this.log = options.log ?? (() => undefined);
    for (const note of this.pod.notes) this.log(`pod-runner: ${note}`);
  }

  /** Docker name of a pod container (by its Kubernetes name), or of the sandbox. */
  containerName(k8sName: string): string {
    return `${this.options.name}-${k8sName}`;
  }

  /** Docker name of a pod volume (by its pod volume name). */
  volumeName(podVolume: string): string {
    return `${this.options.name}-${podVolume}`;
  }

  private labels(extra: Record<string, string>): string[] {
    const all = { [E2E_LABEL]: '1', [`${E2E_LABEL}.pod`]: this.options.name, [`${E2E_LABEL}.owner`]: String(process.pid), ...extra };
    return Object.entries(all).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
  }

  /** Runs the pod; throws {@link PodFailure} when a container fails the way it would fail a pod. */
  async start(options: PodStartOptions = {}): Promise<PodStartResult> {
    const started = Date.now();
    const milestones: Record<string, number> = {};
    const containers = this.pod.containers.map((c) => options.override?.(c) ?? c);
    await this.createVolumes();
    await this.startSandbox();
    for (const c of containers.filter((x) => x.kind !== 'main')) {
      if (c.kind === 'sidecar') {
        await this.runContainer(c);
        milestones[`${c.name}:started`] = Date.now() - started;
        await this.waitForStartupProbe(c);
        milestones[`${c.name}:ready`] = Date.now() - started;
      } else {
        await this.runContainer(c);
        await this.waitForCompletion(c);
        milestones[`${c.name}:completed`] = Date.now() - started;
      }
      await this.options.afterInitContainer?.(c.name, this);
    }
    for (const c of containers.filter((x) => x.kind === 'main')) {
      await this.runContainer(c);
      milestones[`${c.name}:started`] = Date.now() - started;
    }
    return { milestones, durationMs: Date.now() - started };
  }

  private async createVolumes(): Promise<void> {
    for (const v of this.pod.volumes) {
      const name = this.volumeName(v.name);
      const exists = (await docker(['volume', 'inspect', name], { reject: false })).exitCode === 0;
      if (exists && v.kind === 'pvc') continue;
      if (exists) await docker(['volume', 'rm', '-f', name]);
      await docker(['volume', 'create', ...this.labels({ [`${E2E_LABEL}.volume`]: v.kind }), name]);
      // Secret values travel on stdin, never in argv.
      for (const [file, value] of Object.entries(v.files ?? {})) {
        await docker(
          ['run', '--rm', '-i', ...this.labels({}), '--mount', `type=volume,src=${name},dst=/v`, '--entrypoint', 'sh', this.options.sandboxImage, '-c',
            'mkdir -p "$(dirname "/v/$1")" && cat > "/v/$1" && chmod 0644 "/v/$1"', 'sh', file],
          { input: value, timeoutMs: 60_000 },
        );
      }
    }
    if (this.pod.fsGroup !== undefined) {
      // The kubelet makes every volume group-owned by fsGroup, group-writable
      // and setgid ("Configure a Security Context", fsGroup); do the same as root.
      // A Secret volume is read-only: its files become group-readable only.
      const writable = this.pod.volumes.filter((v) => v.kind !== 'secret');
      const mounts = this.pod.volumes.flatMap((v) => ['--mount', `type=volume,src=${this.volumeName(v.name)},dst=/${v.kind === 'secret' ? 'ro' : 'v'}/${v.name}`]);
      const g = String(this.pod.fsGroup);
      const secrets = this.pod.volumes.length > writable.length ? ` && chgrp -R ${g} /ro/* && chmod -R g+rX /ro/*` : '';
      await docker(
        ['run', '--rm', ...this.labels({}), ...mounts, '--entrypoint', 'sh', this.options.sandboxImage, '-c',
          `chgrp -R ${g} /v/* && chmod -R g+rwX /v/* && find /v -type d -exec chmod g+s {} +${secrets}`],
        { timeoutMs: 300_000 },
      );
    }
  }

  private async startSandbox(): Promise<void> {
    const name = this.containerName('sandbox');
    await docker([
      'run', '-d', '--name', name, '--hostname', this.options.hostname?.() ?? this.options.name, ...this.labels({ [`${E2E_LABEL}.container`]: 'sandbox' }),
      '--network', this.options.network, '--entrypoint', 'sleep', this.options.sandboxImage, 'infinity',
    ]);
  }

  /** The `docker run` argv for one container; env values stay out of it. */
  dockerRunArgs(c: ResolvedContainer, envFile: string, fromProcessEnv: readonly string[]): string[] {
    const args = ['run', '-d', '--name', this.containerName(c.name), ...this.labels({ [`${E2E_LABEL}.container`]: c.name })];
    args.push('--network', `container:${this.containerName('sandbox')}`);
    // Sidecars and main containers restart like restartPolicy Always; regular init containers do not.
    if (c.kind !== 'init') args.push('--restart', 'always');
    if (c.privileged) args.push('--privileged');
    if (c.user !== undefined) args.push('--user', c.user);
    for (const g of [...(this.pod.fsGroup === undefined ? [] : [this.pod.fsGroup]), ...this.pod.supplementalGroups]) {
      args.push('--group-add', String(g));
    }
    if (c.noNewPrivileges) args.push('--security-opt', 'no-new-privileges');
    if (c.readOnlyRoot) args.push('--read-only');
    for (const cap of c.capAdd) args.push('--cap-add', cap);
    for (const cap of c.capDrop) args.push('--cap-drop', cap);
    if (c.workingDir !== undefined) args.push('--workdir', c.workingDir);
    args.push('--env-file', envFile);
    for (const name of fromProcessEnv) args.push('--env', name);
    for (const m of c.mounts) {
      args.push('--mount', `type=volume,src=${this.volumeName(m.volume)},dst=${m.path}${m.readOnly ? ',readonly' : ''}`);
    }
    // Kubernetes: command replaces ENTRYPOINT (and drops CMD), args replace CMD.
    const [entrypoint, ...commandRest] = c.command ?? [];
    if (entrypoint !== undefined) args.push('--entrypoint', entrypoint);
    args.push(c.image, ...commandRest, ...(c.args ?? []));
    return args;
  }

  private async checkNonRoot(c: ResolvedContainer): Promise<void> {
    if (!c.runAsNonRoot) return;
    let user = c.user;
    if (user === undefined) {
      user = (await docker(['image', 'inspect', '--format', '{{.Config.User}}', c.image])).stdout.trim();
    }
    const uid = user.split(':')[0] ?? '';
    // The kubelet refuses root (0 or empty) and, without runAsUser, a non-numeric user it cannot verify.
    if (uid === '' || uid === '0' || uid === 'root' || !/^\d+$/.test(uid)) {
      throw new PodFailure(`container ${c.name} has runAsNonRoot and its user "${user}" is root or not numeric`, c.name, undefined, '');
    }
  }

  private async runContainer(c: ResolvedContainer): Promise<void> {
    await this.checkNonRoot(c);
    const dir = await mkdtemp(join(tmpdir(), 'cdk-e2e-env-'));
    try {
      const envFile = join(dir, 'env');
      const lines: string[] = [];
      const processEnv: Record<string, string> = {};
      for (const [name, value] of c.env) {
        if (value.includes('\n') || value.includes('\r')) {
          // An env file cannot carry line breaks; pass through the CLI's environment instead.
          if (name.startsWith('DOCKER_')) throw new PodSpecError(`${c.name}: multi-line env ${name} would configure the Docker CLI itself`);
          processEnv[name] = value;
        } else {
          lines.push(`${name}=${value}`);
        }
      }
      await writeFile(envFile, lines.join('\n') + '\n', { mode: 0o600 });
      await docker(this.dockerRunArgs(c, envFile, Object.keys(processEnv)), { env: processEnv });
      this.log(`pod-runner: started ${c.kind} container ${c.name} (${c.image})`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async state(name: string): Promise<{ running: boolean; exitCode: number; restarting: boolean } | undefined> {
    const r = await docker(['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}} {{.State.Restarting}}', name], { reject: false });
    if (r.exitCode !== 0) return undefined;
    const [running, exitCode, restarting] = r.stdout.trim().split(' ');
    return { running: running === 'true', exitCode: Number(exitCode), restarting: restarting === 'true' };
  }

  private async waitForStartupProbe(c: ResolvedContainer): Promise<void> {
    const probe = c.startupProbe;
    if (probe === undefined) return;
    const name = this.containerName(c.name);
    await sleep(probe.initialDelaySeconds * 1000);
    for (let attempt = 1; attempt <= probe.failureThreshold; attempt++) {
      const st = await this.state(name);
      if (st === undefined || (!st.running && !st.restarting)) {
        throw new PodFailure(`sidecar ${c.name} exited (code ${st?.exitCode}) before its startup probe passed`, c.name, st?.exitCode, await this.logs(c.name));
      }
      const r = await docker(['exec', name, ...probe.command], { reject: false, timeoutMs: Math.max(probe.timeoutSeconds, 1) * 1000 + 5000 }).catch(
        () => ({ exitCode: -1, stdout: '', stderr: 'probe timed out' }),
      );
      if (r.exitCode === 0) {
        this.log(`pod-runner: ${c.name} startup probe passed on attempt ${attempt}`);
        return;
      }
      if (attempt < probe.failureThreshold) await sleep(probe.periodSeconds * 1000);
    }
    throw new PodFailure(
      `sidecar ${c.name}: startup probe failed ${probe.failureThreshold} times (period ${probe.periodSeconds}s)`,
      c.name,
      undefined,
      await this.logs(c.name),
    );
  }

  private async waitForCompletion(c: ResolvedContainer): Promise<void> {
    const name = this.containerName(c.name);
    const timeoutMs = this.options.initTimeoutMs ?? 15 * 60_000;
    const r = await docker(['wait', name], { timeoutMs, reject: false }).catch(async () => {
      throw new PodFailure(`init container ${c.name} did not finish within ${timeoutMs} ms`, c.name, undefined, await this.logs(c.name));
    });
    const code = Number(r.stdout.trim());
    if (r.exitCode !== 0 || code !== 0) {
      throw new PodFailure(`init container ${c.name} exited with ${r.stdout.trim() || r.stderr.trim()}`, c.name, code, await this.logs(c.name));
    }
    this.log(`pod-runner: init container ${c.name} completed`);
  }

  /** stdout and stderr of one pod container, interleaved as Docker stored them. */
  async logs(k8sName: string): Promise<string> {
    const r = await docker(['logs', this.containerName(k8sName)], { reject: false, timeoutMs: 30_000 });
    return r.stdout + r.stderr;
  }

  /** Runs a command in a pod container (like `kubectl exec`). */
  exec(k8sName: string, command: readonly string[], options: DockerOptions = {}): Promise<DockerResult> {
    return docker(['exec', ...(options.input === undefined ? [] : ['-i']), this.containerName(k8sName), ...command], options);
  }

  /** Whether a pod container is running, and how often Docker restarted it. */
  async status(k8sName: string): Promise<{ running: boolean; exitCode: number; restartCount: number } | undefined> {
    const r = await docker(
      ['inspect', '--format', '{{.State.Running}} {{.State.ExitCode}} {{.RestartCount}}', this.containerName(k8sName)],
      { reject: false },
    );
    if (r.exitCode !== 0) return undefined;
    const [running, exitCode, restarts] = r.stdout.trim().split(' ');
    return { running: running === 'true', exitCode: Number(exitCode), restartCount: Number(restarts) };
  }

  /**
   * Deletes the pod like the API server would: main containers get SIGTERM
   * and the grace period, then sidecars in reverse order, then everything is
   * removed. PVC volumes stay; emptyDirs go.
   */
  async stop(): Promise<void> {
    const started = Date.now();
    const grace = String(this.pod.terminationGraceSeconds);
    const stopAll = async (names: string[]) =>
      Promise.all(names.map((n) => docker(['stop', '-t', grace, n], { reject: false, timeoutMs: (this.pod.terminationGraceSeconds + 30) * 1000 }).catch(() => undefined)));
    await stopAll(this.pod.containers.filter((c) => c.kind === 'main').map((c) => this.containerName(c.name)));
    for (const c of [...this.pod.containers].reverse().filter((x) => x.kind !== 'main')) {
      await stopAll([this.containerName(c.name)]);
    }
    const all = [...this.pod.containers.map((c) => this.containerName(c.name)), this.containerName('sandbox')];
    await docker(['rm', '-f', '-v', ...all], { reject: false });
    const emptyDirs = this.pod.volumes.filter((v) => v.kind === 'emptyDir').map((v) => this.volumeName(v.name));
    if (emptyDirs.length > 0) await docker(['volume', 'rm', '-f', ...emptyDirs], { reject: false });
    this.log(`pod-runner: pod ${this.options.name} stopped and removed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /** Removes everything of this pod, PVCs included. */
  async destroy(): Promise<void> {
    await this.stop();
    const all = this.pod.volumes.map((v) => this.volumeName(v.name));
    if (all.length > 0) await docker(['volume', 'rm', '-f', ...all], { reject: false });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Removes containers, volumes and networks left by an earlier e2e run whose
 * test process is gone (label {@link E2E_LABEL}, owner pid no longer alive).
 */
export async function sweepLeftovers(): Promise<void> {
  const alive = (pid: string) => {
    if (pid === String(process.pid)) return false;
    try {
      process.kill(Number(pid), 0);
      return true;
    } catch {
      return false;
    }
  };
  const list = async (kind: 'container' | 'volume' | 'network', format: string) => {
    const args = kind === 'container' ? ['ps', '-a'] : [kind, 'ls'];
    const r = await docker([...args, '--filter', `label=${E2E_LABEL}=1`, '--format', format], { reject: false });
    return r.stdout.split('\n').filter(Boolean).map((line) => line.split(' '));
  };
  const label = `{{.Label "${E2E_LABEL}.owner"}}`;
  const containers = (await list('container', `{{.ID}} ${label}`)).filter(([, pid]) => !alive(pid ?? '')).map(([id]) => id as string);
  if (containers.length > 0) await docker(['rm', '-f', '-v', ...containers], { reject: false });
  const volumes = (await list('volume', `{{.Name}} ${label}`)).filter(([, pid]) => !alive(pid ?? '')).map(([id]) => id as string);
  if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes], { reject: false });
  const networks = (await list('network', `{{.ID}} ${label}`)).filter(([, pid]) => !alive(pid ?? '')).map(([id]) => id as string);
  for (const n of networks) await docker(['network', 'rm', n], { reject: false });
}

/** A bridge network on an unusual subnet: its gateway is this host, where the fake servers listen. */
export async function createTestNetwork(name: string, subnet = '10.213.0.0/24'): Promise<{ name: string; gateway: string; remove: () => Promise<void> }> {
  const gateway = subnet.replace(/\.0\/\d+$/, '.1');
  await docker([
    'network', 'create', '--driver', 'bridge', '--subnet', subnet, '--gateway', gateway,
    '--label', `${E2E_LABEL}=1`, '--label', `${E2E_LABEL}.owner=${process.pid}`, name,
  ]);
  return { name, gateway, remove: async () => void (await docker(['network', 'rm', name], { reject: false })) };
}
