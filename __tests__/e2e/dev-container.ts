// Helpers of the scenarios that follow one workspace through many starts
// (issue 10, data safety): pod hostnames like a Deployment's, and finding,
// reading and editing the workspace's dev container whatever its state.
import type { FakeCoder } from '../support/fake-coder.js';
import type { DockerResult, PodRunner } from '../support/pod-runner.js';
import { BUILDER_LOG_SOURCE, currentContainerIds, devContainerId, dind } from './workspace-pod.js';

// Kubernetes' random name suffixes: `alphanums` of kubernetes/apimachinery
// pkg/util/rand/rand.go (no vowels), 5 of them after a generateName prefix
// (apiserver pkg/storage/names/generate.go, SimpleNameGenerator).
const K8S_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const k8sSuffix = (length: number) =>
  Array.from({ length }, () => K8S_NAME_ALPHABET[Math.floor(Math.random() * K8S_NAME_ALPHABET.length)]).join('');

/**
 * Hostnames the way a Deployment's pods get them: a pod's hostname is its
 * name, `<deployment>-<pod template hash>-<5 random>` (the replica set's name
 * plus a generated suffix). The template's Deployment is recreated at every
 * workspace start, so each call returns a new name with the same hash.
 */
export function deploymentHostnames(deployment: string): () => string {
  const templateHash = k8sSuffix(10);
  return () => `${deployment}-${templateHash}-${k8sSuffix(5)}`;
}

/** The workspace's container of the current generation in DinD, stopped ones included; `undefined` when there is none. */
export async function findDevContainer(pod: PodRunner, workspaceFolder: string): Promise<{ id: string; running: boolean; recovery: boolean } | undefined> {
  const ids = await currentContainerIds(pod, workspaceFolder);
  if (ids.length === 0) return undefined;
  if (ids.length > 1) throw new Error(`expected at most one container labelled for ${workspaceFolder}, found ${ids.length}`);
  const id = ids[0] as string;
  const inspect = await dind(pod, ['inspect', '--format', '{{.State.Running}} {{index .Config.Labels "devcontainer-builder.fallback"}}', id]);
  const [running, fallback] = inspect.stdout.trim().split(' ');
  return { id, running: running === 'true', recovery: fallback === 'true' };
}

/** Whether a container with this id exists in the pod's DinD daemon. */
export async function containerExists(pod: PodRunner, id: string): Promise<boolean> {
  return (await dind(pod, ['container', 'inspect', id])).exitCode === 0;
}

/**
 * A file's text from a DinD container, running or not (`docker cp`, from the
 * sidecar); `undefined` when the container or the file is not there.
 */
export async function readContainerFile(pod: PodRunner, id: string, path: string): Promise<string | undefined> {
  const script = 'f=$(mktemp) && docker -H unix:///var/run/dind/docker.sock cp "$1:$2" "$f" 2>/dev/null && cat "$f"; s=$?; rm -f "$f"; exit $s';
  const r = await pod.exec('dind', ['sh', '-c', script, 'sh', id, path], { reject: false });
  return r.exitCode === 0 ? r.stdout : undefined;
}

/** Runs a command in the dev container with `input` on its stdin (as a user typing into a terminal there). */
export async function inDevContainerWithInput(pod: PodRunner, workspaceFolder: string, command: readonly string[], input: string, user?: string): Promise<DockerResult> {
  const id = await devContainerId(pod, workspaceFolder);
  return dind(pod, ['exec', '-i', ...(user === undefined ? [] : ['-u', user]), id, ...command], { input });
}

/**
 * Replaces a file's content in place from inside the dev container (the
 * file keeps its inode and owner, like an editor saving it), as `user`.
 */
export async function editInDevContainer(pod: PodRunner, workspaceFolder: string, file: string, content: string, user: string): Promise<void> {
  const r = await inDevContainerWithInput(pod, workspaceFolder, ['sh', '-c', 'cat > "$1"', 'sh', file], content, user);
  if (r.exitCode !== 0) throw new Error(`could not write ${file} in the dev container: ${r.stderr}`);
}

/**
 * Replaces a file's content in place through the DinD sidecar, which mounts
 * the workspaces volume too: how a user repairs a checkout when no dev
 * container runs (docs/debugging.md).
 */
export async function editInSidecar(pod: PodRunner, file: string, content: string): Promise<void> {
  const r = await pod.exec('dind', ['sh', '-c', 'cat > "$1"', 'sh', file], { input: content, reject: false });
  if (r.exitCode !== 0) throw new Error(`could not write ${file} through the dind sidecar: ${r.stderr}`);
}

/** The builder's Coder log lines (with their level) stored after the first `from`. */
export function coderLogSince(coder: FakeCoder, from: number): { output: string; level: string }[] {
  return coder.logsFor(BUILDER_LOG_SOURCE).slice(from).map((l) => ({ output: l.output, level: l.level }));
}

/**
 * The environment of a process in the dev container (by its pid there), as
 * name → value. Read as the process's own user: another user (root too,
 * without CAP_SYS_PTRACE) may not read /proc/<pid>/environ (proc(5)).
 */
export async function processEnvironment(pod: PodRunner, containerId: string, pid: number, user: string): Promise<Record<string, string>> {
  const r = await dind(pod, ['exec', '-u', user, containerId, 'cat', `/proc/${pid}/environ`]);
  if (r.exitCode !== 0) throw new Error(`cannot read the environment of pid ${pid}: ${r.stderr}`);
  return Object.fromEntries(
    r.stdout.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}
