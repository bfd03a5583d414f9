#!/usr/bin/env bash
# Builds the builder image's context on the host, so that the Dockerfile only
# copies files: the compiled builder (npm run build → dist/) and a
# production-only node_modules installed from the lockfile. Production builds
# and the tests use this same script; they differ only in the base-image build
# args passed to `docker build`.
#
# Output (git-ignored): .cache/image-context/
#   dist/  node_modules/  package.json  package-lock.json  version.txt
# The install is skipped when package.json and the lockfile are unchanged
# since the last run (stamp file), which keeps a warm run to the tsc time.
#
# Usage: scripts/image-context.sh [--skip-build]
#   --skip-build  reuse the existing dist/ (e.g. when CI already built it)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out="$root/.cache/image-context"
skip_build=false
for arg in "$@"; do
  case $arg in
    --skip-build) skip_build=true ;;
    *) echo "image-context: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

cd "$root"
mkdir -p "$out"
if [[ $skip_build == false ]]; then
  # Skip tsc when nothing it reads changed since the last build made here;
  # otherwise build incrementally (the build info lives in .cache/, and is
  # dropped when dist/ is gone, since tsc would then not re-emit).
  build_stamp="$out/.build-stamp"
  build_info="$root/.cache/builder.tsbuildinfo"
  if [[ ! -d dist/builder ]]; then rm -f "$build_info" "$build_stamp"; fi
  if [[ ! -f $build_stamp ]] || [[ -n $(find builder tsconfig.json tsconfig.build.json package-lock.json -newer "$build_stamp" -print -quit) ]]; then
    touch "$build_stamp.next"
    npm run --silent build -- --incremental --tsBuildInfoFile "$build_info"
    mv -f "$build_stamp.next" "$build_stamp"
  fi
fi
if [[ ! -d dist/builder ]]; then
  echo "image-context: dist/builder is missing; run npm run build" >&2
  exit 1
fi

# Production dependencies: only reinstalled when the manifest changes.
stamp="$out/.deps-stamp"
deps_hash=$(cat package.json package-lock.json .npmrc 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$deps_hash" || ! -d $out/node_modules ]]; then
  rm -rf "$out/node_modules" "$stamp"
  cp package.json package-lock.json "$out/"
  [[ -f .npmrc ]] && cp .npmrc "$out/"
  # --ignore-scripts: the runtime dependencies need no install scripts, and
  # none of them should run at image-build time.
  (cd "$out" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
  rm -f "$out/.npmrc"
  echo "$deps_hash" >"$stamp"
fi

# The compiled builder and the version, replaced on every run.
rm -rf "$out/dist"
cp -R dist "$out/dist"
# tsc writes 0644; the image puts cli.js on PATH through a symlink.
if [[ -f $out/dist/builder/cli.js ]]; then chmod 0755 "$out/dist/builder/cli.js"; fi
cp package.json package-lock.json "$out/"
if [[ -f version.txt ]]; then
  tr -d '[:space:]' <version.txt >"$out/version.txt"
else
  node -p 'require("./package.json").version' >"$out/version.txt"
fi
echo "image-context: $out (version $(cat "$out/version.txt"))" >&2
