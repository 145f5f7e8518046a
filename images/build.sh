#!/usr/bin/env bash
# Builds the operator and node-daemon OCI images without a container engine (`./libpool images`).
# For each images/<name>.Containerfile: a Debian base from the Containerfile's suite and PACKAGES
# (mmdebstrap), then the Containerfile's COPY, ENV, USER, WORKDIR and ENTRYPOINT applied with umoci.
# Output (not committed): images/out/<name>/ (OCI layout, tag = project version) and
# images/out/<name>-<tag>.oci.tar (OCI archive). Base root file systems are cached in images/out/cache/.
#   images/build.sh [--no-build] [NAME...]     NAME: operator, node-daemon (default both)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${LIBPOOL_IMAGES_OUT:-$ROOT/images/out}"
log() { printf '\033[1mlibpool images:\033[0m %s\n' "$*" >&2; }

build=1
names=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    operator|node-daemon) names+=("$a") ;;
    *) log "unknown argument: $a (use --no-build, operator, node-daemon)"; exit 2 ;;
  esac
done
((${#names[@]})) || names=(operator node-daemon)

for tool in mmdebstrap umoci python3; do
  command -v "$tool" >/dev/null || { log "$tool is missing: run ./libpool images, which installs it"; exit 3; }
done

# The project version, without -SNAPSHOT, tags the images (the chart's appVersion is the same).
VERSION=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)
TAG=${VERSION%-SNAPSHOT}

if ((build)); then
  modules=$(IFS=,; echo "${names[*]}")
  log "packaging $modules (Maven, tests skipped)"
  "$ROOT/mvnw" -B -q -pl "$modules" -am package -DskipTests
fi

# A Containerfile instruction's arguments, one line per occurrence.
instr() { sed -n "s/^$2[[:space:]]\{1,\}//p" "$1"; }

base_rootfs() { # SUITE PACKAGES... -> path of a cached rootfs tar
  local suite=$1; shift
  local key; key=$(printf '%s\n' "$suite" "$@" | sha256sum | cut -c1-16)
  local tar="$OUT/cache/base-$suite-$key.tar"
  if [[ ! -s "$tar" ]]; then
    mkdir -p "$OUT/cache"
    log "making the $suite base with $* (mmdebstrap, about a minute)"
    SOURCE_DATE_EPOCH=0 mmdebstrap --quiet --format=tar --variant=essential --include="$(IFS=,; echo "$*")" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
      "$suite" "$tar.part" "deb http://deb.debian.org/debian $suite main" \
      "deb http://deb.debian.org/debian-security $suite-security main"
    mv "$tar.part" "$tar"
  fi
  echo "$tar"
}

build_image() {
  local name=$1 file="$ROOT/images/$1.Containerfile"
  local suite packages
  suite=$(instr "$file" FROM | sed -n 's/.*debian:\([a-z]*\).*/\1/p')
  packages=$(instr "$file" ARG | sed -n 's/^PACKAGES="\(.*\)"$/\1/p')
  [[ -n "$suite" && -n "$packages" ]] || { log "$file: needs FROM ...debian:<suite>... and ARG PACKAGES=\"...\""; exit 2; }
  # shellcheck disable=SC2086
  local base; base=$(base_rootfs "$suite" $packages)
  local layout="$OUT/$name" work="$OUT/work-$name"
  rm -rf "$layout" "$work"
  umoci init --layout "$layout"
  umoci new --image "$layout:$TAG"
  umoci unpack --image "$layout:$TAG" "$work"
  tar -C "$work/rootfs" --numeric-owner -xpf "$base"
  umoci repack --refresh-bundle --history.created_by "mmdebstrap $suite: $packages" --image "$layout:$TAG" "$work"

  log "$name: adding libpool"
  local src dst
  while read -r src dst; do
    mkdir -p "$work/rootfs$(dirname "$dst")"
    [[ "$dst" == */ ]] && mkdir -p "$work/rootfs$dst"
    if [[ "$src" == */ ]]; then
      mkdir -p "$work/rootfs$dst" && cp -a "$ROOT/$src." "$work/rootfs$dst"
    else
      # shellcheck disable=SC2086
      cp -a $ROOT/$src "$work/rootfs$dst"
    fi
  done < <(instr "$file" COPY)
  local user; user=$(instr "$file" USER | tail -1)
  if [[ -n "$user" && "${user%%:*}" != 0 ]]; then
    echo "libpool:x:${user%%:*}:${user##*:}:libpool:/tmp:/usr/sbin/nologin" >> "$work/rootfs/etc/passwd"
    echo "libpool:x:${user##*:}:" >> "$work/rootfs/etc/group"
  fi
  umoci repack --refresh-bundle --history.created_by "libpool $name $VERSION" --image "$layout:$TAG" "$work"

  local args=() e
  while read -r e; do args+=(--config.entrypoint "$e"); done < <(instr "$file" ENTRYPOINT | python3 -c \
    'import json,sys; [print(a) for line in sys.stdin for a in json.loads(line)]')
  while read -r e; do [[ -n "$e" ]] && args+=(--config.env "$e"); done < <(instr "$file" ENV)
  [[ -n "$user" ]] && args+=(--config.user "$user")
  local wd; wd=$(instr "$file" WORKDIR | tail -1)
  [[ -n "$wd" ]] && args+=(--config.workingdir "$wd")
  args+=(--config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
  umoci config --image "$layout:$TAG" "${args[@]}" \
    --config.label "org.opencontainers.image.title=libpool $name" \
    --config.label "org.opencontainers.image.version=$VERSION" \
    --history.created_by "libpool: entry point and user from images/$name.Containerfile"
  umoci gc --layout "$layout"
  rm -rf "$work"
  tar -C "$layout" -cf "$OUT/$name-$TAG.oci.tar" .
  log "$name: $layout:$TAG and $OUT/$name-$TAG.oci.tar ($(du -sh "$layout" | cut -f1))"
}

for n in "${names[@]}"; do
  build_image "$n"
done
