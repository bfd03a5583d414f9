#!/bin/sh
# Entrypoint of the test DinD image, accepting what the official
# docker:<x.y.z>-dind image accepts: no arguments or flags only → dockerd with
# those flags on the default socket (or DOCKER_HOST when it is unix://);
# "dockerd …" → that daemon; anything else is executed as is. Unlike the
# official image it never opens a TCP listener (tests need only the socket),
# so DOCKER_TLS_CERTDIR is ignored.
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  case ${DOCKER_HOST:-} in
    unix://*) set -- dockerd --host="$DOCKER_HOST" "$@" ;;
    *) set -- dockerd --host=unix:///var/run/docker.sock "$@" ;;
  esac
fi

if [ "$1" = dockerd ]; then
  # A pid file left by an earlier run of this container blocks dockerd.
  rm -f /var/run/docker.pid

  # cgroup v2: move this container's processes out of the root cgroup so that
  # controllers can be enabled for the containers dockerd creates (cgroup v1
  # hosts need nothing).
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    mkdir -p /sys/fs/cgroup/init
    while read -r pid; do
      echo "$pid" >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
    done </sys/fs/cgroup/cgroup.procs
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers \
      >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  fi

  # AppArmor detection needs securityfs; absent in many containers.
  if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security 2>/dev/null; then
    mount -t securityfs none /sys/kernel/security 2>/dev/null || true
  fi

  # An init as PID 1 reaps the exited containerd shims dockerd leaves behind.
  set -- tini -s -- "$@"
fi

exec "$@"
