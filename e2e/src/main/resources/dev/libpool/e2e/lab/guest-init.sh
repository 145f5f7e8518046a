#!/bin/sh
# PID 1 of the libpool test guests (after the initramfs): attach the pool FIRST, then start the
# workload, then print machine-readable "LIBPOOL-E2E ..." lines on the serial console for the host.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/pts /dev/shm /run/libpool-e2e
exec > /dev/console 2>&1 < /dev/null

say() { echo "LIBPOOL-E2E $*"; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
prefixed() { sed "s|^|LIBPOOL-E2E $1 |"; }

# The pool to attach comes from the kernel command line (libpool_e2e.pool=NAME, "none" for own disk).
pool=$(sed -n 's/.*libpool_e2e.pool=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
say phase attach pool="$pool" uptime="$(uptime_s)"
if [ -x /usr/local/sbin/libpool-bootstrap ]; then
  /usr/local/sbin/libpool-bootstrap "$pool"
  say attach-exit "$?" uptime="$(uptime_s)"
else
  say attach-exit missing uptime="$(uptime_s)"
fi
[ -f /run/libpool/report.json ] && prefixed report < /run/libpool/report.json
# The host powers guests off without a shutdown (virsh destroy): what attach wrote to disk (its
# verified-files cache) must be there for the second boot.
sync

say phase workload uptime="$(uptime_s)"
/usr/lib/libpool-e2e/workload.sh

say phase inspect uptime="$(uptime_s)"
grep -m 1 ' - erofs ' /proc/self/mountinfo | prefixed mountinfo
# The pool's own mount (the first erofs line; the bind mounts over the guest's files follow it).
awk '$3 == "erofs" { print; exit }' /proc/mounts | prefixed mount
dmesg | grep -i -E 'erofs|dax|pmem|swiotlb' | prefixed dmesg
files=/run/libpool-e2e/mapped-files
: > "$files"
while read -r pid name; do
  awk -v pid="$pid" -v name="$name" '$6 ~ /\.so/ && !seen[$6]++ { print pid, name, $4, $5, $6 }' "/proc/$pid/maps" \
    | prefixed map
  awk '$6 ~ /\.so/ { print $6 }' "/proc/$pid/maps" >> "$files"
  # Resident library pages of the process (KiB per file); DAX mappings show 0 here, the host counts them.
  awk -v pid="$pid" '/^[0-9a-f]+-[0-9a-f]+ / { f = ($6 ~ /\.so/) ? $6 : "" }
    /^Rss:/ && f != "" { rss[f] += $2 } END { for (f in rss) print pid, rss[f], f }' "/proc/$pid/smaps" | prefixed rss
done < /run/libpool-e2e/pids
# Page cache the mapped libraries hold in this guest (own disk: their bytes; pool: DAX, none).
sort -u "$files" | xargs -r fincore -b -n -r -o RES,SIZE,FILE 2>/dev/null | prefixed cache
grep -E '^(MemTotal|MemFree|MemAvailable|Cached|Shmem|AnonPages):' /proc/meminfo | tr -s ' ' | prefixed meminfo

# A guest must not be able to change the pool for the others: write over the start of the pool device.
pool_dev=$(awk '$3 == "erofs" { print $1; exit }' /proc/mounts)
if [ -b "$pool_dev" ]; then
  before=$(dd if="$pool_dev" bs=4096 count=256 2>/dev/null | sha256sum | cut -d' ' -f1)
  dd if=/dev/urandom of="$pool_dev" bs=4096 count=256 conv=fsync 2>/dev/null
  written=$?
  echo 3 > /proc/sys/vm/drop_caches
  after=$(dd if="$pool_dev" bs=4096 count=256 2>/dev/null | sha256sum | cut -d' ' -f1)
  say pool-write device="$pool_dev" dd-exit="$written" before="$before" after="$after"
fi
say ready uptime="$(uptime_s)"
while :; do sleep 3600; done
