#!/usr/bin/env python3
"""UEFI firmware (OVMF.fd) as ordinary VMs in the rig, all in one rig boot.

OVMF.fd (../shared/fixtures/firmware/OVMF.fd.xz, decompressed here) boots
the rig's kernel through fw_cfg (--firmware --kernel --initrd --cmdline):
OVMF's kernel loader starts the kernel's EFI stub, and the busybox
initramfs built here prints what it sees (CPUs, EFI, ACPI tables, its
virtio disk) and powers off: 2 vCPUs with a virtio disk whose first
sector the guest reads back, and --cc sw; and OVMF.amdsev.fd, whose
kernel loader boots the kernel only if it matches the SEV hashes table
cvmm filled. The three boots and the SIGINT case took 4-7 minutes of
rig time on a 2-core host at load 12-15 (each case's time is printed at
the end); in one rig run there, the 2-vCPU boot, the disk boot and the
90 s SIGINT case of before took 262 s, the 2-vCPU disk boot and this
SIGINT case 151 s.
Bad firmware files end cvmm with 2 naming the file and the reason.

The cases pass --apic-bus-ns 20: the rig's QEMU (TCG) aborts when a nested
guest writes CR8 while KVM waits for an interrupt window, which OVMF's
interrupt return does when its timer tick falls due inside a handler;
a slower APIC timer makes that rare (docs/config.md).
Usage: test-firmware.py CVMM"""
import hashlib
import lzma
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import initramfs  # noqa: E402
import rigrun  # noqa: E402

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "cvmm-fw: $*"; }
say "cpus=$(grep -c ^processor /proc/cpuinfo)"
say "online=$(cat /sys/devices/system/cpu/online)"
[ -d /sys/firmware/efi ] && say "efi=yes"
say "acpi=$(ls /sys/firmware/acpi/tables | tr '\n' ',')"
if [ "$cvmmfw" = disk ]; then
	insmod /lib/modules/virtio_blk.ko || say "insmod-failed"
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	say "vda=$(dd if=/dev/vda bs=512 count=1 2>/dev/null | sha256sum | cut -c1-64)"
fi
say "done"
poweroff -f
"""

MEM = "256M"
CMDLINE = "console=ttyS0 quiet panic=-1 cvmmfw=%s"
# OVMF plus a kernel boot took 60-70 s in the rig; a hung one is killed.
CASE_TIMEOUT = 400
DISK_SIZE = 1 << 20


def fw_case(name, mode="plain", *extra, fw="OVMF.fd"):
    return rigrun.Case(name, ["--firmware", fw, "--kernel", "vmlinuz",
                              "--initrd", "initrd.img", "--memory", MEM,
                              "--apic-bus-ns", "20",
                              "--cmdline", CMDLINE % mode] + list(extra),
                       timeout=CASE_TIMEOUT)


# name, firmware file (made in the rig), what the error must say
BAD = [
    ("fw-missing", "nothere.fd", "nothere.fd' does not exist"),
    ("fw-empty", "empty.fd", "empty.fd' is empty"),
    ("fw-unaligned", "odd.fd", "odd.fd' is 5000 bytes, not a multiple of 4K"),
    ("fw-too-large", "big.fd", "big.fd' is larger than 16M"),
]
MAKE_BAD = ("touch empty.fd; head -c 5000 /dev/zero >odd.fd; "
            "head -c 17825792 /dev/zero >big.fd")

# Firmware with nothing to boot waits in its boot manager for a key
# ("BdsDxe: No bootable option or device was found."); SIGINT ends cvmm,
# which says what each vCPU last did. The signal goes as soon as the boot
# manager has said so, not after a fixed wait (90 s before).
SIGINT_WAIT = 150  # seconds at most before the signal
SIGINT_SHELL = (
    "./cvmm run --firmware OVMF.fd --memory %s --apic-bus-ns 20 "
    ">/tmp/sigint.out 2>&1 </dev/null & p=$!; n=0; "
    "while [ $n -lt %d ] && kill -0 $p 2>/dev/null && "
    "! grep -q 'BdsDxe: No bootable' /tmp/sigint.out; "
    "do sleep 1; n=$((n + 1)); done; "
    "echo \"cvmm-sigint: waited=$n\"; sleep 1; kill -INT $p; wait $p; s=$?; "
    "cat /tmp/sigint.out; (exit $s)" % (MEM, SIGINT_WAIT))

CASES = [
    # 2 vCPUs and the virtio disk in one boot (each was a boot of its own).
    fw_case("ovmf-2cpu-disk", "disk", "--vcpus", "2", "--disk", "disk.img"),
    fw_case("ovmf-sw", "plain", "--cc", "sw"),
    # Its kernel loader checks every blob against the SEV hashes table,
    # which cvmm fills for ordinary VMs too.
    fw_case("amdsev-hashes", fw="OVMF.amdsev.fd"),
    rigrun.Case("ovmf-sigint", [], stats=False, shell=SIGINT_SHELL),
]
for name, fw, _ in BAD:
    CASES.append(rigrun.Case(name, ["--firmware", fw], stats=False))


def markers(c):
    return dict(re.findall(r"cvmm-fw: (\S+?)=(\S*)", c.output))


def make_files(tmp, rig):
    img = initramfs.Image()
    img.add_file("init", INIT, 0o755)
    with lzma.open(os.path.join(rig, "guest-modules",
                                "virtio_blk.ko.xz")) as f:
        img.add_file("lib/modules/virtio_blk.ko", f.read())
    initrd = os.path.join(tmp, "initrd.img")
    with open(initrd, "wb") as f:
        f.write(img.cpio())
    disk = os.path.join(tmp, "disk.img")
    sector = os.urandom(512)
    with open(disk, "wb") as f:
        f.write(sector + bytes(DISK_SIZE - 512))
    fws = []
    for name in ("OVMF.fd", "OVMF.amdsev.fd"):
        fws.append(rigrun.unpack_firmware(rig, name, tmp))
    return initrd, disk, fws, hashlib.sha256(sector).hexdigest()


def check_boot(t, c, cpus):
    m = markers(c)
    n = c.name
    t.check(n + ": exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check(n + ": reached the end of /init", "cvmm-fw: done" in c.output,
            "no 'cvmm-fw: done'", c)
    t.check(n + ": booted through EFI", m.get("efi") == "yes",
            "no /sys/firmware/efi", c)
    t.check(n + ": %d CPUs online" % cpus,
            m.get("cpus") == str(cpus) and
            m.get("online") == ("0" if cpus == 1 else "0-%d" % (cpus - 1)),
            "cpus=%s online=%s" % (m.get("cpus"), m.get("online")), c)
    t.check(n + ": cvmm's ACPI tables installed",
            all(s + "," in m.get("acpi", "") for s in ("APIC", "MCFG", "DSDT")),
            "tables %s" % m.get("acpi"), c)
    return m


def main():
    cvmm = sys.argv[1]
    rig, kernel = rigrun.rig_and_kernel_or_skip()
    for name in ("OVMF.fd.xz", "OVMF.amdsev.fd.xz"):
        fixture = os.path.join(os.path.dirname(rig), "fixtures", "firmware",
                               name)
        if not os.path.exists(fixture):
            rigrun.main_skip_or_fail(False, "no %s" % fixture)
    with tempfile.TemporaryDirectory() as tmp:
        initrd, disk, fws, disk_sum = make_files(tmp, rig)
        first_bad = rigrun.Case("make-bad-files", [], stats=False,
                                shell=MAKE_BAD)
        cases = [first_bad] + CASES
        ok, why = rigrun.run(cvmm, cases, timeout=1800,
                             verbose="-v" in sys.argv[2:],
                             files=[kernel + ":vmlinuz",
                                    initrd + ":initrd.img",
                                    fws[0] + ":OVMF.fd",
                                    fws[1] + ":OVMF.amdsev.fd",
                                    disk + ":disk.img"])
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}
    m = check_boot(t, by["ovmf-2cpu-disk"], 2)
    t.check("ovmf-2cpu-disk: the guest reads its virtio disk",
            m.get("vda") == disk_sum,
            "vda=%s, expected %s" % (m.get("vda"), disk_sum),
            by["ovmf-2cpu-disk"])
    check_boot(t, by["ovmf-sw"], 1)
    check_boot(t, by["amdsev-hashes"], 1)
    c = by["ovmf-sigint"]
    waited = re.search(r"cvmm-sigint: waited=(\d+)", c.output)
    t.check("ovmf-sigint: OVMF's boot manager waits for a key first",
            waited and int(waited.group(1)) < SIGINT_WAIT,
            "no 'BdsDxe: No bootable' in %d s" % SIGINT_WAIT, c)
    t.check("ovmf-sigint: ends with 128+SIGINT", c.status == 130,
            "exit status %s" % c.status, c)
    t.check("ovmf-sigint: says what vcpu0 last did",
            re.search(r"vcpu0: \d+ exits; the last: ", c.output),
            "no 'vcpu0: N exits; the last:' line", c)
    for name, _, why in BAD:
        c = by[name]
        t.check(name + ": exit 2", c.status == 2,
                "exit status %s" % c.status, c)
        t.check(name + ": says why", why in c.output, "no '%s'" % why, c)
    return t.finish(CASES)


if __name__ == "__main__":
    sys.exit(main())
