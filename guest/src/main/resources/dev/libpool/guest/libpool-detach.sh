#!/bin/sh
# libpool detach: undo attach.sh's bind mounts, e.g. around package operations (POSIX sh).
#
#   detach.sh [MOUNT_DIR]        (default: the directory this script's .libpool/ lives in)
#   detach.sh --all              every pool recorded in $LIBPOOL_RUN_DIR
#
# Unmounts every bind mount recorded in $LIBPOOL_RUN_DIR/<pool>.mounts; a file still mapped by a
# running program is detached lazily (umount -l): the program keeps its mapping, new opens see the
# guest's own file again, and the package manager can replace it. The pool itself stays mounted,
# so attach.sh re-attaches whatever still matches afterwards.
# Exit status: 0 = every recorded mount is gone; 1 = some could not be unmounted; 2 = usage error.
# Environment: LIBPOOL_ROOT, LIBPOOL_RUN_DIR as for attach.sh.

set -u

ROOT=${LIBPOOL_ROOT:-}
RUN_DIR=${LIBPOOL_RUN_DIR:-$ROOT/run/libpool}
NL='
'

detach_record() { # record file
    pool=$(basename "$1" .mounts)
    unmounted=0
    failed=0
    mounted="$NL$(awk '{ print $5 }' /proc/self/mountinfo)$NL"
    # Last mounted first, so stacked mounts (never made by attach.sh, but cheap to respect) unwind.
    while read -r target <&3; do
        [ -n "$target" ] || continue
        case "$mounted" in *"$NL$target$NL"*) ;; *) continue ;; esac
        if umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null; then
            unmounted=$((unmounted + 1))
            # One mount fewer there: a target recorded twice (older attach.sh) is not unmounted twice.
            mounted="${mounted%%"$NL$target$NL"*}$NL${mounted#*"$NL$target$NL"}"
        else
            failed=$((failed + 1))
            echo "libpool: cannot unmount $target" >&2
        fi
    done 3<<EOF
$(sed -n '1!G;h;$p' "$1")
EOF
    if [ "$failed" -eq 0 ]; then
        rm -f "$1"
        status=detached
    else
        status=partial
    fi
    printf '{"pool": "%s", "status": "%s", "unmounted": %s, "failed": %s}\n' \
        "$pool" "$status" "$unmounted" "$failed" >"$RUN_DIR/$pool.report.json"
    cp "$RUN_DIR/$pool.report.json" "$RUN_DIR/report.json"
    echo "libpool: pool $pool detached: $unmounted bind mounts removed, $failed failed"
    [ "$failed" -eq 0 ]
}

if [ $# -gt 1 ]; then
    echo "usage: $0 [MOUNT_DIR | --all]" >&2
    exit 2
fi
status=0
if [ "${1:-}" = --all ]; then
    for record in "$RUN_DIR"/*.mounts; do
        [ -f "$record" ] || continue
        detach_record "$record" || status=1
    done
    exit $status
fi
if [ $# -eq 1 ]; then
    MNT=${1%/}
else
    MNT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
fi
POOL=$(sed -n 's/.*"pool"[[:space:]]*:[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' "$MNT/.libpool/manifest.json" 2>/dev/null | head -n 1)
[ -n "$POOL" ] || POOL=$(basename "$MNT")
if [ ! -f "$RUN_DIR/$POOL.mounts" ]; then
    echo "libpool: pool $POOL has no bind mounts recorded in $RUN_DIR"
    exit 0
fi
detach_record "$RUN_DIR/$POOL.mounts"
