/**
 * The shell scripts `agent` runs inside the dev container (POSIX sh
 * built-ins only: the image may have nothing else), and where they keep
 * their files there.
 */
import { AGENT_BIN_DIR, environmentLines } from './agent-env.js';

/**
 * Where the running agent's pid and start time are kept, inside the dev
 * container (`<pid> <starttime>`; starttime is field 22 of /proc/<pid>/stat).
 */
export const AGENT_PID_FILE = '/tmp/.devcontainer-builder-agent.pid';
/**
 * Where a downloaded agent binary is copied into the dev container: named
 * `coder`, in a folder of its own that the agent's PATH includes, so
 * `coder stat`, coder-login and `coder exp mcp` find it (issue 11.7).
 */
export const AGENT_BINARY_PATH = `${AGENT_BIN_DIR}/coder`;

// Runs in the container as the remote user. The token is the first stdin
// line (never argv); the rest of stdin is the script that execs the agent,
// so this shell's pid becomes the agent's pid. Only shell built-ins: the
// image may have nothing else. Before the token is read, the environment
// lines save (devcontainer exec) or load (docker exec) the remote
// environment (builder/steps/agent-env.ts).
/** The in-container launcher (`sh -c`), with its pid file. */
export function launcherScript(pidFile = AGENT_PID_FILE, env: { mode: 'save' | 'restore'; envFile?: string; binDir?: string } = { mode: 'save' }): string {
  return [
    ...environmentLines(env.mode, env),
    'IFS= read -r CODER_AGENT_TOKEN || exit 97',
    'export CODER_AGENT_TOKEN',
    'read -r stat < /proc/$$/stat; set -- $stat',
    `echo "$$ \${22}" > ${pidFile} || exit 98`,
    'exec sh -s',
  ].join('\n');
}

// Runs in the container as root. Kills the agent named in the pid file only
// if that pid still has the recorded start time: pids are reused after the
// dev container restarts. (/proc/<pid>/stat is readable without
// CAP_SYS_PTRACE, unlike another user's /proc/<pid>/environ.)
/** The in-container script (`sh -c`, as root) that stops a leftover agent. */
export function stopLeftoverScript(pidFile = AGENT_PID_FILE): string {
  return [
    `f=${pidFile}`,
    '[ -f "$f" ] || exit 0',
    'read -r pid started < "$f"',
    'rm -f "$f"',
    'case "$pid" in ""|*[!0-9]*) exit 0;; esac',
    'read -r stat < "/proc/$pid/stat" 2>/dev/null || exit 0',
    'set -- $stat',
    '[ "${22}" = "$started" ] || exit 0',
    'echo "Stopping the Coder agent started earlier (pid $pid)"',
    'kill -TERM "$pid" 2>/dev/null || exit 0',
    'i=0; while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 10 ]; do sleep 1; i=$((i+1)); done',
    'kill -KILL "$pid" 2>/dev/null || true',
  ].join('\n');
}

// Runs in the container as the remote user (who owns the folders, and may
// look at the cwd and exe of their own processes without CAP_SYS_PTRACE).
// Coder's init script makes `mktemp -d -t coder.XXXXXX` on every start and
// runs the agent from it (coder/coder provisionersdk/scripts/bootstrap_linux.sh):
// in a container that persists they pile up, ~100 MB each. A folder that is
// some process's cwd or holds its executable is in use and stays.
/** The in-container script (`sh -c`) that removes the agent download folders of earlier starts; prints how many. */
export function cleanupDownloadsScript(tmp = '/tmp'): string {
  return [
    'n=0',
    `for d in ${tmp}/coder.??????; do`,
    '  [ -d "$d" ] && [ ! -L "$d" ] || continue',
    '  busy=',
    '  for p in /proc/[0-9]*; do',
    '    if [ "$p/cwd" -ef "$d" ] || [ "$p/exe" -ef "$d/coder" ]; then busy=1; break; fi',
    '  done',
    '  [ -z "$busy" ] || continue',
    '  rm -rf -- "$d" && n=$((n+1))',
    'done',
    'echo "$n"',
  ].join('\n');
}

/** The `CODER_AGENT_AUTH` the init script sets (`token` unless it says otherwise). */
export function authTypeOf(initScript: string): string {
  return /CODER_AGENT_AUTH="?([\w-]+)"?/.exec(initScript)?.[1] ?? 'token';
}
