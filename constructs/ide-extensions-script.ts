/** Inputs of the start script that installs the recorded extensions. */
export interface IdeExtensionsScriptOptions {
  /** Folder the builder recorded the customizations in (`RECORD_DIR`). */
  readonly recordDir: string;
  /** The code-server binary the code-server module runs. */
  readonly codeServerBinary: string;
  /** Seconds to wait for that binary before giving up on the web IDE. */
  readonly codeServerWaitSeconds: number;
  /** Seconds during which the web IDE's machine settings are re-applied if the module rewrites them. */
  readonly settingsGuardSeconds: number;
  /** Seconds to keep watching for a VS Code Desktop server; 0 turns the watcher off. */
  readonly desktopWatchSeconds: number;
}

/**
 * Render the POSIX `sh` start script. It needs no curl and no jq: it reads
 * the plain files the builder recorded (`builder/extensions/recorded.ts`).
 *
 * 1. code-server: waits for the module's binary, installs every recorded
 *    extension it does not have yet, and writes the recorded settings as
 *    code-server's machine settings. Usually the builder already installed
 *    them before the agent started and this only confirms it.
 * 2. VS Code Desktop (Coder's Remote-SSH flow): the recorded settings become
 *    the VS Code server's machine settings unless the user already has some,
 *    and a bounded background watcher installs the extensions into each
 *    VS Code server that appears in `~/.vscode-server` on first connect.
 *
 * Failures are printed and never fail the script: the agent's startup must
 * not hang on an extension.
 */
export function renderIdeExtensionsScript(o: IdeExtensionsScriptOptions): string {
  return `#!/bin/sh
# Installs the VS Code extensions that devcontainer-builder resolved from
# devcontainer.json, its features and the image (see docs/ides-and-agents.md).
set -u
RECORD_DIR=${q(o.recordDir)}
CODE_SERVER=${q(o.codeServerBinary)}
WAIT_SECONDS=${int(o.codeServerWaitSeconds)}
SETTINGS_GUARD_SECONDS=${int(o.settingsGuardSeconds)}
DESKTOP_WATCH_SECONDS=${int(o.desktopWatchSeconds)}
LIST="$RECORD_DIR/extensions.txt"
SETTINGS="$RECORD_DIR/machine-settings.json"
CS_MACHINE="$HOME/.local/share/code-server/Machine/settings.json"
DESKTOP_MACHINE="$HOME/.vscode-server/data/Machine/settings.json"
WATCH_LOG="$HOME/.cache/devcontainer-builder/vscode-desktop-extensions.log"

if [ ! -f "$RECORD_DIR/extensions.json" ]; then
  echo "No recorded VS Code customizations ($RECORD_DIR/extensions.json is missing): nothing to install."
  exit 0
fi

same() { command -v cmp >/dev/null 2>&1 && cmp -s "$1" "$2"; }
put() { mkdir -p "$(dirname "$2")" && cp "$1" "$2"; }

# install_all CLI: installs each recorded extension the CLI does not have; sets FAILED.
install_all() {
  cli=$1
  FAILED=0
  present=$("$cli" --list-extensions 2>/dev/null | tr 'A-Z' 'a-z')
  while IFS= read -r spec || [ -n "$spec" ]; do
    [ -n "$spec" ] || continue
    force=""
    case "$spec" in
      /*) id=$spec ;;
      *@*) id=\${spec%%@*}; force=--force ;;
      *) id=$spec ;;
    esac
    lower=$(printf '%s' "$id" | tr 'A-Z' 'a-z')
    if [ -z "$force" ] && printf '%s\\n' "$present" | grep -qxF "$lower"; then
      echo "  $spec: already installed"
      continue
    fi
    if out=$("$cli" --install-extension "$spec" $force 2>&1); then
      echo "  installed $spec"
    else
      FAILED=$((FAILED + 1))
      echo "  FAILED $spec: $(printf '%s\\n' "$out" | grep -v '^ *$' | tail -n 1)"
    fi
  done < "$LIST"
}

desktop_watch() {
  start=$(date +%s)
  while :; do
    now=$(date +%s)
    elapsed=$((now - start))
    # The code-server module rewrites its machine settings when it starts: put ours back.
    if [ "$elapsed" -lt "$SETTINGS_GUARD_SECONDS" ] && [ -x "$CODE_SERVER" ] && ! same "$SETTINGS" "$CS_MACHINE"; then
      put "$SETTINGS" "$CS_MACHINE" && echo "re-applied code-server machine settings"
    fi
    for cli in "$HOME"/.vscode-server/cli/servers/*/server/bin/code-server "$HOME"/.vscode-server/bin/*/bin/code-server; do
      [ -x "$cli" ] || continue
      marker="$(dirname "$(dirname "$cli")")/.devcontainer-builder-extensions"
      [ -f "$marker" ] && continue
      tries=$(cat "$marker.tries" 2>/dev/null || echo 0)
      tries=$((tries + 1))
      echo "$tries" > "$marker.tries"
      echo "VS Code server $cli (attempt $tries):"
      install_all "$cli"
      # A server still unpacking fails its first attempts: retry a few times.
      if [ "$FAILED" -eq 0 ] || [ "$tries" -ge 3 ]; then : > "$marker"; fi
    done
    [ "$elapsed" -ge "$DESKTOP_WATCH_SECONDS" ] && [ "$elapsed" -ge "$SETTINGS_GUARD_SECONDS" ] && break
    sleep 5
  done
  echo "watcher finished after \${elapsed}s"
}

echo "Recorded extensions:"
sed 's/^/  /' "$LIST"

# VS Code Desktop reads these on its first connect; never overwrite the user's own.
[ -f "$DESKTOP_MACHINE" ] || { put "$SETTINGS" "$DESKTOP_MACHINE" && echo "Wrote VS Code Desktop machine settings to $DESKTOP_MACHINE"; }

waited=0
while [ ! -x "$CODE_SERVER" ] && [ "$waited" -lt "$WAIT_SECONDS" ]; do
  sleep 2
  waited=$((waited + 2))
done
if [ -x "$CODE_SERVER" ]; then
  echo "code-server ($CODE_SERVER):"
  install_all "$CODE_SERVER"
  put "$SETTINGS" "$CS_MACHINE" && echo "Wrote code-server machine settings to $CS_MACHINE"
  [ "$FAILED" -eq 0 ] || echo "$FAILED extension(s) could not be installed into code-server; the workspace works without them."
else
  echo "code-server did not appear at $CODE_SERVER within \${WAIT_SECONDS}s: extensions not installed into the web IDE."
fi

if [ "$DESKTOP_WATCH_SECONDS" -gt 0 ] || [ "$SETTINGS_GUARD_SECONDS" -gt 0 ]; then
  mkdir -p "$(dirname "$WATCH_LOG")"
  # Background and detached from the agent's pipes (the agent waits for them
  # to close). \`exec\` inside the subshell, because a redirection on a function
  # call lets dash keep a saved copy of the original stdout open.
  ( exec > "$WATCH_LOG" 2>&1 < /dev/null; desktop_watch ) &
  echo "Watching for VS Code Desktop for \${DESKTOP_WATCH_SECONDS}s; log: $WATCH_LOG"
fi
exit 0
`;
}

/** Quote a value for `sh`. */
function q(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function int(value: number): string {
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`IdeExtensions: expected a whole number of seconds >= 0, got ${value}.`);
  }
  return String(value);
}
