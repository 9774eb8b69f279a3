#!/usr/bin/env python3
"""UEFI disk boot in the rig: OVMF.fd boots systemd-boot from a GPT disk.

The test builds the disk here with Debian's tools: a GPT (sfdisk) with one
EFI system partition, a FAT file system (mkfs.vfat) filled with mtools:
systemd-boot (systemd-boot-efi's systemd-bootx64.efi) as the default
loader \\EFI\\BOOT\\BOOTX64.EFI, a loader.conf, and one loader entry for
the rig's kernel, the busybox initramfs built here and its options.

`cvmm run --firmware OVMF.fd --disk disk.img` (no --kernel): OVMF drives
the disk with its virtio-blk driver at the BAR it assigned, boots the
disk first because fw_cfg's `bootorder` names it, and systemd-boot starts
the entry. OVMF's console shows it loading and starting the disk's
option first, and the initramfs shows that the kernel came that way:
/proc/cmdline holds the options only the entry file has, and Linux reads
the GPT header back from its virtio disk. The disk's BAR moves twice on
the way: OVMF places it in its own aperture (0x80000000 here) and Linux
moves it back into the window cvmm's ACPI tables name (printed as a
note), so both firmware and kernel drive it at a moved BAR.

The case passes --apic-bus-ns 20 as test-firmware does (a workaround for
the rig's QEMU, docs/linux.md "Firmware").
Usage: test-firmware-disk.py CVMM [-v]"""
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import initramfs  # noqa: E402
import rigrun  # noqa: E402

SYSTEMD_BOOT = "/usr/lib/systemd/boot/efi/systemd-bootx64.efi"
ENTRY = "cvmm-disk.conf"
OPTIONS = "console=ttyS0 quiet panic=-1 cvmmfw=esp"
# The UEFI device path of the disk at PCI slot 1, as OVMF prints it.
DISK_PATH = "PciRoot(0x0)/Pci(0x1,0x0)"

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "cvmm-fw: $*"; }
[ -d /sys/firmware/efi ] && say "efi=yes"
for w in $(cat /proc/cmdline); do
	case $w in cvmmfw=*) say "cmdline-$w";; esac
done
insmod /lib/modules/virtio_blk.ko || say "insmod-failed"
n=0
while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
say "gpt=$(dd if=/dev/vda bs=512 skip=1 count=1 2>/dev/null | head -c 8 | tr ' ' _)"
for d in /sys/bus/pci/devices/*; do
	[ "$(cat $d/vendor)" = 0x1af4 ] &&
		say "bar-${d##*/}=$(head -n 1 $d/resource | cut -d' ' -f1)"
done
say "done"
poweroff -f
"""

MEM = "256M"
# A firmware boot takes about a minute of rig time; a hung one is killed.
CASE_TIMEOUT = 300
ESP_MB = 24
# The partition starts at 1 MiB; the GPT's backup needs the last 33 sectors.
DISK_MB = ESP_MB + 2
TOOLS = ("sfdisk", "mkfs.vfat", "mmd", "mcopy")

CASES = [
    rigrun.Case("disk-boot", ["--firmware", "OVMF.fd", "--disk", "disk.img",
                              "--memory", MEM, "--apic-bus-ns", "20"],
                timeout=CASE_TIMEOUT),
]


def make_initrd(rig, path):
    img = initramfs.Image()
    img.add_file("init", INIT, 0o755)
    with lzma.open(os.path.join(rig, "guest-modules",
                                "virtio_blk.ko.xz")) as f:
        img.add_file("lib/modules/virtio_blk.ko", f.read())
    with open(path, "wb") as f:
        f.write(img.cpio())


def run(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_esp(tmp, kernel, initrd):
    """A FAT file system holding systemd-boot, its entry and the files."""
    esp = os.path.join(tmp, "esp.img")
    with open(esp, "wb") as f:
        f.truncate(ESP_MB << 20)
    run(["mkfs.vfat", "-n", "ESP", esp])
    conf = os.path.join(tmp, "loader.conf")
    with open(conf, "w") as f:
        f.write("default %s\ntimeout 0\n" % ENTRY)
    entry = os.path.join(tmp, ENTRY)
    with open(entry, "w") as f:
        f.write("title cvmm test\nlinux /vmlinuz\ninitrd /initrd.img\n"
                "options %s\n" % OPTIONS)
    img = ["-i", esp]
    run(["mmd"] + img + ["::/EFI", "::/EFI/BOOT", "::/loader",
                         "::/loader/entries"])
    for src, dst in ((SYSTEMD_BOOT, "::/EFI/BOOT/BOOTX64.EFI"),
                     (conf, "::/loader/loader.conf"),
                     (entry, "::/loader/entries/" + ENTRY),
                     (kernel, "::/vmlinuz"), (initrd, "::/initrd.img")):
        run(["mcopy"] + img + [src, dst])
    return esp


def make_disk(tmp, esp):
    """A GPT disk whose one partition, from 1 MiB, is the ESP."""
    disk = os.path.join(tmp, "disk.img")
    with open(disk, "wb") as f:
        f.truncate(DISK_MB << 20)
    layout = "label: gpt\nstart=2048, size=%d, type=uefi, name=ESP\n" % (
        (ESP_MB << 20) // 512)
    subprocess.run(["sfdisk", "--quiet", disk], input=layout, text=True,
                   check=True, stdout=subprocess.DEVNULL)
    with open(esp, "rb") as src, open(disk, "r+b") as dst:
        dst.seek(1 << 20)
        shutil.copyfileobj(src, dst)
    return disk


def fw_path(rig, tmp):
    return rigrun.unpack_firmware(rig, "OVMF.fd", tmp)


def markers(c):
    return dict(re.findall(r"cvmm-fw: (\S+?)=(\S*)", c.output))


def check(t, c):
    m = markers(c)
    n = c.name
    t.check(n + ": exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check(n + ": reached the end of /init", "cvmm-fw: done" in c.output,
            "no 'cvmm-fw: done'", c)
    t.check(n + ": booted through EFI", m.get("efi") == "yes",
            "no /sys/firmware/efi", c)
    t.check(n + ": the loader entry's options",
            m.get("cmdline-cvmmfw") == "esp",
            "cvmmfw=%s in /proc/cmdline" % m.get("cmdline-cvmmfw"), c)
    # OVMF says what it boots; the first option it tries must be the
    # disk bootorder names (slot 1: the first virtio device).
    boots = re.findall(r'BdsDxe: (loading|starting|failed to load) '
                       r'(Boot\d+) "[^"]*" from (\S+)', c.output)
    first = [(what, path) for what, _, path in boots[:2]]
    t.check(n + ": OVMF starts the disk first (bootorder)",
            first == [("loading", DISK_PATH), ("starting", DISK_PATH)],
            "OVMF's boot attempts: %s" % boots, c)
    t.check(n + ": Linux reads the GPT from its virtio disk",
            m.get("gpt") == "EFI_PART",
            "LBA 1 starts with %r" % m.get("gpt"), c)


def main():
    cvmm = sys.argv[1]
    rig, kernel = rigrun.rig_and_kernel_or_skip()
    fixture = os.path.join(os.path.dirname(rig), "fixtures", "firmware",
                           "OVMF.fd.xz")
    missing = [p for p in (fixture, SYSTEMD_BOOT) if not os.path.exists(p)]
    missing += [t for t in TOOLS if not shutil.which(t)]
    if missing:
        rigrun.main_skip_or_fail(False, "missing %s (scripts/deps --rig)" %
                                 ", ".join(missing))
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, "initrd.img")
        make_initrd(rig, initrd)
        disk = make_disk(tmp, make_esp(tmp, kernel, initrd))
        ok, why = rigrun.run(cvmm, CASES, timeout=900,
                             verbose="-v" in sys.argv[2:],
                             files=[fw_path(rig, tmp) + ":OVMF.fd",
                                    disk + ":disk.img"])
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    check(t, CASES[0])
    for c in CASES:
        for k, v in sorted(markers(c).items()):
            if k.startswith("bar-"):
                print("note: %s: virtio %s at %s in Linux" % (c.name, k[4:], v))
    return t.finish(CASES)


if __name__ == "__main__":
    sys.exit(main())
