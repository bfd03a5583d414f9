#!/usr/bin/env bash
# Makes a Docker engine available for the tests, idempotently:
#  - an engine already answering (DOCKER_HOST or the default socket) is left alone;
#  - otherwise, as root on Debian, installs docker.io, debootstrap and jq when
#    missing, installs the runc wrapper (see .ci/docker/runc-wrapper.sh) and
#    starts dockerd in the background with .ci/docker/daemon.json;
#  - waits, bounded, until `docker info` answers.
# Environment: DOCKERD_LOG (default /var/log/dockerd.log),
# DOCKER_START_TIMEOUT_SECONDS (default 60).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log_file=${DOCKERD_LOG:-/var/log/dockerd.log}
timeout_seconds=${DOCKER_START_TIMEOUT_SECONDS:-60}
wrapper_path=/usr/local/libexec/docker/runc-wrapper
pid_file=/var/run/docker.pid

say() { echo "start-docker: $*" >&2; }

engine_answers() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

wait_for_engine() {
  local deadline=$((SECONDS + timeout_seconds))
  while ((SECONDS < deadline)); do
    if engine_answers; then
      say "engine $(docker info --format '{{.ServerVersion}} (default runtime {{.DefaultRuntime}})') is up"
      return 0
    fi
    sleep 1
  done
  say "engine did not answer within ${timeout_seconds}s; last lines of $log_file:"
  tail -n 30 "$log_file" >&2 2>/dev/null || true
  return 1
}

# install_packages [--with-engine]: the test tools (debootstrap for the local
# Debian base, jq for the runc wrapper, openssh-client for the ssh tests),
# plus docker.io when asked.
install_packages() {
  local missing=()
  if [[ ${1:-} == --with-engine ]]; then
    if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
      missing+=(docker.io)
    fi
  fi
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v jq >/dev/null 2>&1 || missing+=(jq)
  # ssh-keygen/ssh-keyscan: the ssh clone tests make keys and read host keys.
  command -v ssh-keyscan >/dev/null 2>&1 || missing+=(openssh-client)
  if ((${#missing[@]} == 0)); then return 0; fi
  if ((EUID != 0)) || ! command -v apt-get >/dev/null 2>&1; then
    say "missing ${missing[*]}; install them (needs root and apt)"
    return 1
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the package's init script from starting a daemon without the
  # wrapper: policy-rc.d exit 101 forbids service starts during the install.
  local policy=/usr/sbin/policy-rc.d own_policy=false status=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && own_policy=true
  fi
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || status=$?
  if [[ $own_policy == true ]]; then rm -f "$policy"; fi
  return "$status"
}

install_wrapper() {
  if ! cmp -s "$here/docker/runc-wrapper.sh" "$wrapper_path" 2>/dev/null; then
    install -D -m 0755 "$here/docker/runc-wrapper.sh" "$wrapper_path"
  fi
}

dockerd_running() {
  [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

# Without CAP_SYS_RESOURCE in the bounding set, privileged containers need
# the wrapper (or an equivalent) as the engine's default runtime.
check_runtime() {
  local bounding runtime
  bounding=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
  runtime=$(docker info --format '{{.DefaultRuntime}}' 2>/dev/null || true)
  if (((0x$bounding >> 24 & 1) == 0)) && [[ $runtime != runc-wrapper ]]; then
    say "warning: this kernel lacks CAP_SYS_RESOURCE and the engine's default runtime is '$runtime', not runc-wrapper; privileged containers will fail with 'unable to apply caps'"
  fi
}

if engine_answers; then
  say "engine already answers; leaving it alone"
  # Keep a wrapper this script installed earlier up to date.
  if ((EUID == 0)) && [[ -e $wrapper_path ]]; then install_wrapper; fi
  check_runtime
  install_packages
  exit 0
fi

if [[ -n ${DOCKER_HOST:-} && ${DOCKER_HOST} != unix:///var/run/docker.sock ]]; then
  say "DOCKER_HOST=$DOCKER_HOST does not answer and is not the local default socket; not starting a daemon"
  exit 1
fi

if dockerd_running; then
  # Started by an earlier or concurrent run and still coming up.
  say "dockerd (pid $(cat "$pid_file")) is starting; waiting"
  wait_for_engine
  exit $?
fi

if ((EUID != 0)); then
  say "no engine answers and starting one needs root"
  exit 1
fi

install_packages --with-engine
install_wrapper
mkdir -p "$(dirname "$log_file")"
say "starting dockerd (log: $log_file)"
# setsid + nohup: the daemon outlives this script and the CI step that ran it.
setsid nohup dockerd --config-file "$here/docker/daemon.json" >>"$log_file" 2>&1 </dev/null &
wait_for_engine
