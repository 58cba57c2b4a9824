#!/usr/bin/env bash
# vm-e2e.sh — obd serve-tcmu against a real Linux kernel (TCMU + tcm_loop), in the throwaway VM of
# ../shared/tcmu-vm/vm-run.sh. The host builds a 3-layer image with an empty writable top and its
# expected flattened disk; the guest (guest-serve-tcmu.sh) serves it with ./obd serve-tcmu, checks
# dd | sha256sum against the flattened layers, kills the handler with SIGKILL in the middle of a
# write and restarts it with --attach (the write must complete and land), runs mkfs.ext4, mounts,
# writes files, unmounts, fscks, records the disk's sha256 and stops the server with SIGTERM (LUN
# and backstore removed, RW layer flushed). Back on the host the RW layer is committed and the
# four layers flattened: that must equal what the guest last read from the disk.
#
# Skips (exit 0, with a message) when the VM cannot run here: no vm-run.sh, not root, or neither
# qemu-system-x86_64 nor apt-get. Needs cli/target/obd.jar (mvn package/verify builds it).
# Env: TCMU_VM_DIR (default ../shared/tcmu-vm beside the checkout), VM_TIMEOUT (default 600).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VMDIR="${TCMU_VM_DIR:-$ROOT/../shared/tcmu-vm}"
skip() { echo "tcmu vm-e2e: SKIPPED: $*"; exit 0; }
[ -x "$VMDIR/vm-run.sh" ] || skip "no $VMDIR/vm-run.sh"
[ "$(id -u)" = 0 ] || skip "vm-run.sh needs root"
command -v qemu-system-x86_64 >/dev/null || command -v apt-get >/dev/null || skip "no qemu-system-x86_64 and no apt-get to install it"
[ -f "$ROOT/cli/target/obd.jar" ] || { echo "tcmu vm-e2e: cli/target/obd.jar missing (run mvn package first)" >&2; exit 1; }

OBD="$ROOT/obd"
D="$ROOT/tcmu-binding/target/vm-e2e"
rm -rf "$D"; mkdir -p "$D"
T0=$(date +%s)
log() { echo "tcmu vm-e2e: $*"; }

log "building the image in $D (3 layers + empty writable top, 64 MiB)"
cd "$D"
head -c 8M /dev/urandom > r0; head -c 4M /dev/urandom > r1; head -c 2M /dev/urandom > r2; head -c 3M /dev/urandom > r3
head -c 16M /dev/urandom > pattern
"$OBD" create l0.data l0.index 64M
"$OBD" write l0.data l0.index 0 r0
"$OBD" write l0.data l0.index $((40 << 20)) r1
"$OBD" commit l0.data l0.index l0.lsmt
"$OBD" create l1.data l1.index 64M
"$OBD" write l1.data l1.index $((4 << 20)) r1
"$OBD" discard l1.data l1.index $((41 << 20)) $((1 << 20))
"$OBD" commit --zfile l1.data l1.index l1.zfile   # a ZFile layer, as overlaybd-commit -z writes them
"$OBD" create l2.data l2.index 64M
"$OBD" write l2.data l2.index $(((20 << 20) + 4096)) r2
"$OBD" write l2.data l2.index $((60 << 20)) r3
"$OBD" commit l2.data l2.index l2.lsmt
rm -f l?.data l?.index r?
"$OBD" create top.data top.index 64M
cat > config.v1.json <<'JSON'
{
  "repoBlobUrl": "https://registry.example/v2/library/app/blobs",
  "lowers": [ { "file": "l0.lsmt" }, { "file": "l1.zfile" }, { "file": "l2.lsmt" } ],
  "upper": { "index": "top.index", "data": "top.data" },
  "resultFile": "result.txt"
}
JSON
"$OBD" flatten -o flat0.img l0.lsmt l1.zfile l2.lsmt
sha256sum < flat0.img | cut -d' ' -f1 > expected0.sha
sha256sum < pattern | cut -d' ' -f1 > pattern.sha
rm -f flat0.img
log "image ready after $(( $(date +%s) - T0 ))s; booting the VM"

rc=0
( cd "$ROOT" && VM_RW="$D" VM_TIMEOUT="${VM_TIMEOUT:-600}" "$VMDIR/vm-run.sh" bash "$ROOT/tcmu-binding/vm/guest-serve-tcmu.sh" "$D" ) \
  > "$D/vm.log" 2>&1 || rc=$?
grep -E '^(===|OK|FAIL|  )|GUEST PASSED|vm-run' "$D/vm.log" | grep -v FS-Cache || true
if [ "$rc" != 0 ]; then
  log "FAILED in the VM (exit $rc); last lines of $D/vm.log:"; tail -40 "$D/vm.log"
  for f in serve1.err serve2.err; do [ -f "$D/$f" ] && { echo "--- $f"; tail -20 "$D/$f"; }; done
  exit 1
fi

log "committing the writable layer the guest wrote and flattening all four layers"
"$OBD" commit top.data top.index l3.lsmt
"$OBD" flatten -o flat1.img l0.lsmt l1.zfile l2.lsmt l3.lsmt
GOT=$(sha256sum < flat1.img | cut -d' ' -f1); WANT=$(cat disk-final.sha)
rm -f flat1.img
[ "$GOT" = "$WANT" ] || { log "FAILED: committed layers flatten to $GOT, the guest's disk read $WANT"; exit 1; }
log "OK committed RW layer: flatten(l0..l3) sha256 $GOT = the guest's last dd of the disk"
log "PASSED after $(( $(date +%s) - T0 ))s"
