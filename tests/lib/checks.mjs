// Pure checks of the live-cluster validation kit (tests/workspace-test.bats).
//
// Each check reads what a real command printed and answers with a verdict:
// `ok`, `pending` (not there yet: poll again) or `failed` (it will not get
// better by waiting). Shapes follow coder/coder `codersdk/workspaces.go`,
// `codersdk/workspaceagents.go`, `codersdk/workspaceapps.go` (the JSON of
// `coder list -o json`), `cli/logs.go` (the text of `coder logs`) and the
// Kubernetes core/v1 Pod status (`kubectl get pods -o json`).

/** The builder's Coder log source, as docs/architecture.md fixes it. */
export const DEV_CONTAINER_LOG_SOURCE = Object.freeze({
  id: '1a02c755-957a-4887-ba1f-72fa21a4ac7d',
  displayName: 'Dev Container',
});

/** Container names of the workspace pod (docs/architecture.md). */
export const CONTAINERS = Object.freeze({
  sidecar: 'dind',
  builder: 'devcontainer-builder',
  main: 'devcontainer-agent',
});

const ok = (message) => ({ state: 'ok', message });
const pending = (message) => ({ state: 'pending', message });
const failed = (message) => ({ state: 'failed', message });

// codersdk.WorkspaceStatus values that never turn into "running" by waiting.
const DEAD_BUILD_STATUSES = new Set(['failed', 'canceling', 'canceled', 'stopping', 'stopped', 'deleting', 'deleted']);
// codersdk.WorkspaceAgentLifecycle values after which "ready" cannot follow.
const DEAD_LIFECYCLES = new Set(['start_error', 'start_timeout', 'shutting_down', 'shutdown_timeout', 'shutdown_error', 'off']);
// Container waiting reasons that mean the pod is broken, not slow.
const FATAL_WAITING_REASONS = new Set([
  'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'InvalidImageName',
  'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError',
]);

/**
 * Finds the workspace called `name` in the array `coder list -o json` prints.
 * @returns {{ workspace?: object, verdict?: {state: string, message: string} }}
 */
export function findWorkspace(list, name) {
  if (!Array.isArray(list)) return { verdict: pending(`coder list -o json did not print an array (got ${typeof list})`) };
  const workspace = list.find((w) => w && w.name === name);
  if (!workspace) {
    const names = list.map((w) => w?.name).filter(Boolean);
    return { verdict: pending(`workspace "${name}" is not in coder list (found: ${names.length ? names.join(', ') : 'none'})`) };
  }
  return { workspace };
}

/** All agents of the latest build, across resources. */
export function agentsOf(workspace) {
  return (workspace.latest_build?.resources ?? []).flatMap((r) => r.agents ?? []);
}

function withAgent(list, name, agentName, fn) {
  const { workspace, verdict } = findWorkspace(list, name);
  if (verdict) return verdict;
  // An agent of a failed or stopped build never becomes ready: say why at once.
  const build = checkBuild(list, name);
  if (build.state === 'failed') return build;
  const agents = agentsOf(workspace);
  const agent = agents.find((a) => a.name === agentName);
  if (!agent) {
    const names = agents.map((a) => a.name);
    return pending(`agent "${agentName}" not found in workspace "${name}" (agents: ${names.length ? names.join(', ') : 'none'})`);
  }
  return fn(agent, workspace);
}

/** The latest build reached `running` and its provisioner job succeeded. */
export function checkBuild(list, name) {
  const { workspace, verdict } = findWorkspace(list, name);
  if (verdict) return verdict;
  const build = workspace.latest_build ?? {};
  const job = build.job ?? {};
  const where = `workspace "${name}" build #${build.build_number ?? '?'} (${build.transition ?? '?'})`;
  if (build.transition && build.transition !== 'start') return failed(`${where}: transition is "${build.transition}", expected "start"`);
  if (DEAD_BUILD_STATUSES.has(build.status) || job.status === 'failed') {
    const why = job.error ? `: ${job.error}` : '';
    return failed(`${where} is "${build.status}" (job ${job.status ?? '?'})${why}. Run: coder logs ${name}`);
  }
  if (build.status === 'running' && job.status === 'succeeded') return ok(`${where} is running`);
  return pending(`${where} is "${build.status}" (job ${job.status ?? '?'})`);
}

/** Returns the workspace id, needed for the pod's `com.coder.workspace.id` label. */
export function workspaceId(list, name) {
  const { workspace, verdict } = findWorkspace(list, name);
  if (verdict) return verdict;
  return workspace.id ? ok(workspace.id) : failed(`workspace "${name}" has no id in coder list output`);
}

/** The agent is connected and its lifecycle is `ready`. */
export function checkAgent(list, name, agentName = 'main') {
  return withAgent(list, name, agentName, (agent) => {
    const state = `agent "${agentName}": status ${agent.status}, lifecycle ${agent.lifecycle_state}`;
    if (DEAD_LIFECYCLES.has(agent.lifecycle_state)) {
      return failed(`${state}. The dev container started but the agent's startup failed: see the Coder UI's agent logs and \`coder ssh ${name}\``);
    }
    if (agent.status === 'connected' && agent.lifecycle_state === 'ready') return ok(state);
    const hint = agent.status === 'connected'
      ? 'the agent runs startup scripts'
      : 'the agent has not connected yet; the builder starts it only after the dev container is up (kubectl logs -c devcontainer-builder)';
    return pending(`${state} (${hint})`);
  });
}

/** The builder registered its log source ("Dev Container", fixed id) on the agent. */
export function checkLogSource(list, name, agentName = 'main') {
  return withAgent(list, name, agentName, (agent) => {
    const sources = agent.log_sources ?? [];
    const byId = sources.find((s) => s.id === DEV_CONTAINER_LOG_SOURCE.id);
    if (!byId) {
      const seen = sources.map((s) => `${s.display_name} (${s.id})`).join(', ') || 'none';
      return pending(`log source "${DEV_CONTAINER_LOG_SOURCE.displayName}" (${DEV_CONTAINER_LOG_SOURCE.id}) not registered on agent "${agentName}" (log sources: ${seen})`);
    }
    if (byId.display_name !== DEV_CONTAINER_LOG_SOURCE.displayName) {
      return failed(`log source ${byId.id} is named "${byId.display_name}", expected "${DEV_CONTAINER_LOG_SOURCE.displayName}"`);
    }
    return ok(`log source "${byId.display_name}" registered`);
  });
}

// One line of `coder logs`: RFC 3339 time, " [level] [agent.<name>|<source>] output" (coder/coder cli/logs.go).
const AGENT_LOG_LINE = /^(\S+) \[(\w+)\] \[agent\.([^|\]]+)\|([^\]]*)\] ?(.*)$/;

/** Parses the agent lines of `coder logs` output; build (provisioner) lines are left out. */
export function parseAgentLogs(text) {
  return String(text).split(/\r?\n/).flatMap((line) => {
    const m = AGENT_LOG_LINE.exec(line);
    return m ? [{ time: m[1], level: m[2], agent: m[3], source: m[4], output: m[5] }] : [];
  });
}

/**
 * The builder reported success under its log source: it wrote lines there and
 * none of them is at level error (a failed build or a fallback recovery
 * container logs errors). `successPattern` (a regular expression) optionally
 * requires one line to match.
 */
export function checkBuilderLogs(text, { agentName = 'main', successPattern } = {}) {
  const source = DEV_CONTAINER_LOG_SOURCE.displayName;
  const lines = parseAgentLogs(text).filter((l) => l.agent === agentName && l.source === source);
  if (lines.length === 0) return pending(`no "${source}" lines from agent "${agentName}" in coder logs yet`);
  const errors = lines.filter((l) => l.level === 'error' || l.level === 'critical' || l.level === 'fatal');
  if (errors.length > 0) {
    const shown = errors.slice(-5).map((l) => `  ${l.output}`).join('\n');
    return failed(`the builder logged ${errors.length} error line(s) under "${source}"; last:\n${shown}`);
  }
  if (successPattern) {
    const re = new RegExp(successPattern);
    if (!lines.some((l) => re.test(l.output))) {
      return pending(`${lines.length} "${source}" line(s), none matching /${successPattern}/ yet; last: ${lines.at(-1).output}`);
    }
  }
  return ok(`${lines.length} "${source}" line(s), no errors; last: ${lines.at(-1).output}`);
}

/** Every app with a health check is `healthy`, and each required slug exists. */
export function checkApps(list, name, { agentName = 'main', required = ['code-server'] } = {}) {
  return withAgent(list, name, agentName, (agent) => {
    const apps = agent.apps ?? [];
    const missing = required.filter((slug) => !apps.some((a) => a.slug === slug));
    if (missing.length > 0) {
      return failed(`app(s) ${missing.join(', ')} missing on agent "${agentName}" (apps: ${apps.map((a) => a.slug).join(', ') || 'none'})`);
    }
    const checked = apps.filter((a) => a.health !== 'disabled');
    const notHealthy = checked.filter((a) => a.health !== 'healthy');
    const summary = apps.map((a) => `${a.slug}=${a.health}`).join(', ');
    if (notHealthy.length > 0) return pending(`apps not healthy: ${summary}`);
    return ok(`apps healthy: ${summary}`);
  });
}

function describeState(status) {
  const s = status.state ?? {};
  if (s.running) return 'running';
  if (s.waiting) return `waiting (${s.waiting.reason ?? 'no reason'}${s.waiting.message ? `: ${s.waiting.message}` : ''})`;
  if (s.terminated) return `terminated (${s.terminated.reason ?? 'no reason'}, exit code ${s.terminated.exitCode})`;
  return 'unknown';
}

function lastExit(status) {
  const t = status.lastState?.terminated;
  return t ? `; last run exited ${t.exitCode} (${t.reason ?? 'no reason'})` : '';
}

function fatalWaiting(status, logsHint) {
  const reason = status.state?.waiting?.reason;
  return FATAL_WAITING_REASONS.has(reason)
    ? failed(`container "${status.name}" is ${describeState(status)}${lastExit(status)}. Run: ${logsHint(status.name)}`)
    : undefined;
}

/**
 * The workspace pod (from `kubectl get pods -l com.coder.workspace.id=<id> -o json`):
 * `dind` is a native sidecar, so it must be started and ready (it never
 * completes); `devcontainer-builder` must have terminated with reason
 * Completed and exit code 0; `devcontainer-agent` must be running and ready.
 */
export function checkPod(podList, { namespace = 'coder-workspace', workspaceId: id = '<id>' } = {}) {
  const items = (podList?.items ?? []).filter((p) => !p.metadata?.deletionTimestamp);
  const selector = `com.coder.workspace.id=${id}`;
  if (items.length === 0) return pending(`no pod with label ${selector} in namespace ${namespace}`);
  if (items.length > 1) return pending(`${items.length} pods with label ${selector}: waiting for the old one to go`);
  const pod = items[0];
  const podName = pod.metadata?.name ?? '?';
  const logsHint = (c) => `kubectl logs -n ${namespace} ${podName} -c ${c}`;
  const inits = pod.status?.initContainerStatuses ?? [];
  const mains = pod.status?.containerStatuses ?? [];
  const find = (list, n) => list.find((s) => s.name === n);

  const dind = find(inits, CONTAINERS.sidecar);
  if (!dind) return pending(`pod ${podName}: init container "${CONTAINERS.sidecar}" has no status yet`);
  const dindFatal = fatalWaiting(dind, logsHint);
  if (dindFatal) return dindFatal;
  if (dind.state?.terminated) {
    return failed(`pod ${podName}: sidecar "${CONTAINERS.sidecar}" is ${describeState(dind)}; a native sidecar must keep running (restartPolicy Always needs Kubernetes 1.29+). Run: ${logsHint(CONTAINERS.sidecar)}`);
  }
  if (!(dind.started && dind.ready)) return pending(`pod ${podName}: sidecar "${CONTAINERS.sidecar}" is ${describeState(dind)}, started=${dind.started}, ready=${dind.ready}`);

  const builder = find(inits, CONTAINERS.builder);
  if (!builder) return pending(`pod ${podName}: init container "${CONTAINERS.builder}" has no status yet`);
  const builderFatal = fatalWaiting(builder, logsHint);
  if (builderFatal) return builderFatal;
  const done = builder.state?.terminated;
  if (done && (done.exitCode !== 0 || done.reason !== 'Completed')) {
    return failed(`pod ${podName}: init container "${CONTAINERS.builder}" is ${describeState(builder)}, expected Completed with exit code 0. Run: ${logsHint(CONTAINERS.builder)}`);
  }
  if (!done) return pending(`pod ${podName}: init container "${CONTAINERS.builder}" is ${describeState(builder)}${lastExit(builder)}`);

  const main = find(mains, CONTAINERS.main);
  if (!main) return pending(`pod ${podName}: container "${CONTAINERS.main}" has no status yet`);
  const mainFatal = fatalWaiting(main, logsHint);
  if (mainFatal) return mainFatal;
  if (!(main.state?.running && main.ready)) return pending(`pod ${podName}: container "${CONTAINERS.main}" is ${describeState(main)}, ready=${main.ready}`);
  return ok(`pod ${podName}: ${CONTAINERS.sidecar} running, ${CONTAINERS.builder} Completed (exit 0), ${CONTAINERS.main} ready`);
}
