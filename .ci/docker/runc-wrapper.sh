#!/bin/sh
# OCI runtime wrapper around runc, registered with dockerd as its default
# runtime. This machine's kernel capability bounding set lacks
# CAP_SYS_RESOURCE, so runc cannot grant it and `docker run --privileged`
# (which asks for every capability) fails with "unable to apply caps".
# Before runc sees a container or exec spec, the capability is removed from
# every capability set; everything else is passed through untouched.
#
# containerd's shim calls: runc [global flags] create --bundle DIR ... ID
#                          runc [global flags] exec --process FILE ... ID
# Override the real runtime with RUNC_WRAPPER_RUNC (tests, other paths).
set -eu

real_runc=${RUNC_WRAPPER_RUNC:-}
if [ -z "$real_runc" ]; then
  for candidate in /usr/sbin/runc /usr/bin/runc /usr/local/sbin/runc; do
    if [ -x "$candidate" ]; then real_runc=$candidate; break; fi
  done
fi
if [ -z "$real_runc" ]; then
  echo "runc-wrapper: no runc found (set RUNC_WRAPPER_RUNC)" >&2
  exit 127
fi

# Drop the capability from a JSON file in place. $2 is the jq path of the
# object holding the capability sets (".process.capabilities" in a bundle's
# config.json, ".capabilities" in an exec process spec).
drop_cap() {
  file=$1
  sets=$2
  [ -f "$file" ] || return 0
  tmp="$file.runc-wrapper.$$"
  jq -c "if $sets then $sets |= with_entries(.value |= (if type == \"array\" then map(select(. != \"CAP_SYS_RESOURCE\")) else . end)) else . end" \
    "$file" >"$tmp"
  mv -f "$tmp" "$file"
}

# Find the subcommand (first argument not starting with "-", skipping the
# values of global flags that take one) and the bundle / process file.
command=""
bundle=""
process_file=""
expect_value=""
for arg in "$@"; do
  if [ -n "$expect_value" ]; then
    case $expect_value in
      bundle) bundle=$arg ;;
      process) process_file=$arg ;;
    esac
    expect_value=""
    continue
  fi
  case $arg in
    --bundle=*) bundle=${arg#--bundle=} ;;
    --process=*) process_file=${arg#--process=} ;;
    -b | --bundle) expect_value=bundle ;;
    -p | --process) expect_value=process ;;
    # Global flags that take a separate value (runc's own flag list); flags
    # after the subcommand cannot be mistaken for it any more.
    --root | --log | --log-format | --criu | --rootless)
      [ -n "$command" ] || expect_value=skip ;;
    -*) ;;
    *) [ -n "$command" ] || command=$arg ;;
  esac
done

case $command in
  create | run)
    drop_cap "${bundle:-.}/config.json" ".process.capabilities" ;;
  exec)
    [ -z "$process_file" ] || drop_cap "$process_file" ".capabilities" ;;
esac

exec "$real_runc" "$@"
