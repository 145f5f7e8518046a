#!/bin/sh
# libpool bootstrap: find THE pool's virtio-pmem device, mount it with DAX and attach (POSIX sh).
#
#   libpool-bootstrap.sh [--install] [--swiotlb-noforce] POOL [GUEST_MOUNT_PATH]
#
# GUEST_MOUNT_PATH defaults to /run/libpool; the pool is mounted at GUEST_MOUNT_PATH/POOL and its own
# /.libpool/attach.sh does the substitution (the image carries the scripts that match it).
#   --install          also install this script as /usr/local/lib/libpool/bootstrap.sh, an early-boot
#                      systemd unit libpool-POOL.service (before sysinit.target, so later boots attach
#                      before nearly every service starts) and an apt hook that detaches around dpkg.
#   --swiotlb-noforce  add swiotlb=noforce to the kernel command line of the NEXT boot (saves the
#                      64 MiB bounce buffer virtio-pmem's device memory otherwise costs a small guest),
#                      only through a bootloader config it knows (grubby, /etc/default/grub,
#                      /etc/kernel/cmdline); otherwise it says so and changes nothing.
# It never fails the boot: every problem is reported in $LIBPOOL_RUN_DIR/report.json and on the
# console, and the exit status is always 0.
# Environment (tests point these at a temporary tree): LIBPOOL_ROOT (prefix of the guest root that
# --install and --swiotlb-noforce write into, proc/cmdline included, and attach.sh substitutes in;
# default empty; with a prefix no bootloader tool is run), LIBPOOL_RUN_DIR (default
# $LIBPOOL_ROOT/run/libpool), LIBPOOL_DEV_DIR (/dev), LIBPOOL_SYS_DIR (/sys), LIBPOOL_MODPROBE=false
# to load no modules; attach.sh's own variables pass through.

ROOT=${LIBPOOL_ROOT:-}
RUN_DIR=${LIBPOOL_RUN_DIR:-$ROOT/run/libpool}
DEV_DIR=${LIBPOOL_DEV_DIR:-/dev}
SYS_DIR=${LIBPOOL_SYS_DIR:-/sys}
INSTALL_DIR=/usr/local/lib/libpool

say() {
    echo "libpool: $1"
    { [ -w /dev/kmsg ] && echo "libpool: $1" >/dev/kmsg; } 2>/dev/null
    return 0
}

json_string() {
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037')"
}

refuse() { # reason: the pool could not even be mounted, so its attach.sh cannot report
    mkdir -p "$RUN_DIR" 2>/dev/null
    printf '{\n  "pool": %s,\n  "status": "refused",\n  "reason": %s,\n  "dax": false,\n  "substituted": {"files": 0, "bytes": 0}\n}\n' \
        "$(json_string "$POOL")" "$(json_string "$1")" >"$RUN_DIR/$POOL.report.json" 2>/dev/null &&
        cp "$RUN_DIR/$POOL.report.json" "$RUN_DIR/report.json" 2>/dev/null
    say "pool $POOL not attached: $1; the guest keeps its own libraries"
}

mounted_at() { # dir -> prints the mount options if something is mounted there
    awk -v m="$1" '$2 == m { o = $4 } END { if (o != "") print o }' /proc/mounts 2>/dev/null
}

manifest_pool() { # mount dir
    sed -n 's/.*"pool"[[:space:]]*:[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' "$1/.libpool/manifest.json" 2>/dev/null | head -n 1
}

is_virtio_pmem() { # block device name, e.g. pmem0
    # /sys/block/pmem0 -> .../virtioN/ndbusM/regionM/namespaceM.0/block/pmem0
    path=$(readlink -f "$SYS_DIR/block/$1" 2>/dev/null) || return 1
    case "$path" in */virtio*/ndbus*) ;; *) return 1 ;; esac
    virtio=${path%%/ndbus*}
    [ "$(basename "$(readlink -f "$virtio/driver" 2>/dev/null)")" = virtio_pmem ]
}

find_and_mount() { # target dir; returns 0 when the pool is mounted there
    probe=$RUN_DIR/.probe.$$
    mkdir -p "$probe" || return 1
    found=1
    for dev in "$DEV_DIR"/pmem*; do
        [ -b "$dev" ] || continue
        name=${dev##*/}
        is_virtio_pmem "$name" || continue
        mount -t erofs -o ro,dax=always "$dev" "$probe" 2>/dev/null || continue
        owner=$(manifest_pool "$probe")
        umount "$probe" 2>/dev/null
        if [ "$owner" = "$POOL" ]; then
            mkdir -p "$1" && mount -t erofs -o ro,dax=always "$dev" "$1" && found=0
            break
        fi
    done
    rmdir "$probe" 2>/dev/null
    return $found
}

install_boot_hooks() {
    mkdir -p "$ROOT$INSTALL_DIR" || return 0
    [ "$(readlink -f "$0")" = "$(readlink -f "$ROOT$INSTALL_DIR/bootstrap.sh")" ] ||
        cp "$0" "$ROOT$INSTALL_DIR/bootstrap.sh"
    chmod 0755 "$ROOT$INSTALL_DIR/bootstrap.sh"
    if [ -d "$ROOT/etc/systemd/system" ]; then
        unit=/etc/systemd/system/libpool-$POOL.service
        cat >"$ROOT$unit" <<EOF
# Installed by libpool: attach pool $POOL before nearly everything starts.
[Unit]
Description=libpool: attach shared library pool $POOL
DefaultDependencies=no
After=systemd-modules-load.service local-fs.target
Before=sysinit.target
ConditionVirtualization=vm

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=$INSTALL_DIR/bootstrap.sh $POOL $MOUNT_PATH
ExecStop=-/bin/sh $MOUNT_PATH/$POOL/.libpool/detach.sh $MOUNT_PATH/$POOL

[Install]
WantedBy=sysinit.target
EOF
        mkdir -p "$ROOT/etc/systemd/system/sysinit.target.wants"
        ln -sf "$unit" "$ROOT/etc/systemd/system/sysinit.target.wants/libpool-$POOL.service"
    fi
    if [ -d "$ROOT/etc/apt/apt.conf.d" ]; then
        # A bind-mounted library cannot be replaced (EBUSY): detach before dpkg, re-attach after
        # (what still matches the pool is attached again, updated files keep the guest's copy).
        cat >"$ROOT/etc/apt/apt.conf.d/80libpool-$POOL" <<EOF
// Installed by libpool for pool $POOL.
DPkg::Pre-Invoke { "if [ -r $MOUNT_PATH/$POOL/.libpool/detach.sh ]; then sh $MOUNT_PATH/$POOL/.libpool/detach.sh $MOUNT_PATH/$POOL || true; fi"; };
DPkg::Post-Invoke { "if [ -r $MOUNT_PATH/$POOL/.libpool/attach.sh ]; then sh $MOUNT_PATH/$POOL/.libpool/attach.sh $MOUNT_PATH/$POOL >/dev/null || true; fi"; };
EOF
    fi
}

swiotlb_noforce() {
    case " $(cat "$ROOT/proc/cmdline" 2>/dev/null) " in *" swiotlb=noforce "*) return 0 ;; esac
    # Bootloader tools act on the running system: only without a root prefix (tests set one).
    if [ -z "$ROOT" ] && command -v grubby >/dev/null 2>&1; then
        grubby --update-kernel=ALL --args=swiotlb=noforce && say "swiotlb=noforce set for the next boot (grubby)"
    elif [ -f "$ROOT/etc/default/grub" ] && { [ -n "$ROOT" ] || command -v update-grub >/dev/null 2>&1; }; then
        grep -q '^GRUB_CMDLINE_LINUX=.*swiotlb=noforce' "$ROOT/etc/default/grub" ||
            sed -i 's/^GRUB_CMDLINE_LINUX="\(.*\)"/GRUB_CMDLINE_LINUX="\1 swiotlb=noforce"/' "$ROOT/etc/default/grub"
        if [ -z "$ROOT" ]; then
            update-grub >/dev/null 2>&1 && say "swiotlb=noforce set for the next boot (/etc/default/grub)"
        fi
    elif [ -f "$ROOT/etc/kernel/cmdline" ]; then
        grep -q 'swiotlb=noforce' "$ROOT/etc/kernel/cmdline" ||
            sed -i '1s/$/ swiotlb=noforce/' "$ROOT/etc/kernel/cmdline"
        say "swiotlb=noforce added to /etc/kernel/cmdline (takes effect with the next kernel install)"
    else
        say "no known bootloader configuration: add swiotlb=noforce to the kernel command line yourself"
    fi
}

main() {
    INSTALL=false
    SWIOTLB=false
    while [ $# -gt 0 ]; do
        case "$1" in
            --install) INSTALL=true ;;
            --swiotlb-noforce) SWIOTLB=true ;;
            -*) say "bootstrap: unknown option $1"; return 0 ;;
            *) break ;;
        esac
        shift
    done
    POOL=${1:-}
    MOUNT_PATH=${2:-/run/libpool}
    MOUNT_PATH=${MOUNT_PATH%/}
    case "$POOL" in
        ""|*[!a-z0-9-]*) say "bootstrap: usage: $0 [--install] [--swiotlb-noforce] POOL [GUEST_MOUNT_PATH]"; return 0 ;;
    esac
    [ "$INSTALL" = true ] && install_boot_hooks
    [ "$SWIOTLB" = true ] && swiotlb_noforce
    target=$MOUNT_PATH/$POOL
    if [ -z "$(mounted_at "$target")" ]; then
        if [ "${LIBPOOL_MODPROBE:-true}" != false ]; then
            for module in virtio_pmem nd_pmem erofs; do
                modprobe -q "$module" 2>/dev/null
            done
        fi
        if ! ls "$DEV_DIR"/pmem* >/dev/null 2>&1; then
            refuse "no /dev/pmem device (is the virtio_pmem module available?)"
            return 0
        fi
        if ! find_and_mount "$target"; then
            refuse "no virtio-pmem device carries pool $POOL (or it does not mount as erofs with dax=always)"
            return 0
        fi
    fi
    if [ ! -r "$target/.libpool/attach.sh" ]; then
        refuse "the pool image has no /.libpool/attach.sh"
        return 0
    fi
    LIBPOOL_RUN_DIR=$RUN_DIR sh "$target/.libpool/attach.sh" "$target"
    return 0
}

main "$@"
exit 0
