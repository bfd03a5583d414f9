/**
 * The Coder agent's environment inside the dev container (issue 11.7, 11.8,
 * 11.10): the in-container shell snippets that give the agent, and every
 * terminal it opens, the environment a dev container terminal has.
 *
 * Why each piece exists:
 * - `devcontainer exec` resolves the remote environment (userEnvProbe,
 *   remoteEnv, `${containerEnv:PATH}`); a plain `docker exec` (recovery,
 *   degraded, or after two failed starts) gets only the image's. So every
 *   start through `devcontainer exec` saves that environment in the
 *   container, and a plain `docker exec` start loads it again.
 * - Coder's agent opens terminals as login shells (`$SHELL -l`, coder/coder
 *   agent/agentssh/agentssh.go `CreateCommand`), and Debian's /etc/profile
 *   sets PATH outright (base-files `/etc/profile`) before it sources
 *   /etc/profile.d/*.sh. A profile.d snippet puts the agent's PATH back.
 * - The agent appends its own folder to its PATH (coder/coder cli/agent.go,
 *   `os.Setenv("PATH", … filepath.Dir(executablePath))`) and sets
 *   `GIT_ASKPASS` to its executable: so `coder` resolves for its children
 *   when the binary is named `coder`, and the snippet adds that folder back
 *   for login shells.
 * - The template's apps name `/workspaces/<repo>`; when devcontainer.json's
 *   `workspaceFolder` is elsewhere (Compose), that path becomes a symbolic
 *   link to the real folder, made outside the checkout.
 */

/** Where the remote environment of the last `devcontainer exec` start is kept in the container (`export -p` format, mode 0600). */
export const AGENT_ENV_FILE = '/tmp/.devcontainer-builder-agent.env';
/** The folder a downloaded agent binary is copied into, as `coder`. */
export const AGENT_BIN_DIR = '/tmp/.devcontainer-builder-bin';
/** The login shell snippet that keeps the agent's PATH. */
export const PROFILE_SNIPPET_PATH = '/etc/profile.d/00-devcontainer-builder-path.sh';
/** The agent's PATH, as the builder started it; read by {@link profileSnippet}. */
export const AGENT_PATH_VAR = 'DEVCONTAINER_BUILDER_AGENT_PATH';

// Not part of the remote environment: per-shell values, and what the builder
// passes itself on every start (so a stale saved value never wins).
const NOT_SAVED = ['PWD', 'OLDPWD', 'SHLVL', '_', 'CODER_AGENT_URL', 'CODER_AGENT_DEVCONTAINERS_ENABLE', 'CODER_AGENT_TOKEN'];

/**
 * Launcher lines (POSIX sh built-ins only) run before the token is read.
 * `save`: record this shell's environment (the CLI's resolved remote
 * environment) for later plain `docker exec` starts. `restore`: load it.
 * Both then export {@link AGENT_PATH_VAR} and, with `binDir`, put the
 * downloaded `coder` on PATH.
 */
export function environmentLines(mode: 'save' | 'restore', options: { envFile?: string; binDir?: string } = {}): string[] {
  const file = options.envFile ?? AGENT_ENV_FILE;
  const lines = mode === 'save'
    ? [`( umask 077; unset ${NOT_SAVED.join(' ')}; export -p > ${file} ) 2>/dev/null || :`]
    : [`if [ -r ${file} ]; then . ${file}; else echo "devcontainer-builder: no saved remote environment (${file}): the agent has the image's" >&2; fi`];
  if (options.binDir) lines.push(`case ":$PATH:" in *":${options.binDir}:"*) ;; *) PATH="$PATH:${options.binDir}" ;; esac`, 'export PATH');
  lines.push(`${AGENT_PATH_VAR}="$PATH"`, `export ${AGENT_PATH_VAR}`);
  return lines;
}

/**
 * The /etc/profile.d snippet: a login shell's PATH becomes the agent's
 * (remote environment order first), then whatever /etc/profile set that it
 * lacks, then the folder of the agent's `coder` (from `GIT_ASKPASS`).
 * Does nothing outside an agent session.
 */
export function profileSnippet(): string {
  return `# Written by devcontainer-builder (outside the checkout): login shells that
# Coder's agent opens keep the dev container's remote PATH, which /etc/profile
# resets. Does nothing without ${AGENT_PATH_VAR}.
if [ -n "\${${AGENT_PATH_VAR}:-}" ]; then
  __dcb_p=$${AGENT_PATH_VAR}
  __dcb_ifs=$IFS
  IFS=:
  for __dcb_d in $PATH; do
    case ":$__dcb_p:" in *":$__dcb_d:"*) ;; *) __dcb_p=$__dcb_p:$__dcb_d ;; esac
  done
  IFS=$__dcb_ifs
  case "\${GIT_ASKPASS:-}" in
    /*/coder) __dcb_d=\${GIT_ASKPASS%/coder}
      case ":$__dcb_p:" in *":$__dcb_d:"*) ;; *) __dcb_p=$__dcb_p:$__dcb_d ;; esac ;;
  esac
  PATH=$__dcb_p
  export PATH
  unset __dcb_p __dcb_ifs __dcb_d
fi
`;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The in-container script (`sh -c`, as root) run before each agent start:
 * writes {@link profileSnippet} into /etc/profile.d (made when /etc/profile
 * exists), and, when the
 * real workspace folder differs from the one the template's apps name,
 * makes that path a symbolic link to it, only if nothing is there yet and
 * it is not inside the real folder. Prints one line per thing it did or
 * could not do; never fails.
 */
export function prepareContainerScript(realFolder: string, appFolder: string, snippetPath = PROFILE_SNIPPET_PATH): string {
  return [
    `real=${quote(realFolder)}; link=${quote(appFolder)}; snippet=${quote(snippetPath)}`,
    // Debian's /etc/profile sources /etc/profile.d/*.sh when the folder exists.
    'if [ ! -d "${snippet%/*}" ] && [ -f /etc/profile ]; then mkdir -p "${snippet%/*}" 2>/dev/null || :; fi',
    'if [ -d "${snippet%/*}" ]; then printf \'%s\' "$1" > "$snippet" 2>/dev/null || echo "warn: could not write $snippet: login shells get the PATH of /etc/profile"; fi',
    '[ "$real" != "$link" ] || exit 0',
    'if [ -e "$link" ] || [ -L "$link" ]; then',
    '  [ "$link" -ef "$real" ] || echo "warn: $link exists and is not the workspace folder $real: apps and terminals that open $link do not see the checkout"',
    '  exit 0',
    'fi',
    'case "$link/" in "$real"/*) echo "warn: $link is inside the workspace folder $real: no link made"; exit 0;; esac',
    'mkdir -p "${link%/*}" 2>/dev/null && ln -s "$real" "$link" 2>/dev/null && echo "linked: $link -> $real" || echo "warn: could not link $link to $real: apps that open $link do not see the checkout"',
  ].join('\n');
}
