// Shared set-up of the end-to-end scenarios: a Docker bridge network on an
// unusual subnet whose gateway is this host, the fake Coder and the git
// server listening on that gateway, the local images, the synthesized
// template, and a function that runs the workspace pod for one repository.
// Everything created is registered in a cleanup list run in reverse.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { startFakeCoder, type FakeCoder, type FakeCoderOptions } from '../support/fake-coder.js';
import { startGitServer, type FixtureRepo, type GitServer } from '../support/git-server.js';
import { loadImageInto, prepareImages, testImages } from '../support/images.js';
import { expect } from 'vitest';
import { PodFailure, PodRunner, createTestNetwork, docker, interpolate, sweepLeftovers, type DockerResult, type PodRunnerOptions } from '../support/pod-runner.js';
import { synthTemplate } from '../support/synth.js';
import { renderInitScript } from '../support/coder-init-script.js';
import { longestNameValues } from '../support/longest-names.js';
import { parameterDefaults } from '../support/prebuild-identities.js';
import { evaluateLocal } from '../support/terraform-eval.js';
import { stateFile } from '../../builder/commands/state.js';

/** Coder log source of the builder (docs/architecture.md, "Coder log source"). */
export const BUILDER_LOG_SOURCE = '1a02c755-957a-4887-ba1f-72fa21a4ac7d';

/** Names the dev container Dockerfiles of the fixtures use for the local bases. */
export const DEV_BASE_IMAGE = 'e2e/debian:bookworm';
export const DEV_DIND_IMAGE = 'e2e/dind:local';

/** Template image references (values of `var.builder_image` / `var.dind_image` in the test). */
const TEMPLATE_BUILDER_IMAGE = 'ghcr.io/vgijssel/devcontainer-builder:e2e';
const TEMPLATE_DIND_IMAGE = 'docker:dind-e2e';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const stubAgent = join(repoRoot, '__tests__', 'support', 'stub-agent', 'coder');

export type Cleanup = () => Promise<void>;

/** What every scenario needs: one per test file. */
export interface E2eEnv {
  readonly network: { name: string; gateway: string };
  readonly coder: FakeCoder;
  readonly git: GitServer;
  readonly template: unknown;
  readonly cleanups: Cleanup[];
}

/** Runs the cleanups in reverse order, each at most once, never throwing. */
export async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop() as Cleanup;
    await cleanup().catch((e: unknown) => process.stderr.write(`[e2e] cleanup failed: ${String(e)}\n`));
  }
}

/**
 * Sweeps leftovers, prepares images, and starts the network and fake servers.
 * `subnet` differs per test file so that a leftover of one never blocks another.
 */
export async function setUpEnv(options: { subnet: string; coder?: FakeCoderOptions }): Promise<E2eEnv> {
  const cleanups: Cleanup[] = [];
  await sweepLeftovers();
  await prepareImages();
  const template = (await synthTemplate()).json as unknown;
  const network = await createTestNetwork(`cdk-e2e-${process.pid}-${options.subnet.split('.')[2]}`, options.subnet);
  cleanups.push(network.remove);
  const coder = await startFakeCoder({ host: network.gateway, agentBinary: stubAgent, ...options.coder });
  cleanups.push(() => coder.close());
  const git = await startGitServer({ host: network.gateway });
  cleanups.push(() => git.close());
  return { network, coder, git, template, cleanups };
}

/** The files of a fixture repository under __tests__/fixtures/repos/<name>, for the git server. */
export function fixtureFiles(name: string): Promise<Record<string, string>> {
  return treeFiles(join(repoRoot, '__tests__', 'fixtures', 'repos', name));
}

/** Every file below `root` as text, keyed by its path relative to `root`. */
export async function treeFiles(root: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files[relative(root, path)] = await readFile(path, 'utf8');
    }
  };
  if (!(await stat(root)).isDirectory()) throw new Error(`no fixture repository at ${root}`);
  await walk(root);
  return files;
}

/**
 * The test's `coder_agent.main.init_script`: rendered the way the coder
 * provider renders Coder's Linux bootstrap script, with the access URL and
 * the arch baked in at plan time (see __tests__/support/coder-init-script.ts
 * for the sources it follows).
 */
export function initScript(accessUrl: string, arch = 'amd64'): string {
  return renderInitScript(accessUrl, arch);
}

export interface WorkspaceOptions {
  /** Unique among the pods of one test file. */
  readonly name: string;
  readonly repo: FixtureRepo;
  /** @default '' (the remote's default branch) */
  readonly branch?: string;
  /** @default false */
  readonly rebuild?: boolean;
  /** The GitHub token the template passes as GH_TOKEN. @default the git server's token */
  readonly ghToken?: string;
  /** The recovery image the template's `fallback_image` variable resolves to. @default '' (none) */
  readonly fallbackImage?: string;
  /** Load the Debian base into the pod's daemon; off for pods that fail before any build. @default true */
  readonly withDevBase?: boolean;
  /** Also load the DinD image into the pod's daemon (for a dev container running its own dockerd). @default false */
  readonly withDindBase?: boolean;
  /** Called once the sidecar is ready, right before the builder init container starts. */
  readonly beforeBuilder?: () => void | Promise<void>;
  /** The pod's hostname at each start (`deploymentHostnames` in dev-container.ts). @default - the runner's fixed one */
  readonly hostname?: () => string;
  /** More Terraform values, over {@link templateValues} (e.g. a template variable a test sets). @default - none */
  readonly values?: Readonly<Record<string, string>>;
  /**
   * A local builder image other than the test builder image, and the
   * template's `builder_image` value that names it (e.g. the Compose layer,
   * `testImages.builderCompose`). @default - the test builder image
   */
  readonly builderImage?: { readonly ref: string; readonly image: string };
  /** Env the template does not pass (yet), per container; each use is a deviation its caller explains. @default - none */
  readonly extraEnv?: PodRunnerOptions['extraEnv'];
  /** The namespace's Secrets the pod may use (`<secret name>/<key>` → value, e.g. `var.registry_auth_secret`'s). @default - none */
  readonly secrets?: PodRunnerOptions['secrets'];
}

/** The URLs of Coder a workspace sees: the deployment's access URL and the template's `agent_url`. */
export interface CoderUrls {
  /** `data.coder_workspace.me.access_url`. @default the fake Coder's URL */
  readonly accessUrl?: string;
  /** `var.agent_url`. @default '' (none) */
  readonly agentUrl?: string;
}

/**
 * The Terraform values of the test workspace, keyed by the template's
 * expressions. The template's own locals (`coder_url`, `agent_init_script`)
 * are evaluated by Terraform from the values below, never restated here.
 * Owner and workspace names are the longest Coder accepts, so every object
 * the harness checks (pod-runner.ts) is checked for them.
 */
export function templateValues(env: E2eEnv, options: WorkspaceOptions, urls: CoderUrls = {}): Record<string, string> {
  const accessUrl = urls.accessUrl ?? env.coder.url;
  const arch = 'amd64';
  const refs = {
    'coder_agent.main.init_script': initScript(accessUrl, arch),
    'data.coder_workspace.me.access_url': accessUrl,
    'var.agent_url': urls.agentUrl ?? '',
  };
  return {
    // Every parameter at its default (the default preset), then the test's choices.
    ...parameterDefaults(env.template),
    ...longestNameValues(),
    'var.namespace': 'coder-workspace',
    'var.arch': arch,
    'coder_agent.main.token': env.coder.token,
    'local.coder_url': evaluateLocal(env.template, 'coder_url', refs),
    'local.agent_init_script': evaluateLocal(env.template, 'agent_init_script', refs),
    'data.coder_parameter.repository.value': options.repo.url,
    'data.coder_parameter.git_branch.value': options.branch ?? '',
    'data.coder_parameter.rebuild.value': String(options.rebuild ?? false),
    'data.coder_external_auth.github.access_token': options.ghToken ?? env.git.token,
    // No registry is reachable: no cache import or export.
    'var.cache_repo': '',
    // No ssh repository unless a test gives the host keys.
    'var.ssh_known_hosts': '',
    // The template's default: one deadline for the builder's whole `up`.
    'var.up_timeout_seconds': '3600',
    'var.registry_auth_secret != "" ? [1] : []': '[]',
    // No clone credential unless a test gives one (issue 15.3).
    'var.clone_credential_secret': '',
    'var.clone_credential_secret != "" ? [1] : []': '[]',
    'var.builder_image': TEMPLATE_BUILDER_IMAGE,
    // The template's choice between "none", a given image and the builder image.
    'var.fallback_image == "none" ? "" : (var.fallback_image != "" ? var.fallback_image : var.builder_image)': options.fallbackImage ?? '',
    'var.dind_image': TEMPLATE_DIND_IMAGE,
    // No runtime class: DinD runs privileged, as the template does then.
    'var.runtime_class_name == ""': 'true',
    'var.runtime_class_name != "" ? var.runtime_class_name : null': '',
    'local.runtime_class_name != "" ? local.runtime_class_name : null': '',
    // No GPU here (issue 14.2): the builder passes --gpu-availability none.
    'var.gpu_count >= 1 ? "all" : "none"': 'none',
  };
}

/** Loads the local bases into the pod's DinD daemon once (its data volume is a PVC). */
async function loadDevBases(pod: PodRunner, withDevBase: boolean, withDindBase: boolean): Promise<void> {
  const container = pod.containerName('dind');
  const has = async (image: string) =>
    (await docker(['exec', container, 'docker', '-H', 'unix:///var/run/dind/docker.sock', 'image', 'inspect', image], { reject: false })).exitCode === 0;
  if (withDevBase && !(await has(DEV_BASE_IMAGE))) await loadImageInto({ container }, testImages.debian, { as: DEV_BASE_IMAGE });
  if (withDindBase && !(await has(DEV_DIND_IMAGE))) await loadImageInto({ container }, testImages.dind, { as: DEV_DIND_IMAGE });
}

/**
 * The Secrets the template itself creates (`kubernetes_secret_v1`, e.g. the
 * GitHub token), as Terraform would create them from the test's values:
 * `<name>/<key>` → value, for the pod runner's `secret_key_ref`.
 */
export function templateSecrets(template: unknown, values: Readonly<Record<string, string>>): Record<string, string> {
  const secrets = ((template as { resource?: Record<string, Record<string, unknown>> }).resource?.['kubernetes_secret_v1'] ?? {}) as Record<string, { metadata: { name: string }; data?: Record<string, string> }>;
  const out: Record<string, string> = {};
  for (const [id, body] of Object.entries(secrets)) {
    const name = interpolate(body.metadata.name, values, `kubernetes_secret_v1.${id}.metadata.name`);
    for (const [key, value] of Object.entries(body.data ?? {})) out[`${name}/${key}`] = interpolate(value, values, `kubernetes_secret_v1.${id}.data.${key}`);
  }
  return out;
}

/** A workspace pod built from the synthesized template for one fixture repository. */
export function workspacePod(env: E2eEnv, options: WorkspaceOptions, urls: CoderUrls = {}): PodRunner {
  const values = {
    ...templateValues(env, options, urls),
    ...(options.builderImage ? { 'var.builder_image': options.builderImage.ref } : {}),
    ...options.values,
  };
  const pod = new PodRunner(env.template, {
    name: `cdk-e2e-${options.name}-${process.pid}`,
    network: env.network.name,
    sandboxImage: testImages.debian,
    images: {
      [TEMPLATE_BUILDER_IMAGE]: testImages.builder,
      [TEMPLATE_DIND_IMAGE]: testImages.dind,
      ...(options.builderImage ? { [options.builderImage.ref]: options.builderImage.image } : {}),
    },
    values,
    hostname: options.hostname,
    extraEnv: options.extraEnv,
    secrets: { ...templateSecrets(env.template, values), ...options.secrets },
    afterInitContainer: async (container, runner) => {
      if (container !== 'dind') return;
      await loadDevBases(runner, options.withDevBase ?? true, options.withDindBase ?? false);
      await options.beforeBuilder?.();
    },
    log: (line) => process.stderr.write(`[e2e] ${line}\n`),
  });
  env.cleanups.push(() => pod.destroy());
  return pod;
}

/** Runs `docker …` against the pod's DinD daemon (from inside the sidecar). */
export function dind(pod: PodRunner, args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<DockerResult> {
  return pod.exec('dind', ['docker', '-H', 'unix:///var/run/dind/docker.sock', ...args], { reject: false, ...options });
}

/**
 * The full ids of the workspace's containers of the generation the builder's
 * state records (absent: 0, the containers without a generation label), as
 * the builder's own lookups find them (builder/devcontainer/args.ts,
 * idLabelsFor): a replacement's stopped backup is not among them.
 */
export async function currentContainerIds(pod: PodRunner, workspaceFolder: string): Promise<string[]> {
  const state = await pod.exec('dind', ['cat', stateFile('/workspaces/.devcontainer-builder', workspaceFolder)], { reject: false });
  const generation = state.exitCode === 0 ? Number((JSON.parse(state.stdout) as { generation?: number }).generation ?? 0) : 0;
  const r = await dind(pod, ['ps', '-a', '-q', '--no-trunc', '--filter', `label=devcontainer-builder.workspace=${workspaceFolder}`]);
  if (r.exitCode !== 0) throw new Error(`docker ps in the pod's DinD failed: ${r.stderr}`);
  const ids = r.stdout.split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  // A missing label prints "<no value>": generation 0.
  const inspect = await dind(pod, ['inspect', '--format', '{{.Id}} {{index .Config.Labels "devcontainer-builder.generation"}}', ...ids]);
  return inspect.stdout.split('\n').filter(Boolean).map((l) => l.trim().split(' ')).filter(([, g]) => (Number(g) || 0) === generation).map(([id]) => id as string);
}

/** The dev container's id in DinD, found by the builder's id labels (current generation). */
export async function devContainerId(pod: PodRunner, workspaceFolder: string): Promise<string> {
  const ids = await currentContainerIds(pod, workspaceFolder);
  if (ids.length !== 1) throw new Error(`expected one dev container labelled for ${workspaceFolder} (current generation), found ${ids.length}`);
  return (ids[0] as string).slice(0, 12);
}

/** Runs a command in the dev container (inside DinD). */
export async function inDevContainer(pod: PodRunner, workspaceFolder: string, command: readonly string[], user?: string): Promise<DockerResult> {
  const id = await devContainerId(pod, workspaceFolder);
  return dind(pod, ['exec', ...(user === undefined ? [] : ['-u', user]), id, ...command]);
}

/** Waits (bounded) until the fake Coder holds more than `count` stub agent reports. */
export async function waitForReports(coder: FakeCoder, count: number, timeoutMs = 180_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (coder.reports.length > count) return coder.reports[coder.reports.length - 1] as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`no stub agent report #${count + 1} within ${timeoutMs} ms (have ${coder.reports.length})`);
}

/** The Coder-Session-Token headers the stub agent's reports carried. */
export function reportTokens(coder: FakeCoder): string[] {
  return coder.requests.filter((r) => r.path === '/report').map((r) => String(r.headers['coder-session-token'] ?? ''));
}

/** The builder's log lines stored by the fake Coder under the builder's source. */
export function coderLog(coder: FakeCoder): string[] {
  return coder.logsFor(BUILDER_LOG_SOURCE).map((l) => l.output);
}

/** Every text the test knows to be secret must be absent from `text`. */
export function secretsIn(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => s.length > 0 && text.includes(s));
}

/**
 * The command lines of every process in a pod container, and in the dev
 * container, joined: tokens must travel as environment only, never as argv
 * (visible to any user through /proc/<pid>/cmdline).
 */
export async function processArgv(pod: PodRunner, workspaceFolder: string): Promise<string> {
  const script = 'for f in /proc/[0-9]*/cmdline; do tr "\\000" " " < "$f" 2>/dev/null; echo; done';
  const parts: string[] = [];
  for (const container of ['dind', 'devcontainer-agent']) {
    parts.push((await pod.exec(container, ['sh', '-c', script], { reject: false })).stdout);
  }
  parts.push((await inDevContainer(pod, workspaceFolder, ['sh', '-c', script])).stdout);
  return parts.join('\n');
}

/** The builder's console lines (`<time> <LEVEL> <text>`) at info and above, as text. */
export function consoleTexts(logs: string): string[] {
  return logs
    .split('\n')
    .map((line) => /^\S+ (INFO |WARN |ERROR) (.*)$/.exec(line)?.[2])
    .filter((text): text is string => text !== undefined && text.trim() !== '');
}

/** Asserts that the pod failed because the builder init container exited with `exitCode`. */
export function expectBuilderFailure(error: unknown, exitCode: number): PodFailure {
  expect(error).toBeInstanceOf(PodFailure);
  const failure = error as PodFailure;
  expect(failure.container).toBe('devcontainer-builder');
  expect(failure.exitCode).toBe(exitCode);
  return failure;
}
