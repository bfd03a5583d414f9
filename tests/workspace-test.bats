#!/usr/bin/env bats
# Live-cluster validation kit for the coder-devcontainer-kubernetes template.
#
# Creates one workspace from the pushed template, checks that it really works
# (build running, agent connected and ready, builder log source present and
# without errors, apps healthy, workspace pod's containers in the expected
# states, goss checks when goss is installed) and always deletes it again.
#
# Needs: `coder` logged in to the deployment (coder login), `kubectl` pointed
# at the workspace cluster, `node`, and the template pushed first:
#   coder templates push coder-devcontainer-kubernetes -d cdktf.out/stacks/coder-devcontainer-kubernetes --yes
# Run:   node_modules/bats/bin/bats tests/workspace-test.bats
# Settings (environment, defaults in tests/lib/kit.bash):
#   WORKSPACE_TEST_NAME, _TEMPLATE, _BRANCH (default: current git branch, else main),
#   _REPOSITORY, _CPU, _MEMORY, _WORKSPACES_VOLUME_SIZE, _DOCKER_VOLUME_SIZE,
#   _NAMESPACE, _AGENT, _APPS (comma-separated slugs), _SUCCESS_PATTERN,
#   _REBUILD (true: also restart with the ephemeral `rebuild` parameter),
#   timeouts in seconds: _CREATE_TIMEOUT, _BUILD_TIMEOUT, _AGENT_TIMEOUT,
#   _APPS_TIMEOUT, _POD_TIMEOUT, _DELETE_TIMEOUT; _POLL_INTERVAL.
# Why a workspace failed: docs/debugging.md.

setup_file() {
  load 'lib/kit'
  kit_defaults
  kit_require_tools
  printf '# workspace %s from template %s, branch %s of %s\n' "$WORKSPACE_TEST_NAME" \
    "$WORKSPACE_TEST_TEMPLATE" "$WORKSPACE_TEST_BRANCH" "$WORKSPACE_TEST_REPOSITORY" >&3
  export KIT_CREATE_ATTEMPTED=1
  if ! kit_create_workspace; then
    local build
    build="$(kit_list_check build 2>&1)" || true
    kit_fail "coder create $WORKSPACE_TEST_NAME failed (is the template pushed and are the parameters valid?). Build: $build"
  fi
  local id
  id="$(kit_list_check workspace-id)" || kit_fail "cannot read the id of workspace $WORKSPACE_TEST_NAME: $id"
  export WORKSPACE_TEST_ID="$id"
}

teardown_file() {
  load 'lib/kit'
  [[ -n "${KIT_CREATE_ATTEMPTED:-}" ]] || return 0
  local found
  if found="$(kit_list_check workspace-id 2>&1)" || [[ "$found" != *"is not in coder list"* ]]; then
    printf '# deleting workspace %s\n' "$WORKSPACE_TEST_NAME" >&3
    kit_delete_workspace || kit_fail "coder delete $WORKSPACE_TEST_NAME --yes failed: delete it by hand"
  fi
}

setup() {
  load 'lib/kit'
}

@test "the workspace build reaches running" {
  kit_wait "build of $WORKSPACE_TEST_NAME to be running" "$WORKSPACE_TEST_BUILD_TIMEOUT" kit_list_check build
}

@test "the agent connects and its lifecycle becomes ready" {
  kit_wait "agent $WORKSPACE_TEST_AGENT to be connected and ready" "$WORKSPACE_TEST_AGENT_TIMEOUT" kit_agent_check
}

@test "the builder's \"Dev Container\" log source is registered" {
  kit_wait "the Dev Container log source" "$WORKSPACE_TEST_BUILD_TIMEOUT" kit_list_check log-source
}

@test "the builder reported success in its log source" {
  kit_wait "the builder's log lines" "$WORKSPACE_TEST_APPS_TIMEOUT" kit_logs_check
}

@test "the dev container's apps are healthy" {
  kit_wait "apps ($WORKSPACE_TEST_APPS) to be healthy" "$WORKSPACE_TEST_APPS_TIMEOUT" kit_list_check apps --apps "$WORKSPACE_TEST_APPS"
}

@test "the pod's sidecar runs, the builder completed and the agent container is ready" {
  kit_wait "workspace pod containers" "$WORKSPACE_TEST_POD_TIMEOUT" kit_pod_check
}

@test "goss checks pass" {
  command -v goss >/dev/null || skip "goss is not installed (see tests/README.md)"
  kit_bounded "$WORKSPACE_TEST_APPS_TIMEOUT" goss --gossfile "$BATS_TEST_DIRNAME/goss.yaml" validate \
    --retry-timeout "${WORKSPACE_TEST_APPS_TIMEOUT}s" --sleep "${WORKSPACE_TEST_POLL_INTERVAL}s" \
    || kit_fail "goss found the workspace unhealthy (output above)"
}

@test "a restart with rebuild=true rebuilds and comes back ready" {
  [[ "$WORKSPACE_TEST_REBUILD" == true ]] || skip "set WORKSPACE_TEST_REBUILD=true to test the ephemeral rebuild parameter"
  kit_bounded "$WORKSPACE_TEST_CREATE_TIMEOUT" coder restart "$WORKSPACE_TEST_NAME" --yes --ephemeral-parameter rebuild=true \
    || kit_fail "coder restart $WORKSPACE_TEST_NAME --ephemeral-parameter rebuild=true failed"
  kit_wait "build of $WORKSPACE_TEST_NAME to be running after the restart" "$WORKSPACE_TEST_BUILD_TIMEOUT" kit_list_check build
  kit_wait "agent $WORKSPACE_TEST_AGENT to be ready after the rebuild" "$WORKSPACE_TEST_AGENT_TIMEOUT" kit_agent_check
  kit_wait "the builder's log lines after the rebuild" "$WORKSPACE_TEST_APPS_TIMEOUT" kit_logs_check
}
