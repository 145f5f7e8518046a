#!/bin/sh
# The Debian test guest's probe (libpool-e2e-probe.service, after cloud-final on every boot): prints
# what the host checks as "LIBPOOL-DISTRO <boot> <key> <value>" lines on the second serial port, so the
# systemd/kernel console cannot interleave with them. Boot 1 (cloud-init's first boot) reports and
# reboots; boot 2 reports, then reinstalls and upgrades a substituted library's package through apt
# (the libpool apt hook detaches and re-attaches around dpkg), detaches and powers off.
# The pool name comes from the kernel command line (libpool_e2e.pool=NAME), the packages from
# /usr/lib/libpool-e2e/debs/{reinstall,upgrade}.deb, the library they hold from .../debs/library.

exec >/dev/ttyS1 2>&1
STATE=/var/lib/libpool-e2e
mkdir -p "$STATE"
BOOT=$(( $(cat "$STATE/boots" 2>/dev/null || echo 0) + 1 ))
echo "$BOOT" >"$STATE/boots"
sync
POOL=$(sed -n 's/.*libpool_e2e\.pool=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
MNT=/run/libpool/$POOL
DEBS=/usr/lib/libpool-e2e/debs

p() { echo "LIBPOOL-DISTRO $BOOT $*"; }

one_line() { tr -d '\n' <"$1" 2>/dev/null; }

# The pool's device as mountinfo ("259:0") and as /proc/PID/maps print it ("103:00").
POOLDEV=$(awk -v m="$MNT" '$5 == m { print $3 }' /proc/self/mountinfo | head -n 1)
MAPSDEV=$(echo "$POOLDEV" | awk -F: '$0 != "" { printf "%02x:%02x", $1, $2 }')

bind_mounts() { # of the pool: same device, another mount point
    awk -v d="$POOLDEV" -v m="$MNT" 'd != "" && $3 == d && $5 != m' /proc/self/mountinfo | wc -l
}

is_bound() { # path
    awk -v d="$POOLDEV" -v t="$1" '$3 == d && $5 == t { f = 1 } END { print f ? "yes" : "no" }' /proc/self/mountinfo
}

facts() { # label
    p "$1-report" "$(one_line /run/libpool/report.json)"
    p "$1-bind-mounts" "$(bind_mounts)"
    p "$1-library-bound" "$(is_bound "$LIBRARY")"
    p "$1-library-sha256" "$(sha256sum "$LIBRARY" | cut -d' ' -f1)"
}

apt_step() { # label apt-get arguments...
    label=$1
    shift
    out=$(DEBIAN_FRONTEND=noninteractive apt-get -y -q "$@" 2>&1)
    p "$label-rc" "$?"
    p "$label-busy" "$(echo "$out" | grep -ci 'busy')"
    echo "$out" | tail -n 8 | sed "s/^/LIBPOOL-DISTRO $BOOT $label-out /"
    p "$label-audit" "$(dpkg --audit 2>&1 | wc -l)"
    facts "$label"
}

p start "$(uname -r)"
LIBRARY=$(readlink -f "$(cat $DEBS/library 2>/dev/null)")
p pool "$POOL"
p pool-dev "$POOLDEV $MAPSDEV"
p cloud-init "$(cloud-init status 2>&1 | tr '\n' ' ')"
p unit-file "$([ -f /etc/systemd/system/libpool-$POOL.service ] && echo present || echo absent)"
p unit-enabled "$(systemctl is-enabled libpool-$POOL.service 2>&1)"
p unit-active "$(systemctl is-active libpool-$POOL.service 2>&1)"
p apt-hook "$([ -f /etc/apt/apt.conf.d/80libpool-$POOL ] && echo present || echo absent)"
for unit in libpool-$POOL.service sysinit.target systemd-journald.service ssh.service; do
    p active-at "$unit $(systemctl show -p ActiveEnterTimestampMonotonic --value "$unit")"
done
for program in systemd-journald sshd; do
    pid=$(pidof -s "$program")
    [ -n "$pid" ] || { p no-process "$program"; continue; }
    awk '$6 ~ /\.so/ { print $4, $6 }' "/proc/$pid/maps" | sort -u | while read -r dev path; do
        p map "$program $dev $path"
    done
done
facts boot
p uptime "$(cut -d' ' -f1 /proc/uptime)"
p mem "$(awk '/^(MemTotal|MemAvailable|Cached|Shmem):/ { printf "%s%s ", $1, $2 }' /proc/meminfo)"

if [ "$BOOT" = 1 ]; then
    p rebooting
    sync
    systemctl reboot
    exit 0
fi
apt_step reinstall install --reinstall "$DEBS/reinstall.deb"
apt_step upgrade install "$DEBS/upgrade.deb"
p upgrade-version "$(dpkg-query -W -f='${Version}' "$(cat $DEBS/package)")"
sh "$MNT/.libpool/detach.sh" "$MNT" >/dev/null 2>&1
p detach-rc "$?"
facts detach
p pool-mounted "$(awk -v m="$MNT" '$5 == m { f = 1 } END { print f ? "yes" : "no" }' /proc/self/mountinfo)"
p done
sync
systemctl poweroff
