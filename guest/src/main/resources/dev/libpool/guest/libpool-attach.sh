#!/bin/sh
# libpool attach: serve the guest's shared libraries from the pool (POSIX sh; busybox ash or bash).
#
# Shipped inside every pool image as /.libpool/attach.sh and run by the bootstrap once the image is
# mounted read-only with dax=always:
#
#   attach.sh [MOUNT_DIR]        (default: the directory this script's .libpool/ lives in)
#
# For every /.libpool/manifest.tsv entry ("<sha256>\t<size>\t/<path>") whose guest file is a regular
# file with the same size and sha256 (read once, then remembered until the file changes: section 3),
# the pool file is bind-mounted read-only over it; processes started afterwards map those pages
# straight from the host's single copy. Anything different is
# left alone and counted by reason. Running it again only adds what is not attached yet.
#
# Fail safe: not mounted, DAX off, or a missing/corrupt manifest => nothing is mounted, the guest
# keeps its own files, and the report says why.
#
# Exit status: 0 = DAX verified and the manifest processed (even if nothing matched);
#              1 = refused, nothing mounted (reason in the report); 2 = usage error.
# Output: $LIBPOOL_RUN_DIR/report.json (also <pool>.report.json), one summary line on stdout and on
# the console; <pool>.mounts lists the bind mounts made (read by detach.sh).
#
# Environment (tests point these at a temporary tree):
#   LIBPOOL_ROOT     prefix of the guest root whose files are replaced (default: empty = /)
#   LIBPOOL_RUN_DIR  where reports and mount records go (default: $LIBPOOL_ROOT/run/libpool)
#   LIBPOOL_MOUNTS   mount table used to verify DAX (default: /proc/mounts)
#   LIBPOOL_CACHE_DIR root-only directory of the verified-files cache
#                    (default: $LIBPOOL_ROOT/var/lib/libpool/verified)
#   LIBPOOL_CONSOLE  where the summary line goes besides stdout (default: /dev/kmsg, else
#                    /dev/console, when writable)

set -u

ROOT=${LIBPOOL_ROOT:-}
RUN_DIR=${LIBPOOL_RUN_DIR:-$ROOT/run/libpool}
MOUNTS=${LIBPOOL_MOUNTS:-/proc/mounts}
TAB=$(printf '\t')
EXAMPLES_PER_REASON=5

if [ $# -gt 1 ]; then
    echo "usage: $0 [MOUNT_DIR]" >&2
    exit 2
fi
if [ $# -eq 1 ]; then
    MNT=$1
else
    MNT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
fi
MNT=${MNT%/}
META=$MNT/.libpool

json_string() {
    # A JSON string literal of $1 (escapes backslash, quote and control characters).
    printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' | tr -d '\000-\037')"
}

pool_name() {
    name=$(sed -n 's/.*"pool"[[:space:]]*:[[:space:]]*"\([a-z0-9-]*\)".*/\1/p' "$META/manifest.json" 2>/dev/null | head -n 1)
    [ -n "$name" ] || name=$(basename "$MNT")
    printf '%s' "$name"
}

console() {
    echo "$1"
    target=${LIBPOOL_CONSOLE:-}
    if [ -z "$target" ]; then
        if [ -w /dev/kmsg ]; then target=/dev/kmsg; elif [ -w /dev/console ]; then target=/dev/console; fi
    fi
    [ -n "$target" ] && [ "$target" != /dev/stdout ] && { echo "$1" >"$target"; } 2>/dev/null
    return 0
}

# --- counters per skip reason (plain variables: POSIX sh has no arrays) -----------------------
# The loop below runs once per library, often under emulation: it avoids starting processes where
# the shell itself can do the work.
REASONS="missing not-regular size sha256 already-attached mountpoint pool-mismatch mount-failed record-failed unsafe-name outside-library-dirs symlink-escape"
NL='
'

var_of() { # reason -> variable-name suffix ("not-regular" -> "not_regular"), without a subprocess
    v=
    rest=$1
    while [ -n "$rest" ]; do
        case "$rest" in
            -*) v="${v}_" ;;
            *) v="$v${rest%"${rest#?}"}" ;;
        esac
        rest=${rest#?}
    done
}

for r in $REASONS; do
    var_of "$r"
    eval "count_$v=0; examples_$v="
done

skip() { # reason path
    var_of "$1"
    eval "n=\$count_$v"
    n=$((n + 1))
    eval "count_$v=$n"
    if [ "$n" -le "$EXAMPLES_PER_REASON" ]; then
        eval "examples_$v=\"\${examples_$v}\${examples_$v:+,}\$(json_string \"\$2\")\""
    fi
}

write_report() { # status reason
    mkdir -p "$RUN_DIR" || return 0
    tmp=$RUN_DIR/.report.$$
    {
        printf '{\n  "pool": %s,\n  "mount": %s,\n  "status": %s,\n  "reason": %s,\n' \
            "$(json_string "$POOL")" "$(json_string "$MNT")" "$(json_string "$1")" "$(json_string "$2")"
        printf '  "dax": %s,\n  "manifestEntries": %s,\n' "$DAX" "$ENTRIES"
        printf '  "substituted": {"files": %s, "bytes": %s},\n' "$SUB_FILES" "$SUB_BYTES"
        printf '  "attached": {"files": %s, "bytes": %s},\n' "$ATT_FILES" "$ATT_BYTES"
        printf '  "verified": {"fromCache": %s, "compared": %s, "comparedBytes": %s, "cache": %s},\n' \
            "$CACHED" "$COMPARED" "$COMPARED_BYTES" "$(json_string "$CACHE_STATE")"
        read -r up_now _ </proc/uptime 2>/dev/null || up_now=$UP_START
        printf '  "seconds": %s,\n' "$(awk -v a="$UP_START" -v b="$up_now" 'BEGIN { printf "%.2f", b - a }')"
        printf '  "skipped": {'
        sep=
        for r in $REASONS; do
            var_of "$r"
            eval "n=\$count_$v; ex=\$examples_$v"
            printf '%s\n    "%s": {"count": %s, "examples": [%s]}' "$sep" "$r" "$n" "$ex"
            sep=,
        done
        printf '\n  }\n}\n'
    } >"$tmp" && cp "$tmp" "$RUN_DIR/$POOL.report.json" && mv "$tmp" "$RUN_DIR/report.json"
}

read -r UP_START _ </proc/uptime 2>/dev/null || UP_START=0
POOL=$(pool_name)
CACHED=0          # files verified from the cache, without reading them (section 3)
COMPARED=0        # files verified by reading (hashing) them
COMPARED_BYTES=0
CACHE_STATE=unused
DAX=false
ENTRIES=0
SUB_FILES=0
SUB_BYTES=0
ATT_FILES=0
ATT_BYTES=0

refuse() { # reason
    write_report refused "$1"
    console "libpool: pool $POOL not attached: $1; the guest keeps its own libraries"
    exit 1
}

# --- 1. the pool must be mounted here, read-only, with DAX really on ---------------------------
mount_options=$(awk -v m="$MNT" '$2 == m { o = $4 } END { print o }' "$MOUNTS" 2>/dev/null)
[ -n "$mount_options" ] || refuse "$MNT is not a mount point"
case ",$mount_options," in
    *,dax=always,*) DAX=true ;;
    *) # erofs drops dax=always from its options when the device cannot do DAX; dmesg says so too
        device=$(awk -v m="$MNT" '$2 == m { d = $1 } END { print d }' "$MOUNTS")
        if dmesg 2>/dev/null | grep -q "erofs.*(device ${device#/dev/}).*DAX enabled"; then DAX=true; fi ;;
esac
[ "$DAX" = true ] || refuse "DAX is not active on $MNT (mount options: $mount_options)"
case ",$mount_options," in
    *,ro,*) ;;
    *) refuse "$MNT is not mounted read-only" ;;
esac

# --- 2. the manifest must be complete and well-formed before anything is mounted ---------------
MANIFEST=$META/manifest.tsv
[ -r "$MANIFEST" ] || refuse "manifest $MANIFEST is missing"
# A path holding a tab or newline breaks its line into fields or lines that fail here: the whole manifest is
# refused. What a well-formed line names is checked entry by entry below (entry_problem).
bad=$(awk -F '\t' '
    NF != 3 || length($1) != 64 || $1 !~ /^[0-9a-f]+$/ || $2 !~ /^[0-9]+$/ || length($2) > 15 ||
    $3 !~ /^\// { print NR; exit }
    END { if (NR == 0) print "empty" }' "$MANIFEST")
[ -z "$bad" ] || refuse "manifest $MANIFEST is corrupt (line $bad)"

# --- untrusted manifest entries ----------------------------------------------------------------
# The manifest is data from outside the guest: a path is only used when it is made of the portable
# characters, has no empty, . or .. segment, lies in a library directory, and still does after the
# guest's own symlinks are resolved. The node daemon applies the same rule (GuestPaths.java).
LIBRARY_DIRS="/lib /lib32 /lib64 /libx32 /usr/lib /usr/lib32 /usr/lib64 /usr/libx32 /usr/local/lib /usr/local/lib64 /opt"
# Spelled out, not as ranges: a range such as A-Z follows the locale's collation in some shells.
PATH_CHARS='abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._+@%,:=~-'

in_library_dir() { # absolute path (guest-relative)
    for d in $LIBRARY_DIRS; do
        case "$1" in "$d"/?*) return 0 ;; esac
    done
    return 1
}

entry_problem() { # path -> sets $problem to a skip reason, or empty
    problem=
    case "$1" in
        *[!$PATH_CHARS]*) problem=unsafe-name; return ;;
        */|*//*|*/./*|*/.|*/../*|*/..) problem=unsafe-name; return ;;
    esac
    in_library_dir "$1" || problem=outside-library-dirs
}

# The guest root as the kernel sees it, so that canonical targets can be checked against it.
CANONICAL_ROOT=$(cd "$ROOT/" && pwd -P) || refuse "guest root $ROOT/ is not accessible"
CANONICAL_ROOT=${CANONICAL_ROOT%/}
CANONICAL_MNT=$(cd "$MNT" && pwd -P) || refuse "cannot enter $MNT"

# --- tools: without them nothing can be verified or undone, so nothing is mounted ---------------
for tool in sha256sum mount umount awk; do
    command -v "$tool" >/dev/null 2>&1 ||
        refuse "$tool is missing in this guest: install it (coreutils, util-linux or busybox) to attach the pool"
done


# --- 3. verify: is the guest's file the pool's file? (cheap on every boot) ----------------------
# A file is proven identical once, by reading it: the sha256 of the guest copy (O_DIRECT, so the copies
# the pool replaces never enter guest page cache) against the manifest's, which the node daemon hashed.
# The pool file itself is never read: every page read through DAX becomes resident on the host, and a
# PageCache pool would hold the whole image instead of what programs touch. The proof is remembered in
# $CACHE_DIR/<pool>.tsv, keyed by the manifest's sha256 and the guest file's device, inode, size, mtime
# and ctime (nanoseconds): any write, rename, chmod or replacement changes ctime, which no user can set. Only root can write the cache: a cache
# whose directory or file another user could write is ignored (and never written). A file changed
# within a second of being verified is not remembered (timestamps are coarser than a write).
CACHE_DIR=${LIBPOOL_CACHE_DIR:-$ROOT/var/lib/libpool/verified}
VERIFIED=     # "<sha256>\t<key>\t<path>" lines proven this run: the next cache

verify_trusted() { # path: owned by root, writable by nobody else
    case "$(stat -c '%u %a' "$1" 2>/dev/null)" in
        "0 "[0-7][0-5][0-5] | "0 "[0-7][0-5] | "0 "[0-7]) return 0 ;;
        *) return 1 ;;
    esac
}

verify_load() { # manifest: the cache, if it can be trusted
    (umask 077 && mkdir -p "$CACHE_DIR") 2>/dev/null
    CACHE_FILE=$CACHE_DIR/$POOL.tsv
    CACHE=$NL
    if ! verify_trusted "$CACHE_DIR" || ! verify_trusted "${CACHE_DIR%/*}"; then
        CACHE_STATE="ignored: $CACHE_DIR is missing or writable by a user other than root"
    elif [ -e "$CACHE_FILE" ] && { [ -L "$CACHE_FILE" ] || ! verify_trusted "$CACHE_FILE"; }; then
        CACHE_STATE="ignored: $CACHE_FILE is writable by a user other than root"
    else
        CACHE_STATE=written
        [ -f "$CACHE_FILE" ] && CACHE="$NL$(cat "$CACHE_FILE")$NL"
    fi
    NOW=$(date +%s)
}

verify_plan() { # manifest -> on stdout, per entry: its 3 fields, size ctime key of the guest file, size of the pool file
    # One stat process for all files (a process start costs tens of ms under emulation), joined to the
    # manifest by awk: shell pattern removal on a long string is quadratic. Missing files only print to
    # stderr; names the command line cannot hold leave "-", and verify_stat asks for them one by one.
    # Nothing is written to a file: a full /run must not turn into an empty plan.
    old_ifs=$IFS
    IFS=$NL
    set -f
    stat -c "%n$TAB%s$TAB%Z$TAB%d:%i:%s:%y:%z" \
        $(awk -F '\t' -v r="$ROOT" -v m="$MNT" '{ print r $3; print m $3 }' "$1") 2>/dev/null |
        awk -F '\t' -v OFS='\t' -v r="$ROOT" -v m="$MNT" -v manifest="$1" '
            { st[$1] = $2 OFS $3 OFS $4 }
            END {
                while ((getline line < manifest) > 0) {
                    split(line, f, "\t")
                    g = (r f[3]) in st ? st[r f[3]] : "-" OFS "-" OFS "-"
                    p = (m f[3]) in st ? st[m f[3]] : "-" OFS "-" OFS "-"
                    split(p, pf, OFS)
                    print f[1], f[2], f[3], g, pf[1]
                }
            }'
    set +f
    IFS=$old_ifs
}

verify_stat() { # file -> $st_size $st_ctime $st_key, for a file the joined stat missed
    st=$(stat -c "%s$TAB%Z$TAB%d:%i:%s:%y:%z" "$1" 2>/dev/null)
    st_size=${st%%"$TAB"*}
    st=${st#*"$TAB"}
    st_ctime=${st%%"$TAB"*}
    st_key=${st#*"$TAB"}
}

verify() { # path guest sha size [size ctime key of the guest file] -> 0 same, 1 size differs, 2 content differs
    if [ "${5:--}" = - ]; then verify_stat "$2"; else st_size=$5 st_ctime=$6 st_key=$7; fi
    [ "$st_size" = "$4" ] || return 1
    entry="$3$TAB$st_key$TAB$1"
    case "$CACHE" in
        *"$NL$entry$NL"*) CACHED=$((CACHED + 1)); VERIFIED="$VERIFIED$entry$NL"; return 0 ;;
    esac
    COMPARED=$((COMPARED + 1)); COMPARED_BYTES=$((COMPARED_BYTES + $4))
    # A mismatch is re-checked with a plain read, for filesystems without O_DIRECT.
    actual=$(dd if="$2" bs=1M iflag=direct 2>/dev/null | sha256sum 2>/dev/null)
    [ "${actual%% *}" = "$3" ] || actual=$(sha256sum <"$2" 2>/dev/null)
    [ "${actual%% *}" = "$3" ] || return 2
    [ "$st_ctime" -lt $((NOW - 1)) ] 2>/dev/null && VERIFIED="$VERIFIED$entry$NL"
    return 0
}

verify_save() { # replaces the cache with what this run proved (entries of vanished files drop out)
    [ "$CACHE_STATE" = written ] || return 0
    tmp=$CACHE_FILE.$$
    if (umask 077 && printf '%s' "$VERIFIED" >"$tmp") && mv "$tmp" "$CACHE_FILE"; then
        return 0
    fi
    rm -f "$tmp"
    CACHE_STATE="not written: $CACHE_DIR"
}

# --- 4. substitute what matches: one mount process for all files ------------------------------
mkdir -p "$RUN_DIR" || refuse "cannot create $RUN_DIR"
RECORD=$RUN_DIR/$POOL.mounts
# Every bind mount is recorded (detach.sh undoes what is recorded): no record, no mount.
: >>"$RECORD" || refuse "cannot write $RECORD ($RUN_DIR is full or read-only)"
# Newline-framed lists, searched with case patterns instead of one grep per library.
MOUNTED="$NL$(awk '{ print $5 }' /proc/self/mountinfo)$NL"
RECORDED="$NL$(cat "$RECORD")$NL"
LAST_DIR=
LAST_CANONICAL=
QUEUED=       # "<size>\t<pool file>\t<target>" lines to bind-mount
FSTAB=$RUN_DIR/.$POOL.fstab.$$
: >"$FSTAB" || refuse "cannot write $FSTAB"
LAST_POOL_DIR=
LAST_POOL_CANONICAL=

spell() { # $1 as fstab and mountinfo write it (octal escapes for space, tab, backslash) -> $spelled
    case "$1" in
        *[\ \\]* | *"$TAB"*) spelled=$(printf '%s' "$1" | sed -e 's/\\/\\134/g' -e 's/ /\\040/g' -e 's/	/\\011/g') ;;
        *) spelled=$1 ;;
    esac
}

verify_load "$MANIFEST"
PLAN=$(verify_plan "$MANIFEST")
while IFS=$TAB read -r sha size path g_size g_ctime g_key p_size <&3; do
    [ -n "$sha" ] || continue
    ENTRIES=$((ENTRIES + 1))
    entry_problem "$path"
    if [ -n "$problem" ]; then skip "$problem" "$path"; continue; fi
    guest=$ROOT$path
    if [ -L "$guest" ]; then skip not-regular "$path"; continue; fi
    if [ ! -e "$guest" ]; then skip missing "$path"; continue; fi
    if [ ! -f "$guest" ]; then skip not-regular "$path"; continue; fi
    # Canonical target: /lib -> usr/lib style links would otherwise hide an existing mount.
    # Consecutive entries mostly share a directory, resolved once (the file itself is no link).
    dir=${guest%/*}
    if [ "$dir" != "$LAST_DIR" ]; then
        LAST_DIR=$dir
        LAST_CANONICAL=$(cd "$dir" && pwd -P)
    fi
    target=$LAST_CANONICAL/${guest##*/}
    # A guest symlink in the directory path may only lead to another library directory (merged /usr).
    case "$target" in "$CANONICAL_ROOT"/*) in_library_dir "${target#"$CANONICAL_ROOT"}" && escaped=false || escaped=true ;;
        *) escaped=true ;; esac
    if [ "$escaped" = true ] || [ -z "$LAST_CANONICAL" ]; then skip symlink-escape "$path"; continue; fi
    spell "$target"
    case "$MOUNTED" in *"$NL$spelled$NL"*) mounted=true ;; *) mounted=false ;; esac
    if [ "$mounted" = true ]; then
        case "$RECORDED" in *"$NL$target$NL"*) ours=true ;; *) ours=false ;; esac
        if [ "$ours" = true ]; then
            skip already-attached "$path"
            ATT_FILES=$((ATT_FILES + 1)); ATT_BYTES=$((ATT_BYTES + size))
        else
            skip mountpoint "$path"
        fi
        continue
    fi
    # The pool side is read-only and hashed by the node daemon; a size check catches a torn image.
    pool_file=$MNT$path
    [ "$p_size" != - ] || { verify_stat "$pool_file"; p_size=$st_size; }
    # The image's own directories must not be links either (the source of the bind mount stays in the pool).
    if [ "${path%/*}" != "$LAST_POOL_DIR" ]; then
        LAST_POOL_DIR=${path%/*}
        LAST_POOL_CANONICAL=$(cd "${pool_file%/*}" 2>/dev/null && pwd -P)
    fi
    if [ "$LAST_POOL_CANONICAL" != "$CANONICAL_MNT$LAST_POOL_DIR" ] || [ -L "$pool_file" ] || [ ! -f "$pool_file" ] ||
        [ "$p_size" != "$size" ]; then
        skip pool-mismatch "$path"; continue
    fi
    verify "$path" "$guest" "$sha" "$size" "$g_size" "$g_ctime" "$g_key"
    case $? in
        1) skip size "$path"; continue ;;
        2) skip sha256 "$path"; continue ;;
    esac
    target_spelled=$spelled
    spell "$pool_file"
    printf '%s %s none bind,ro 0 0\n' "$spelled" "$target_spelled" >>"$FSTAB"
    QUEUED="$QUEUED$size$TAB$pool_file$TAB$target$NL"
    MOUNTED="$MOUNTED$target_spelled$NL"
done 3<<PLAN
$PLAN
PLAN

# Bind-mount every queued file read-only in one mount(8) run; then each one is looked up in the mount
# table, and one that is missing or not read-only (a mount(8) that ignores ro for binds) is redone alone.
[ -z "$QUEUED" ] || mount -a -T "$FSTAB" </dev/null >/dev/null 2>&1
rm -f "$FSTAB"
MOUNT_RO="$NL$(awk '{ split($6, o, ","); if (o[1] == "ro") print $5 }' /proc/self/mountinfo)$NL"
while IFS=$TAB read -r size pool_file target <&3; do
    [ -n "$target" ] || continue
    spell "$target"
    case "$MOUNT_RO" in
        *"$NL$spelled$NL"*) ;;
        *)
            case "$NL$(awk '{ print $5 }' /proc/self/mountinfo)$NL" in
                *"$NL$spelled$NL"*) ;;
                *) mount --bind "$pool_file" "$target" </dev/null 2>/dev/null ;;
            esac
            if ! mount -o remount,bind,ro "$target" </dev/null 2>/dev/null; then
                umount "$target" 2>/dev/null
                skip mount-failed "${target#"$ROOT"}"; continue
            fi ;;
    esac
    # Every bind mount is recorded (detach.sh undoes what is recorded): what cannot be recorded is undone. A
    # target unmounted by hand since it was recorded is mounted again under the same record line.
    case "$RECORDED" in *"$NL$target$NL"*) recorded=true ;; *) recorded=false ;; esac
    if [ "$recorded" = false ] && ! { echo "$target" >>"$RECORD"; } 2>/dev/null; then
        umount "$target" 2>/dev/null
        skip record-failed "${target#"$ROOT"}"; continue
    fi
    RECORDED="$RECORDED$target$NL"
    SUB_FILES=$((SUB_FILES + 1)); SUB_BYTES=$((SUB_BYTES + size))
    ATT_FILES=$((ATT_FILES + 1)); ATT_BYTES=$((ATT_BYTES + size))
done 3<<QUEUE
$QUEUED
QUEUE
verify_save

write_report attached ""
skipped=
for r in $REASONS; do
    var_of "$r"
    eval "n=\$count_$v"
    [ "$n" -gt 0 ] && skipped="$skipped${skipped:+, }$r $n"
done
console "libpool: pool $POOL attached (dax): $ATT_FILES files, $((ATT_BYTES / 1048576)) MiB from the pool ($SUB_FILES new; verified $CACHED from cache, $COMPARED read), skipped: ${skipped:-none}"
exit 0
