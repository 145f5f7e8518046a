#!/usr/bin/env bash
# Builds kube-apiserver, etcd and kubectl for the tests from the Go modules pinned in go.mod, once per machine:
# into ${LIBPOOL_CACHE:-~/.cache/libpool}/k8s-<version>/bin, rebuilt only when go.mod, go.sum or this
# script change (the stamp). Prints progress and the time it took. Exits 3 when Go is missing or too old.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

log() { printf '\033[1mlibpool apiserver:\033[0m %s\n' "$*" >&2; }

# The one place the version is written is go.mod; the tests read it from there too.
KUBE_VERSION=$(awk '$1 == "k8s.io/kubernetes" { sub(/^v/, "", $2); print $2; exit }' go.mod)
ETCD_VERSION=$(awk '$1 == "go.etcd.io/etcd/server/v3" { sub(/^v/, "", $2); print $2; exit }' go.mod)
OUT="${LIBPOOL_CACHE:-$HOME/.cache/libpool}/k8s-$KUBE_VERSION"
BIN="$OUT/bin"
STAMP_WANT=$(cat go.mod go.sum build.sh | sha256sum | cut -d' ' -f1)

if [[ -x "$BIN/kube-apiserver" && -x "$BIN/etcd" && -x "$BIN/kubectl" && "$(cat "$BIN/.stamp" 2>/dev/null)" == "$STAMP_WANT" ]]; then
  log "kube-apiserver and kubectl v$KUBE_VERSION, etcd v$ETCD_VERSION up to date in $BIN"
  exit 0
fi

# shellcheck source=../go-build.sh
source "$HERE/../go-build.sh"
find_go "a Kubernetes API server" "run ./libpool apiserver, or set KUBECONFIG to a cluster" || exit 3

log "building kube-apiserver and kubectl v$KUBE_VERSION, etcd v$ETCD_VERSION with $("$GO" version | cut -d' ' -f3) into $BIN"
start=$SECONDS
pkg=k8s.io/component-base/version
ldflags="-s -w -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=${KUBE_VERSION%%.*}"
minor=${KUBE_VERSION#*.}; ldflags+=" -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=v$KUBE_VERSION"
tmp="$OUT/bin.tmp"
go_build "$tmp" "$ldflags" tool
# etcd's main package is its module go.etcd.io/etcd/server/v3: go names the binary "server".
mv "$tmp/server" "$tmp/etcd"
publish "$tmp" "$BIN" "$STAMP_WANT" kube-apiserver etcd kubectl
log "built in $((SECONDS - start)) s: $("$BIN/kube-apiserver" --version), etcd $("$BIN/etcd" --version | head -1)"
