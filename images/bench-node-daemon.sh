#!/usr/bin/env bash
# ./libpool bench node-daemon: the node daemon's memory with the image's JVM flags (images/bin/libpool-node-daemon,
# run on this host's JVM with the module's classpath), against the JVM's defaults.
#   idle   `run` against the cluster of KUBECONFIG (a real API server) for --seconds; RSS sampled every second
#   pools  `pool build` of pools made from this host's libraries: peak RSS of the daemon JVM (mkfs.erofs, a
#          child process, is not counted) and the pool's own bytes on its tmpfs (charged to the daemon's cgroup)
# Prints a table. Needs root (the pool's tmpfs). Usage: bench-node-daemon.sh [--seconds N] [--lib-dir DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_IDLE=90
LIB_DIR=usr/lib/x86_64-linux-gnu
while (($#)); do
  case "$1" in
    --seconds) SECONDS_IDLE=$2; shift 2 ;;
    --lib-dir) LIB_DIR=${2#/}; shift 2 ;;
    *) echo "usage: $0 [--seconds N] [--lib-dir DIR]" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 ]] || { echo "needs root: a pool build mounts its tmpfs" >&2; exit 3; }
JAR=$(ls "$ROOT"/node-daemon/target/libpool-node-daemon-*.jar 2>/dev/null | head -1)
[[ -n "$JAR" && -d "$ROOT/node-daemon/target/lib" ]] || { echo "node-daemon is not packaged: ./mvnw -B -pl node-daemon -am package -DskipTests" >&2; exit 3; }
export LIBPOOL_CLASSPATH="$JAR:$ROOT/node-daemon/target/lib/*"
ENTRY="$ROOT/images/bin/libpool-node-daemon"
WORK=$(mktemp -d /tmp/libpool-bench-daemon.XXXXXX)
cleanup() {
  for m in $(awk -v w="$WORK" '$2 ~ "^"w {print $2}' /proc/mounts | sort -r); do umount "$m" || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
rows=()

pool_yaml() { # NAME GLOB
  cat > "$WORK/$1.yaml" <<YAML
apiVersion: libpool.dev/v1alpha1
kind: SharedLibraryPool
metadata: {name: $1}
spec:
  source: {hostPath: {path: /}}
  include: ["$LIB_DIR/$2"]
  maxSize: 1Gi
  namespaceSelector: {}
YAML
}

build_row() { # LABEL NAME GLOB FLAGS(image|default)
  local label=$1 name=$2 glob=$3 flags=$4 state="$WORK/state-$4-$2" out
  pool_yaml "$name" "$glob"
  local cmd=("$ENTRY")
  [[ $flags == default ]] && cmd=(java -cp "$LIBPOOL_CLASSPATH" dev.libpool.node.Main)
  out=$(/usr/bin/time -f 'MAXRSS %M' "${cmd[@]}" pool build "$WORK/$name.yaml" --state-dir "$state" 2>&1) \
    || { echo "$out" >&2; exit 1; }
  local rss libs pool
  rss=$(sed -n 's/^MAXRSS //p' <<<"$out")
  libs=$(sed -n 's/^  libraries *\([0-9][0-9]*\) files.*/\1/p' <<<"$out")
  pool=$(sed -n 's/^  resident *\([0-9.]*\) MiB.*/\1/p' <<<"$out")
  rows+=("| $label | $flags | ${libs:-?} | ${pool:-?} | $(mib "$rss") |")
}

echo "node daemon JVM: $(java -version 2>&1 | head -1); $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)" >&2
build_row "small pool ($LIB_DIR/libp*.so*)" small 'libp*.so*' image
build_row "small pool ($LIB_DIR/libp*.so*)" small 'libp*.so*' default
build_row "all of $LIB_DIR/*.so.*" all '*.so.*' image
build_row "all of $LIB_DIR/*.so.*" all '*.so.*' default

idle=("not measured: set KUBECONFIG to a cluster (a real API server) to measure the daemon in cluster mode")
KUBECTL=${KUBECTL:-kubectl}
sample_rss() { # PID SECONDS -> "last max" in KiB, sampled every second
  local jpid=$1 n=$2 last=0 max=0 v
  for ((s = 0; s < n; s++)); do
    sleep 1
    v=$(awk '/^VmRSS/ {print $2}' "/proc/$jpid/status" 2>/dev/null) || { echo "the daemon exited" >&2; return 1; }
    last=$v; ((v > max)) && max=$v
  done
  echo "$last $max"
}
if [[ -n "${KUBECONFIG:-}" ]]; then
  command -v "$KUBECTL" >/dev/null || { echo "KUBECONFIG is set but kubectl is missing (set KUBECTL=/path/to/kubectl)" >&2; exit 3; }
  node=${NODE_NAME:-$(hostname)}
  "$KUBECTL" apply --server-side -f "$ROOT/crds/" >/dev/null
  "$KUBECTL" get node "$node" >/dev/null 2>&1 || { echo "no Node $node in the cluster: run on a node, or set NODE_NAME to one" >&2; exit 3; }
  NODE_NAME=$node "$ENTRY" run --state-dir "$WORK/state-run" --metrics-port 0 > "$WORK/run.log" 2>&1 &
  pid=$!
  read -r last max < <(sample_rss "$pid" "$SECONDS_IDLE") || { cat "$WORK/run.log" >&2; exit 1; }
  idle=("| idle: no pool selects node $node | $(mib "$last") | $(mib "$max") |")
  for p in bench-small bench-second; do
    glob='libp*.so*'; [[ $p == bench-second ]] && glob='libs*.so.*'
    "$KUBECTL" apply -f - >/dev/null <<YAML
apiVersion: libpool.dev/v1alpha1
kind: SharedLibraryPool
metadata: {name: $p}
spec:
  source: {hostPath: {path: /}}
  include: ["$LIB_DIR/$glob"]
  maxSize: 1Gi
  nodeSelector: {kubernetes.io/hostname: "$node"}
  namespaceSelector: {}
YAML
  done
  for ((w = 0; w < 300; w++)); do
    states=$("$KUBECTL" get npr "$node" -o jsonpath='{range .status.pools[*]}{.name}={.state} {end}' 2>/dev/null || true)
    [[ $states == *bench-small=Ready* && $states == *bench-second=Ready* ]] && break
    [[ $states == *=Failed* ]] && { "$KUBECTL" get npr "$node" -o yaml >&2; exit 1; }
    sleep 1
  done
  [[ $states == *bench-small=Ready*bench-second=Ready* || $states == *bench-second=Ready*bench-small=Ready* ]] \
    || { echo "the pools did not become Ready in 300 s: $states" >&2; exit 1; }
  read -r last max < <(sample_rss "$pid" "$SECONDS_IDLE") || { cat "$WORK/run.log" >&2; exit 1; }
  resident=$(awk '$2 ~ "state-run/pools/" {print $2}' /proc/mounts | xargs -r du -sk | awk '{s+=$1} END {printf "%.1f", s/1024}')
  idle+=("| 2 pools held ($resident MiB on their tmpfs), then $SECONDS_IDLE s idle | $(mib "$last") | $(mib "$max") |")
  "$KUBECTL" delete slp bench-small bench-second --wait=false >/dev/null
  kill "$pid"; wait "$pid" || true
  idle=("| cluster mode (\`run\`) | RSS at the end MiB | max RSS MiB |" "|---|---:|---:|" "${idle[@]}")
fi

echo
echo "| pool build | JVM flags | libraries | pool resident MiB | daemon peak RSS MiB |"
echo "|---|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${idle[@]}"
