#!/bin/sh
# The test guests' workload: real programs that load many shared libraries, use them, and keep running
# so their library pages stay mapped while the host measures. Writes "PID NAME" lines to
# /run/libpool-e2e/pids and prints "LIBPOOL-E2E workload-up NAME ..." when each one is ready.
dir=/run/libpool-e2e
mkdir -p "$dir"
say() { echo "LIBPOOL-E2E $*"; }

# wait_up NAME PID MARKER: the program creates MARKER once its libraries are loaded and used.
wait_up() {
  i=0
  while [ ! -e "$3" ]; do
    if ! kill -0 "$2" 2>/dev/null; then say workload-failed "$1" exited; return 1; fi
    i=$((i + 1))
    if [ "$i" -gt 1800 ]; then say workload-failed "$1" timeout; return 1; fi
    sleep 0.1
  done
  echo "$2 $1" >> "$dir/pids"
  say workload-up "$1" pid="$2" uptime="$(cut -d' ' -f1 /proc/uptime)"
}

if [ -x /usr/bin/python3 ]; then
  python3 /usr/lib/libpool-e2e/workload.py "$dir/up.python3" &
  wait_up python3 $! "$dir/up.python3"
fi
if [ -x /usr/bin/perl ]; then
  perl -MPOSIX -MSocket -MStorable -MData::Dumper -MDigest::SHA -MDigest::MD5 -MList::Util -MEncode \
    -MTime::HiRes -MFcntl -MIO::Socket -MCompress::Raw::Zlib -MCompress::Raw::Bzip2 -MMIME::Base64 \
    -MSys::Hostname -MFile::Glob -MHash::Util -MIPC::SysV -MI18N::Langinfo -MTime::Piece -MUnicode::Normalize \
    -e 'Digest::SHA::sha256_hex("x" x 100000); Encode::encode("UTF-8", "\x{e9}" x 1000);
        Storable::freeze([1 .. 1000]); Compress::Raw::Zlib::crc32("x" x 100000); Unicode::Normalize::NFD("\x{e9}");
        open(my $up, ">", $ARGV[0]) or die; close $up; sleep 3600 while 1;' "$dir/up.perl" &
  wait_up perl $! "$dir/up.perl"
fi
if [ -x /usr/bin/gdb ]; then
  gdb -q -nx -batch -ex "python open('$dir/up.gdb', 'w').close()" \
    -ex "python import time; time.sleep(10 ** 9)" &
  wait_up gdb $! "$dir/up.gdb"
fi
if [ -x /usr/bin/lli-14 ]; then
  # LLVM's JIT: initialising and compiling touches a large part of the 110 MB libLLVM.
  lli-14 /usr/lib/libpool-e2e/wait.ll "$dir/up.lli" &
  wait_up lli-14 $! "$dir/up.lli"
fi
if [ -x /usr/bin/qemu-system-x86_64 ]; then
  # -daemonize returns once QEMU is initialised, with every library loaded.
  if qemu-system-x86_64 -machine none -nodefaults -display none -S -daemonize -pidfile "$dir/qemu.pid"; then
    wait_up qemu-system-x86_64 "$(cat "$dir/qemu.pid")" "$dir/qemu.pid"
  else
    say workload-failed qemu-system-x86_64 exited
  fi
fi
