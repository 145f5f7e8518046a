#!/usr/bin/env bash
# Builds kubevirt-sim (KubeVirt's own admission, launcher-pod rendering and domain converter, run on files) for
# the tests from the KubeVirt Go module pinned in go.mod, once per machine: into
# ${LIBPOOL_CACHE:-~/.cache/libpool}/kubevirt-<version>/bin, rebuilt only when go.mod, go.sum, the tool's sources,
# the stand-in modules or this script change (the stamp). Prints progress and the time it took. Exits 3 when Go
# is missing.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

log() { printf '\033[1mlibpool kubevirt:\033[0m %s\n' "$*" >&2; }

# The one place the version is written is go.mod; the tests read it from there too.
KUBEVIRT_VERSION=$(awk '$1 == "kubevirt.io/kubevirt" { sub(/^v/, "", $2); print $2; exit }' go.mod)
OUT="${LIBPOOL_CACHE:-$HOME/.cache/libpool}/kubevirt-$KUBEVIRT_VERSION"
BIN="$OUT/bin"
# Sorted paths so the stamp does not depend on the file system's order; the tests compute the same digest.
STAMP_WANT=$(find go.mod go.sum build.sh cmd third_party -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -d' ' -f1)

if [[ -x "$BIN/kubevirt-sim" && "$(cat "$BIN/.stamp" 2>/dev/null)" == "$STAMP_WANT" ]]; then
  log "kubevirt-sim (KubeVirt v$KUBEVIRT_VERSION) up to date in $BIN"
  exit 0
fi

# shellcheck source=../go-build.sh
source "$HERE/../go-build.sh"
find_go "KubeVirt's own code (kubevirt-sim)" "run ./libpool kubevirt" || exit 3

log "building kubevirt-sim on KubeVirt v$KUBEVIRT_VERSION with $("$GO" version | cut -d' ' -f3) into $BIN"
start=$SECONDS
go_build "$OUT/bin.tmp" "-s -w" ./cmd/kubevirt-sim
publish "$OUT/bin.tmp" "$BIN" "$STAMP_WANT" kubevirt-sim
log "built kubevirt-sim (KubeVirt v$KUBEVIRT_VERSION) in $((SECONDS - start)) s"
