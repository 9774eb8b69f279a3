#!/usr/bin/env python3
"""Firmware that verifies what it boots, as ordinary VMs, in one rig boot.

- sev-corrupt: OVMF.amdsev.fd checks the kernel, initrd and command line
  it fetches through fw_cfg against the SEV kernel-hashes table cvmm
  wrote (test-firmware.py boots it with a correct table). Here the debug
  hook CVMM_DEBUG_CORRUPT_SEV_HASH=initrd flips a bit of the initrd's
  hash. The firmware is a RELEASE build: its verifier prints nothing and
  stops in CpuDeadLoop() right after the blob that does not match. So the
  case asserts where it stopped: it read the kernel and the initrd to
  their ends (fw_cfg's --stats) and never asked for the command line,
  which it fetches at once after a verified initrd; the kernel never ran.
  cvmm is stopped with SIGINT STALL seconds after the initrd was read.
  Needs -Ddebug_hooks=true (scripts/test's ASan pass).
- shim-grub-disk: OVMF.inteltdx.ms.fd (Secure Boot, Microsoft's keys)
  starts Debian's Microsoft-signed shim (--shim, package shim-signed,
  served as fw_cfg etc/boot/shim: the case takes its item from --plan and
  finds it read to its end in --stats), which verifies and starts Debian's
  signed GRUB handed over as the kernel. GRUB finds the disk of shim-disk
  (OVMF connects PCI mass storage before its kernel loader, as it runs
  without flash variables: docs/linux.md, "Firmware that verifies"),
  loads the rig's kernel and initrd from it, and the kernel says "Secure
  boot enabled" and powers off, exit 0.
- shim-kernel: the rig's kernel through the shim: the kernel has no .sbat
  section, which a shim requires of what it starts itself (the shim says
  "Verification failed: (0x1A) Security Violation"); cvmm refuses it at
  start, exit 2, with the reason.
- no-shim: the kernel without a shim: the firmware refuses it ("Secure
  boot image verification failed" on its console) and cvmm ends with 1
  and its one-line reason.
- shim-disk: Debian's own chain from a disk built here (FAT, mtools):
  the firmware's default loader \\EFI\\BOOT\\BOOTX64.EFI is the shim, the
  shim starts GRUB beside it, GRUB loads the rig's kernel and initrd (the
  shim verifies the kernel for GRUB, where SBAT is not needed), and the
  kernel says "Secure boot enabled" and locks itself down. Needs OVMF's virtio-blk
  driver on cvmm's virtio-pci (branch fw-disk: BARs that decode where
  OVMF moves them, subsystem ID 0x40).

The boots pass --apic-bus-ns 20 as test-firmware.py does (the rig's QEMU
aborts on OVMF's CR8 writes otherwise).
Usage: test-firmware-secure.py CVMM [--debug-hooks] [-v]
With --debug-hooks (meson passes it for a build with -Ddebug_hooks=true)
only sev-corrupt runs, otherwise all but it: scripts/test runs the rig
suite in build/ and again in build-asan/, which has the hooks, and the
rig's time is short."""
import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import initramfs  # noqa: E402
import rigrun  # noqa: E402

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sys /sys
mount -t securityfs securityfs /sys/kernel/security
dmesg | grep -q "Secure boot enabled" && echo "cvmm-fw: secureboot=1"
echo "cvmm-fw: lockdown=$(cat /sys/kernel/security/lockdown)"
echo "cvmm-fw: done"
poweroff -f
"""

# Debian's chain on a disk (a FAT file system, no partition table): the
# firmware's default loader is the shim, the shim's is GRUB. GRUB's
# embedded configuration looks for /.disk/info and then sources
# /boot/grub/grub.cfg on that disk, whether GRUB came from the disk or
# from --shim through the firmware's kernel loader (shim-grub-disk); it
# would fall back to grub.cfg next to GRUB itself.
GRUB_CFG = """set timeout=0
search --no-floppy --file --set=root /vmlinuz
echo "cvmm-grub: booting the kernel from ($root)"
linux /vmlinuz console=ttyS0 quiet panic=-1
initrd /initrd.img
boot
"""
ESP_KIB = 40960
# The EFI stub decompresses the kernel next to GRUB: 256M is too little.
ESP_MEM = "512M"

SHIM = "/usr/lib/shim/shimx64.efi.signed"
GRUB = "/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed"
CASE_TIMEOUT = 300
# Seconds the firmware gets, after reading the initrd, to ask for the
# command line: it does so at once after a verified initrd.
STALL = 10
BOOT = ["--initrd", "initrd.img", "--memory", "256M", "--apic-bus-ns", "20",
        "--cmdline", "console=ttyS0 panic=-1"]

# fw_cfg items (devices/fw-cfg.h)
KERNEL, INITRD, CMDLINE_SIZE, CMDLINE_DATA = "0x11", "0x12", "0x14", "0x15"

# Run cvmm in the background (console to NAME.out, log to NAME.err), wait
# until either holds WHAT (or cvmm ends), WAIT seconds more, then SIGINT;
# print cvmm's status, its output and its --stats.
UNTIL = r"""
%(env)s./cvmm run %(args)s --stats %(name)s.json \
	>%(name)s.out 2>%(name)s.err </dev/null &
pid=$!
n=0
while kill -0 $pid 2>/dev/null && [ $n -lt %(limit)d ]; do
	grep -q "%(what)s" %(name)s.out %(name)s.err && break
	sleep 1; n=$((n + 1))
done
sleep %(wait)d
kill -INT $pid 2>/dev/null
wait $pid
echo "cvmm-status=$?"
cat %(name)s.out
grep -v "unknown port\|unknown MMIO" %(name)s.err
echo "cvmm-stats=$(base64 -w0 %(name)s.json)"
"""


def until_case(name, args, what, wait, env=""):
    return rigrun.Case(name, [], stats=False, shell=UNTIL % {
        "env": env, "args": " ".join(shlex.quote(a) for a in args),
        "name": name, "what": what, "wait": wait, "limit": CASE_TIMEOUT})


# --shim with GRUB as the kernel and the disk of shim-disk: the plan names
# the fw_cfg item that serves etc/boot/shim, then the boot runs until the
# kernel powers off, or GRUB gives its prompt (a disk it did not find).
SHIM_ITEM = (r"./cvmm run --plan %s | sed -n "
             r"'s/^ *file \(0x[0-9a-f]*\) etc\/boot\/shim .*/"
             r"cvmm-shim-item=\1/p'" "\n")
SHIM_GRUB_DISK = ["--firmware", "OVMF.inteltdx.ms.fd", "--shim",
                  "shimx64.efi", "--kernel", "grubx64.efi", "--disk",
                  "esp.img", "--memory", ESP_MEM, "--apic-bus-ns", "20"]


def shim_grub_disk_case():
    c = until_case("shim-grub-disk", SHIM_GRUB_DISK, "grub>", 0)
    c.shell = SHIM_ITEM % " ".join(shlex.quote(a)
                                   for a in SHIM_GRUB_DISK) + c.shell
    return c


CASES = [
    until_case("sev-corrupt", ["--firmware", "OVMF.amdsev.fd", "--kernel",
                               "vmlinuz", "--log-level", "debug"] + BOOT,
               "read item %s to its end" % INITRD, STALL,
               env="CVMM_DEBUG_CORRUPT_SEV_HASH=initrd "),
    rigrun.Case("shim-kernel", ["--firmware", "OVMF.inteltdx.ms.fd",
                                "--shim", "shimx64.efi", "--kernel",
                                "vmlinuz"] + BOOT, stats=False),
    rigrun.Case("no-shim", ["--firmware", "OVMF.inteltdx.ms.fd", "--kernel",
                            "vmlinuz"] + BOOT, timeout=CASE_TIMEOUT),
    rigrun.Case("shim-disk", ["--firmware", "OVMF.inteltdx.ms.fd", "--disk",
                              "esp.img", "--memory", ESP_MEM,
                              "--apic-bus-ns", "20"], timeout=CASE_TIMEOUT),
    shim_grub_disk_case(),
]


def make_esp(tmp, initrd):
    """A FAT disk with shim, GRUB, its configuration, kernel and initrd."""
    esp = os.path.join(tmp, "esp.img")
    cfg = os.path.join(tmp, "grub.cfg")
    with open(cfg, "w") as f:
        f.write(GRUB_CFG)
    rig, _ = rigrun.rig_dir()
    kernel, _ = rigrun.rig_kernel(rig)
    img = ["-i", esp]
    run(["mkfs.vfat", "-C", esp, str(ESP_KIB)])
    info = os.path.join(tmp, "info")
    with open(info, "w") as f:
        f.write("cvmm test disk\n")
    run(["mmd"] + img + ["::/EFI", "::/EFI/BOOT", "::/.disk", "::/boot",
                         "::/boot/grub"])
    for src, dst in ((SHIM, "::/EFI/BOOT/BOOTX64.EFI"),
                     (GRUB, "::/EFI/BOOT/grubx64.efi"),
                     (info, "::/.disk/info"),
                     (cfg, "::/boot/grub/grub.cfg"),
                     (kernel, "::/vmlinuz"), (initrd, "::/initrd.img")):
        run(["mcopy"] + img + [src, dst])
    return esp


def run(argv):
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


def make_files(tmp, rig):
    img = initramfs.Image()
    img.add_file("init", INIT, 0o755)
    initrd = os.path.join(tmp, "initrd.img")
    with open(initrd, "wb") as f:
        f.write(img.cpio())
    files = [initrd + ":initrd.img", SHIM + ":shimx64.efi",
             GRUB + ":grubx64.efi", make_esp(tmp, initrd) + ":esp.img"]
    for name in ("OVMF.amdsev.fd", "OVMF.inteltdx.ms.fd"):
        fw = rigrun.unpack_firmware(rig, name, tmp)
        files.append(fw + ":" + name)
    return files


def field(c, name):
    for line in c.output.splitlines():
        if line.startswith(name + "="):
            return line[len(name) + 1:]
    return None


def read_to_end(c):
    """The fw_cfg items the guest read to their end, from --stats."""
    try:
        stats = json.loads(base64.b64decode(field(c, "cvmm-stats") or ""))
        return stats["fw_cfg"]["read_to_end"]
    except (ValueError, KeyError, TypeError):
        return None


def check_sev_corrupt(t, c):
    n = c.name
    t.check(n + ": the debug hook corrupted the initrd's hash",
            "debug hook: the initrd hash" in c.output,
            "no 'debug hook: the initrd hash' (a build without hooks?)", c)
    read = read_to_end(c)
    t.check(n + ": the firmware read the kernel and the initrd",
            read is not None and KERNEL in read and INITRD in read,
            "fw_cfg items read to their end: %s" % read, c)
    t.check(n + ": and stopped there, before the command line",
            read is not None and CMDLINE_SIZE not in read and
            CMDLINE_DATA not in read,
            "fw_cfg items read to their end: %s" % read, c)
    t.check(n + ": the kernel never ran",
            "cvmm-fw:" not in c.output and "EFI stub" not in c.output,
            "kernel output seen", c)
    t.check(n + ": ended by the test's SIGINT",
            field(c, "cvmm-status") == "130",
            "cvmm status %s" % field(c, "cvmm-status"), c)


def check_shim(t, by):
    c = by["shim-kernel"]
    t.check("shim-kernel: exit 2", c.status == 2,
            "exit status %s" % c.status, c)
    t.check("shim-kernel: says the kernel has no .sbat section",
            re.search(r"kernel '\S*vmlinuz' has no \.sbat section, and "
                      r"shim '\S*shimx64.efi' starts no image without one",
                      c.output), "no '.sbat' line", c)


def check_shim_disk(t, c):
    n = c.name
    t.check(n + ": exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check(n + ": shim started GRUB, GRUB the kernel",
            "cvmm-grub: booting the kernel" in c.output and
            "Verification failed" not in c.output and
            "Access Denied" not in c.output,
            "no 'cvmm-grub: booting the kernel', or a refusal", c)
    t.check(n + ": the rig's kernel reached the initramfs under Secure Boot",
            "cvmm-fw: secureboot=1" in c.output and
            "cvmm-fw: done" in c.output,
            "no 'cvmm-fw: secureboot=1' and 'cvmm-fw: done'", c)
    # Debian's kernel locks itself down (integrity) under Secure Boot.
    t.check(n + ": the kernel is locked down",
            re.search(r"cvmm-fw: lockdown=.*\[integrity\]", c.output),
            "no 'cvmm-fw: lockdown=... [integrity]'", c)


def check_shim_grub_disk(t, c):
    n = c.name
    t.check(n + ": exit 0 (the kernel powered off)",
            field(c, "cvmm-status") == "0",
            "cvmm status %s" % field(c, "cvmm-status"), c)
    item = field(c, "cvmm-shim-item")
    read = read_to_end(c)
    t.check(n + ": the firmware read etc/boot/shim (item %s) to its end"
            % item, item is not None and read is not None and item in read,
            "fw_cfg items read to their end: %s" % read, c)
    t.check(n + ": the shim started GRUB, GRUB found the disk",
            "Welcome to GRUB!" in c.output and
            "cvmm-grub: booting the kernel from (hd0)" in c.output and
            "Verification failed" not in c.output,
            "no 'Welcome to GRUB!' and 'cvmm-grub: booting the kernel from "
            "(hd0)', or a verification failure", c)
    t.check(n + ": the rig's kernel reached the initramfs under Secure Boot",
            "cvmm-fw: secureboot=1" in c.output and
            "cvmm-fw: done" in c.output,
            "no 'cvmm-fw: secureboot=1' and 'cvmm-fw: done'", c)
    t.check(n + ": the kernel is locked down",
            re.search(r"cvmm-fw: lockdown=.*\[integrity\]", c.output),
            "no 'cvmm-fw: lockdown=... [integrity]'", c)


def check_no_shim(t, c):
    t.check("no-shim: exit 1", c.status == 1, "exit status %s" % c.status, c)
    t.check("no-shim: the firmware refused the kernel",
            "Secure boot image verification failed" in c.output,
            "no 'Secure boot image verification failed'", c)
    line = (r"cvmm: error: firmware '\S*OVMF.inteltdx.ms.fd' refused kernel "
            r"'\S*vmlinuz' under Secure Boot: the kernel's signature is not "
            r"from a key in the firmware's db")
    t.check("no-shim: cvmm says why in one line", re.search(line, c.output),
            "no '%s'" % line, c)
    t.check("no-shim: the kernel never ran", "cvmm-fw:" not in c.output,
            "kernel output seen", c)


def main():
    cvmm = sys.argv[1]
    rig, kernel = rigrun.rig_and_kernel_or_skip()
    for name in ("OVMF.amdsev.fd.xz", "OVMF.inteltdx.ms.fd.xz"):
        fixture = os.path.join(os.path.dirname(rig), "fixtures", "firmware",
                               name)
        if not os.path.exists(fixture):
            rigrun.main_skip_or_fail(False, "no %s" % fixture)
    for path, pkg in ((SHIM, "shim-signed"), (GRUB, "grub-efi-amd64-signed")):
        if not os.path.exists(path):
            rigrun.main_skip_or_fail(False, "no %s (package %s, "
                                     "scripts/deps --rig)" % (path, pkg))
    for tool in ("mkfs.vfat", "mmd", "mcopy"):
        if not shutil.which(tool):
            rigrun.main_skip_or_fail(False, "no %s (dosfstools, mtools: "
                                     "scripts/deps --rig)" % tool)
    hooks = "--debug-hooks" in sys.argv[2:]
    cases = [c for c in CASES if (c.name == "sev-corrupt") == hooks]
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(tmp, rig) + [kernel + ":vmlinuz"]
        ok, why = rigrun.run(cvmm, cases, timeout=1200,
                             verbose="-v" in sys.argv[2:], files=files)
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in cases}
    if hooks:
        check_sev_corrupt(t, by["sev-corrupt"])
    else:
        check_shim(t, by)
        check_no_shim(t, by["no-shim"])
        check_shim_disk(t, by["shim-disk"])
        check_shim_grub_disk(t, by["shim-grub-disk"])
    return t.finish(cases)


if __name__ == "__main__":
    sys.exit(main())
