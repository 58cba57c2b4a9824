#!/bin/bash
# guest-serve-tcmu.sh DIR — runs INSIDE the VM (see vm-e2e.sh). DIR holds the image and is shared
# read-write with the host. Writes disk-final.sha there and prints GUEST PASSED.
set -euo pipefail
D="$1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OBD="$ROOT/obd"
CFS=/sys/kernel/config/target
NAME=obdj0
step() { echo "=== $* ($(cut -d' ' -f1 /proc/uptime)s)"; }
fail() { echo "FAIL: $*"; dmesg | tail -30; for f in "$D"/serve*.err; do echo "--- $f"; tail -20 "$f"; done; exit 1; }
await_disk() { # await_disk OUTFILE PID -> prints /dev/sdX
  for i in $(seq 1 1800); do
    if [ -s "$1" ]; then head -1 "$1"; return 0; fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

step "modules"
for m in configfs target_core_user tcm_loop sd_mod; do [ -d /sys/module/$m ] || modprobe $m; done
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config

step "obd serve-tcmu --name $NAME --config config.v1.json"
cd "$D"
"$OBD" serve-tcmu --name $NAME --config "$D/config.v1.json" > serve1.out 2> serve1.err &
P1=$!
SD=$(await_disk serve1.out $P1) || fail "serve-tcmu did not print a disk"
[ -b "$SD" ] || fail "$SD is not a block device"
cat serve1.err
echo "  disk $SD: $(cat /sys/block/${SD#/dev/}/size) sectors, model '$(cat /sys/block/${SD#/dev/}/device/model)', rotational $(cat /sys/block/${SD#/dev/}/queue/rotational), discard_max $(cat /sys/block/${SD#/dev/}/queue/discard_max_bytes), ro $(cat /sys/block/${SD#/dev/}/ro)"
echo "  configfs: $(cat $CFS/core/user_0/$NAME/info | tr '\n' ' ')"
echo "  nl_reply_supported=$(cat $CFS/core/user_0/$NAME/attrib/nl_reply_supported)"

step "dd | sha256sum equals obd flatten"
T0=$(date +%s.%N)
GOT=$(dd if=$SD bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1)
T1=$(date +%s.%N)
[ "$GOT" = "$(cat expected0.sha)" ] || fail "disk sha256 $GOT, flatten $(cat expected0.sha)"
echo "OK read: sha256 $GOT = flatten of l0..l2 ($(awk -v a=$T0 -v b=$T1 'BEGIN{printf "64 MiB in %.2fs", b-a}'))"

step "kill -9 the handler in the middle of a (dsync) write, restart with --attach"
echo 180 > /sys/block/${SD#/dev/}/device/timeout   # TCG: a JVM takes seconds to start; keep the SCSI error handler out of it
dd if=pattern of=$SD bs=64k seek=$((48 * 16)) oflag=direct,dsync status=none &   # FUA writes: durable when acknowledged
DD=$!
sleep 1.5
RUNNING=no; kill -0 $DD 2>/dev/null && RUNNING=yes
kill -9 $P1
wait $P1 2>/dev/null || true
echo "  handler killed; dd still running at that moment: $RUNNING"
"$OBD" serve-tcmu --name $NAME --attach --teardown > serve2.out 2> serve2.err &
P2=$!
SD2=$(await_disk serve2.out $P2) || fail "serve-tcmu --attach did not start"
[ "$SD2" = "$SD" ] || fail "attach found $SD2, expected $SD"
DDRC=0; wait $DD || DDRC=$?
[ "$DDRC" = 0 ] || fail "dd failed (exit $DDRC) across the restart"
GOT=$(dd if=$SD bs=1M skip=48 count=16 iflag=direct status=none | sha256sum | cut -d' ' -f1)
[ "$GOT" = "$(cat pattern.sha)" ] || fail "the 16 MiB written across the restart read back as $GOT"
echo "OK restart: the write survived the SIGKILL (dd exit 0, sha256 matches); $(dmesg | grep -c 'I/O error' || true) I/O errors in dmesg"
dmesg | grep -E "sd 0:|tcmu|TCMU" | tail -5 || true

step "mkfs.ext4 + mount + files + umount + fsck"
mkfs.ext4 -q -F $SD
mkdir -p /mnt/obdj && mount $SD /mnt/obdj
cp pattern /mnt/obdj/pattern
mkdir /mnt/obdj/many
for i in $(seq 1 200); do echo "file $i $(date +%N)" > /mnt/obdj/many/f$i; done
sync
umount /mnt/obdj
echo 3 > /proc/sys/vm/drop_caches
mount -o ro $SD /mnt/obdj
GOT=$(sha256sum < /mnt/obdj/pattern | cut -d' ' -f1)
N=$(ls /mnt/obdj/many | wc -l)
umount /mnt/obdj
[ "$GOT" = "$(cat pattern.sha)" ] || fail "file read back as $GOT"
[ "$N" = 200 ] || fail "$N files of 200"
e2fsck -fn $SD > fsck.log 2>&1 || { cat fsck.log; fail "e2fsck"; }
echo "OK ext4: 16 MiB file + 200 small files round trip, e2fsck clean"

step "final disk sha256, then SIGTERM (teardown, flush)"
dd if=$SD bs=1M iflag=direct status=none | sha256sum | cut -d' ' -f1 > disk-final.sha
echo "  disk sha256 $(cat disk-final.sha)"
kill -TERM $P2
for i in $(seq 1 600); do kill -0 $P2 2>/dev/null || break; sleep 0.1; done
kill -0 $P2 2>/dev/null && fail "serve-tcmu did not stop on SIGTERM"
RC=0; wait $P2 || RC=$?
[ "$RC" = 0 ] || [ "$RC" = 143 ] || fail "serve-tcmu exit $RC"
tail -2 serve2.err
[ -e $CFS/core/user_0/$NAME ] && fail "backstore still there"
ls -d $CFS/loopback/naa.* 2>/dev/null && fail "loopback target still there"
[ -b "$SD" ] && fail "$SD still there"
echo "OK teardown: LUN, target and backstore removed (exit $RC)"
echo "GUEST PASSED"
