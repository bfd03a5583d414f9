/**
 * `coder_agent.<name>.init_script` as Coder renders it for Linux:
 *
 * - the provisioner hands the provider Coder's bootstrap script with the
 *   placeholders `${ACCESS_URL}` and `${AUTH_TYPE}` (coder/coder
 *   provisionersdk/agent.go, AgentScriptEnv, one per os and arch);
 * - the provider replaces `${ACCESS_URL}` with its URL resolved against "/",
 *   i.e. `<scheme>://<host>/`, trailing slash included and any path dropped,
 *   at plan time (coder/terraform-provider-coder provider/agent.go:
 *   `config.URL.Parse("/")`);
 * - the script downloads `${ACCESS_URL}bin/coder-linux-<arch>` with curl,
 *   wget or busybox wget, exports CODER_AGENT_AUTH and
 *   `CODER_AGENT_URL="${ACCESS_URL}"`, and execs `coder agent` (coder/coder
 *   provisionersdk/scripts/bootstrap_linux.sh).
 *
 * So the URL and the arch are in the text: the environment the script runs
 * in cannot change where it downloads from or which URL the agent uses. One
 * deviation: it does not `cd` into its temp dir, so the stub agent can report
 * the directory the builder chose.
 */
export function renderInitScript(accessUrl: string, arch = 'amd64'): string {
  const base = new URL('/', accessUrl).href;
  return [
    '#!/bin/sh',
    'set -eu',
    'BINARY_DIR=$(mktemp -d -t coder.XXXXXX)',
    `BINARY_URL=${base}bin/coder-linux-${arch}`,
    'if command -v curl >/dev/null 2>&1; then',
    '  curl -fsSL --compressed "$BINARY_URL" -o "$BINARY_DIR/coder"',
    'elif command -v wget >/dev/null 2>&1; then',
    '  wget -q "$BINARY_URL" -O "$BINARY_DIR/coder"',
    'elif command -v busybox >/dev/null 2>&1; then',
    '  busybox wget -q "$BINARY_URL" -O "$BINARY_DIR/coder"',
    'else',
    '  echo "error: no download tool found, please install curl, wget or busybox wget"',
    '  exit 127',
    'fi',
    'chmod +x "$BINARY_DIR/coder"',
    'export CODER_AGENT_AUTH="token"',
    `export CODER_AGENT_URL="${base}"`,
    'exec "$BINARY_DIR/coder" agent',
    '',
  ].join('\n');
}
