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

GO=$(command -v go || true)
[[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
if [[ -z "$GO" ]]; then
  log "Go is not installed: the tests that run KubeVirt's own code will skip."
  log "Install Go >= 1.26 (https://go.dev/dl/) and run ./libpool kubevirt."
  exit 3
fi

export GOFLAGS=-mod=mod CGO_ENABLED=0
log "building kubevirt-sim on KubeVirt v$KUBEVIRT_VERSION with $("$GO" version | cut -d' ' -f3) into $BIN"
start=$SECONDS
log "downloading modules (GOPROXY=$("$GO" env GOPROXY))"
"$GO" mod download
total=$("$GO" list -deps ./cmd/kubevirt-sim | wc -l)

tmp="$OUT/bin.tmp"
rm -rf "$tmp"; mkdir -p "$tmp"
# -v names each package as it is compiled (cached ones are not named): count them as progress.
progress() {
  local n=0 line
  while IFS= read -r line; do
    if [[ "$line" == *" "* || "$line" == *:* ]]; then printf '%s\n' "$line" >&2; continue; fi
    n=$((n + 1))
    if ((n % 100 == 0)); then log "compiled $n of at most $total packages ($((SECONDS - start)) s)"; fi
  done
  log "compiled $n packages ($((SECONDS - start)) s); the rest came from Go's build cache"
}
set +e
"$GO" build -v -trimpath -ldflags "-s -w" -o "$tmp/" ./cmd/kubevirt-sim 2>&1 | progress
status=${PIPESTATUS[0]}
set -e
((status == 0)) || { log "go build failed ($status)"; exit "$status"; }
[[ -x "$tmp/kubevirt-sim" ]] || { log "build produced: $(ls "$tmp")"; exit 1; }
echo "$STAMP_WANT" > "$tmp/.stamp"
rm -rf "$BIN"; mv "$tmp" "$BIN"
log "built kubevirt-sim (KubeVirt v$KUBEVIRT_VERSION) in $((SECONDS - start)) s"
