# Shared functions of tests/workspace-test.bats (loaded with `load lib/kit`).
# Every wait is bounded by a timeout in seconds, read from the environment.

KIT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KIT_CHECK="$KIT_DIR/check.mjs"

# kit_defaults: resolve every setting once, with its default, and export it so
# the tests (separate processes) and goss see the same values.
kit_defaults() {
  local branch
  branch="$(git -C "$KIT_DIR" rev-parse --abbrev-ref HEAD 2>/dev/null || true)"
  [[ -z "$branch" || "$branch" == HEAD ]] && branch=main
  export WORKSPACE_TEST_TEMPLATE="${WORKSPACE_TEST_TEMPLATE:-coder-devcontainer-kubernetes}"
  export WORKSPACE_TEST_NAME="${WORKSPACE_TEST_NAME:-kit-$(date +%m%d%H%M%S)-$((RANDOM % 1000))}"
  export WORKSPACE_TEST_BRANCH="${WORKSPACE_TEST_BRANCH:-$branch}"
  export WORKSPACE_TEST_REPOSITORY="${WORKSPACE_TEST_REPOSITORY:-https://github.com/vgijssel/setup.git}"
  export WORKSPACE_TEST_CPU="${WORKSPACE_TEST_CPU:-2}"
  export WORKSPACE_TEST_MEMORY="${WORKSPACE_TEST_MEMORY:-4}"
  export WORKSPACE_TEST_WORKSPACES_VOLUME_SIZE="${WORKSPACE_TEST_WORKSPACES_VOLUME_SIZE:-10}"
  export WORKSPACE_TEST_DOCKER_VOLUME_SIZE="${WORKSPACE_TEST_DOCKER_VOLUME_SIZE:-30}"
  export WORKSPACE_TEST_NAMESPACE="${WORKSPACE_TEST_NAMESPACE:-coder-workspace}"
  export WORKSPACE_TEST_AGENT="${WORKSPACE_TEST_AGENT:-main}"
  export WORKSPACE_TEST_APPS="${WORKSPACE_TEST_APPS:-code-server}"
  # The line builder/commands/up.ts logs when the dev container is up.
  export WORKSPACE_TEST_SUCCESS_PATTERN="${WORKSPACE_TEST_SUCCESS_PATTERN-The dev container [0-9a-f]+ is ready}"
  export WORKSPACE_TEST_REBUILD="${WORKSPACE_TEST_REBUILD:-false}"
  # Timeouts (seconds). A cold dev container build takes 5-10 minutes.
  export WORKSPACE_TEST_CREATE_TIMEOUT="${WORKSPACE_TEST_CREATE_TIMEOUT:-600}"
  export WORKSPACE_TEST_BUILD_TIMEOUT="${WORKSPACE_TEST_BUILD_TIMEOUT:-600}"
  export WORKSPACE_TEST_AGENT_TIMEOUT="${WORKSPACE_TEST_AGENT_TIMEOUT:-1200}"
  export WORKSPACE_TEST_APPS_TIMEOUT="${WORKSPACE_TEST_APPS_TIMEOUT:-300}"
  export WORKSPACE_TEST_POD_TIMEOUT="${WORKSPACE_TEST_POD_TIMEOUT:-180}"
  export WORKSPACE_TEST_DELETE_TIMEOUT="${WORKSPACE_TEST_DELETE_TIMEOUT:-600}"
  export WORKSPACE_TEST_POLL_INTERVAL="${WORKSPACE_TEST_POLL_INTERVAL:-10}"
  local var
  for var in CREATE BUILD AGENT APPS POD DELETE; do
    var="WORKSPACE_TEST_${var}_TIMEOUT"
    [[ "${!var}" =~ ^[0-9]+$ ]] || kit_fail "$var must be a whole number of seconds, got \"${!var}\""
  done
  [[ "$WORKSPACE_TEST_POLL_INTERVAL" =~ ^[0-9]+(\.[0-9]+)?$ ]] \
    || kit_fail "WORKSPACE_TEST_POLL_INTERVAL must be a number of seconds, got \"$WORKSPACE_TEST_POLL_INTERVAL\""
  [[ "$WORKSPACE_TEST_NAME" =~ ^[a-zA-Z0-9]+(-[a-zA-Z0-9]+)*$ && ${#WORKSPACE_TEST_NAME} -le 32 ]] \
    || kit_fail "WORKSPACE_TEST_NAME \"$WORKSPACE_TEST_NAME\" is not a Coder workspace name (letters, digits, single hyphens, at most 32 characters)"
}

# kit_fail MESSAGE: print to stderr and stop the current test.
kit_fail() {
  printf 'FAIL: %s\n' "$*" >&2
  printf 'See docs/debugging.md to find out why.\n' >&2
  return 1
}

kit_require_tools() {
  local tool
  for tool in coder kubectl node; do
    command -v "$tool" >/dev/null || kit_fail "\"$tool\" is not on PATH; the kit needs coder (logged in: coder login), kubectl (context of the workspace cluster) and node"
  done
}

# kit_bounded SECONDS CMD...: run CMD, killed after SECONDS when coreutils timeout exists.
kit_bounded() {
  local limit=$1
  shift
  if command -v timeout >/dev/null; then
    timeout --kill-after=10 "$limit" "$@"
  else
    "$@"
  fi
}

# kit_wait WHAT TIMEOUT CMD...: run CMD until it exits 0 (done) or 2 (broken),
# at most TIMEOUT seconds, WORKSPACE_TEST_POLL_INTERVAL apart. CMD prints one
# line describing the state; the last one is in the failure message.
kit_wait() {
  local what=$1 limit=$2
  shift 2
  local deadline=$((SECONDS + limit)) attempt=0 out rc
  while true; do
    attempt=$((attempt + 1))
    out="$("$@" 2>&1)" && rc=0 || rc=$?
    case "$rc" in
      0) printf 'ok: %s: %s\n' "$what" "$out"; return 0 ;;
      2) kit_fail "$what: $out"; return 1 ;;
    esac
    if ((SECONDS >= deadline)); then
      kit_fail "timed out after ${limit}s (${attempt} attempts) waiting for $what. Last seen: $out"
      return 1
    fi
    sleep "$WORKSPACE_TEST_POLL_INTERVAL"
  done
}

# kit_list_check CHECK [ARGS...]: `coder list -o json` piped into check.mjs.
kit_list_check() {
  local check=$1 json
  shift
  json="$(kit_bounded 60 coder list -o json --search "owner:me name:$WORKSPACE_TEST_NAME" 2>&1)" \
    || { printf 'coder list failed: %s\n' "$json"; return 1; }
  node "$KIT_CHECK" "$check" --name "$WORKSPACE_TEST_NAME" --agent "$WORKSPACE_TEST_AGENT" "$@" <<<"$json"
}

# kit_agent_check: the agent check, but a workspace pod that is already
# broken (builder crash-looping or exited non-zero, image pull failure) ends
# the wait at once with that cause instead of after the agent timeout.
kit_agent_check() {
  local out rc pod prc
  out="$(kit_list_check agent)" && rc=0 || rc=$?
  if ((rc == 1)) && [[ -n "${WORKSPACE_TEST_ID:-}" ]]; then
    pod="$(kit_pod_check)" && prc=0 || prc=$?
    if ((prc == 2)); then
      printf '%s, because the workspace pod is broken: %s\n' "$out" "$pod"
      return 2
    fi
  fi
  printf '%s\n' "$out"
  return "$rc"
}

kit_logs_check() {
  local logs
  logs="$(kit_bounded 60 coder logs "$WORKSPACE_TEST_NAME" 2>&1)" \
    || { printf 'coder logs failed: %s\n' "$logs"; return 1; }
  node "$KIT_CHECK" builder-logs --agent "$WORKSPACE_TEST_AGENT" --success-pattern "$WORKSPACE_TEST_SUCCESS_PATTERN" <<<"$logs"
}

kit_pod_check() {
  local pods
  pods="$(kit_bounded 60 kubectl get pods --namespace "$WORKSPACE_TEST_NAMESPACE" \
    --selector "com.coder.workspace.id=$WORKSPACE_TEST_ID" --output json 2>&1)" \
    || { printf 'kubectl get pods failed: %s\n' "$pods"; return 1; }
  node "$KIT_CHECK" pod --namespace "$WORKSPACE_TEST_NAMESPACE" --workspace-id "$WORKSPACE_TEST_ID" <<<"$pods"
}

kit_create_workspace() {
  # `coder create` returns once the provisioner job ends; the template sets
  # wait_for_rollout = false, so the dev container build is waited for later.
  kit_bounded "$WORKSPACE_TEST_CREATE_TIMEOUT" coder create "$WORKSPACE_TEST_NAME" \
    --template "$WORKSPACE_TEST_TEMPLATE" \
    --parameter "cpu=$WORKSPACE_TEST_CPU" \
    --parameter "memory=$WORKSPACE_TEST_MEMORY" \
    --parameter "workspaces_volume_size=$WORKSPACE_TEST_WORKSPACES_VOLUME_SIZE" \
    --parameter "docker_volume_size=$WORKSPACE_TEST_DOCKER_VOLUME_SIZE" \
    --parameter "git_branch=$WORKSPACE_TEST_BRANCH" \
    --parameter "repository=$WORKSPACE_TEST_REPOSITORY" \
    --yes
}

kit_delete_workspace() {
  # Deleting also removes the PVCs (they have no count, so they live exactly as long as the workspace).
  kit_bounded "$WORKSPACE_TEST_DELETE_TIMEOUT" coder delete "$WORKSPACE_TEST_NAME" --yes
}
