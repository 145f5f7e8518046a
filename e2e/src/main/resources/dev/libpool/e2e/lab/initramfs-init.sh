#!/bin/busybox sh
# First userspace of the libpool test guests: load the modules the root disk and the pool need,
# then switch to the root disk (/dev/vda, ext4) and run its /sbin/libpool-e2e-init.
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "LIBPOOL-E2E phase initramfs uptime=$(cut -d' ' -f1 /proc/uptime)"
while read -r module; do
  insmod "/lib/modules/$module" || echo "LIBPOOL-E2E insmod-failed $module"
done < /lib/modules/load-order
i=0
while [ ! -b /dev/vda ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 /dev/vda /newroot; then
  echo "LIBPOOL-E2E fatal cannot mount the root disk /dev/vda"
  echo b > /proc/sysrq-trigger
fi
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot /sbin/libpool-e2e-init
