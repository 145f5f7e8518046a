# Shared by kube/build.sh and kubevirt/build.sh (sourced, not run): find Go, build with progress, publish the
# binaries with their stamp. What decides the binaries (go.mod, go.sum, sources, ldflags) stays in each build.sh
# and in its stamp; this file only finds Go, reports progress and moves files, so it is not stamped.

# Sets GO, or logs why the tests that need WHAT will skip and how to enable them, and returns 3.
find_go() {
  local what=$1 fix=$2
  GO=$(command -v go || true)
  [[ -z "$GO" && -x /usr/local/go/bin/go ]] && GO=/usr/local/go/bin/go
  if [[ -z "$GO" ]]; then
    log "Go is not installed: the tests that need $what will skip."
    log "Install Go (https://go.dev/dl/; a Go older than go.mod's 'go' line fetches the newer toolchain itself through GOPROXY) and $fix."
    return 3
  fi
  export GOFLAGS=-mod=mod CGO_ENABLED=0
}

# go_build TMP LDFLAGS TARGET...: downloads the modules and builds TARGETs into TMP (made empty first), naming
# progress every 100 compiled packages (-v names each package compiled; cached ones are not named).
go_build() {
  local tmp=$1 ldflags=$2; shift 2
  local start=$SECONDS total status
  log "downloading modules (GOPROXY=$("$GO" env GOPROXY))"
  "$GO" mod download
  total=$("$GO" list -deps "$@" | wc -l)
  rm -rf "$tmp"; mkdir -p "$tmp"
  set +e
  "$GO" build -v -trimpath -ldflags "$ldflags" -o "$tmp/" "$@" 2>&1 | {
    local n=0 line
    while IFS= read -r line; do
      if [[ "$line" == *" "* || "$line" == *:* ]]; then printf '%s\n' "$line" >&2; continue; fi
      n=$((n + 1))
      if ((n % 100 == 0)); then log "compiled $n of at most $total packages ($((SECONDS - start)) s)"; fi
    done
    log "compiled $n packages ($((SECONDS - start)) s); the rest came from Go's build cache"
  }
  status=${PIPESTATUS[0]}
  set -e
  ((status == 0)) || { log "go build failed ($status)"; exit "$status"; }
}

# publish TMP BIN STAMP BINARY...: checks TMP holds every BINARY, stamps it and moves it to BIN in one rename.
publish() {
  local tmp=$1 bin=$2 stamp=$3 binary; shift 3
  for binary in "$@"; do
    [[ -x "$tmp/$binary" ]] || { log "build produced: $(ls "$tmp")"; exit 1; }
  done
  echo "$stamp" > "$tmp/.stamp"
  rm -rf "$bin"; mv "$tmp" "$bin"
}
