#!/usr/bin/env python3
"""arm64 Linux guests in ../shared/rig-arm64 (a KVM/arm64 7.2 under
QEMU/TCG): Debian's arm64 kernel with a busybox initramfs built here,
booted by the aarch64 cvmm with 2 vCPUs (secondaries through PSCI
CPU_ON) from anonymous THP RAM and from guest_memfd RAM, and with 1 vCPU
as a pKVM protected VM; PSCI SYSTEM_OFF and SYSTEM_RESET end cvmm with 0;
a line on stdin reaches the guest through the UART's interrupt; bad
Images are refused naming the field. Three Linux boots, one per
property set, in two rig boots (the second with pKVM, which also runs
`cvmm caps` and the embedded test guest as a protected VM).

Usage: test-linux-arm64.py SOURCE_ROOT
The aarch64 cvmm is built first with scripts/build --arm64 (or taken from
$CVMM_ARM64); without the cross toolchain or the rig the test is skipped."""
import gzip
import glob
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "rig"))
import capscheck  # noqa: E402
import initramfs  # noqa: E402
import rigrun  # noqa: E402

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "cvmm-test: cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "cvmm-test: online=$(cat /sys/devices/system/cpu/online)"
echo "cvmm-test: gic=$(cat /proc/device-tree/intc@8000000/compatible)"
echo "cvmm-test: psci=$(cat /proc/device-tree/psci/method)"
echo "cvmm-test: cmdline-ok=$(grep -c cvmmtest= /proc/cmdline)"
echo "cvmm-test: timer-irqs=$(awk '/arch_timer/ { s = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s; exit }' /proc/interrupts)"
if [ "$cvmmtest" = echo ]; then
	echo "cvmm-test: ready"
	read -r line
	echo "cvmm-test: got [$line]"
fi
irqs=$(awk '/ttyS0/ { s = 0; for (i = 2; i <= NF; i++)
	if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts)
echo "cvmm-test: serial-irqs=$irqs"
echo "cvmm-test: done"
if [ "$cvmmtest" = reboot ]; then
	reboot -f
fi
poweroff -f
"""

MEM = "256M"
# quiet: every console byte is an MMIO exit, ~0.23 ms each in the rig.
CMDLINE = "console=ttyS0 quiet panic=-1 cvmmtest=%s"
# A boot takes about a minute in the nested TCG rig; a hung guest is
# killed (status 143) and run once more.
CASE_TIMEOUT = 400


def linux(name, mode="poweroff", *extra, cvmm="cvmm", timeout=CASE_TIMEOUT):
    return rigrun.Case(name, ["--kernel", "Image", "--initrd", "initrd.img",
                              "--memory", MEM, "--cmdline", CMDLINE % mode]
                       + list(extra), timeout=timeout, cvmm=cvmm)


# cvmm-debug (-Ddebug_hooks=true) reads the guest kernel's first page
# after the run when CVMM_DEBUG_READ_GUEST is set (vmm/arm64/debug-read.c).
READ = "debug: host read of guest page 0x80000000: "


# A line on stdin once the guest asks for it; closing it then is EOF.
CONSOLE_SHELL = r"""rm -f /tmp/cin /tmp/cout; mkfifo /tmp/cin
timeout %d ./cvmm-debug run --kernel Image --initrd initrd.img \
	--memory %s --vcpus 2 --cmdline '%s' --stats /tmp/cstats.json </tmp/cin >/tmp/cout 2>&1 &
pid=$!
exec 3>/tmp/cin
while ! grep -q 'cvmm-test: ready' /tmp/cout && kill -0 $pid 2>/dev/null
do
	sleep 0.5
done
echo 'hello-from-host' >&3
exec 3>&-
wait $pid; st=$?
cat /tmp/cout
echo "cvmm-test: backing=$(grep -o '"backing": *"[a-z_-]*"' /tmp/cstats.json)"
(exit $st)""" % (CASE_TIMEOUT, MEM, CMDLINE % "echo")

CASES = [
    # Linux gets anonymous THP RAM by default (auto); this boot also reads
    # a line from stdin, and the host reads a page of the default VM's
    # guest after it (cvmm-debug).
    rigrun.Case("2cpu-thp", [], stats=False, shell=CONSOLE_SHELL),
    # guest_memfd (MMAP|INIT_SHARED) as the only RAM, images in place: 2
    # vCPUs only, its boot is the slowest (4K stage-2 faults), and scripts/test
    # has 25 minutes.
    linux("2cpu-gmem-reboot", "reboot", "--vcpus", "2",
          "--backing", "guest_memfd"),
    # Refused before any vCPU runs, naming the file and the header field.
    rigrun.Case("gzip-image", ["--kernel", "Image.gz", "--memory", MEM],
                stats=False),
    rigrun.Case("big-endian", ["--kernel", "be.img", "--memory", MEM],
                stats=False),
    rigrun.Case("too-small-ram", ["--kernel", "Image", "--memory", "4M"],
                stats=False),
    # This rig's KVM runs in VHE mode: no protected VMs.
    rigrun.Case("pkvm-without-pkvm", ["--cc", "pkvm", "--kernel", "Image",
                                      "--memory", MEM], stats=False),
]

# In a second boot of the rig with --protected (kvm-arm.mode=protected).
PKVM_CASES = [
    linux("pkvm-1cpu", "poweroff", "--cc", "pkvm", cvmm="cvmm-debug",
          timeout=900),
    rigrun.Case("pkvm-virtio", ["--cc", "pkvm", "--kernel", "Image",
                                "--memory", MEM, "--rng"], stats=False),
    rigrun.Case("pkvm-memfd", ["--cc", "pkvm", "--kernel", "Image",
                               "--memory", MEM, "--backing", "memfd"],
                stats=False),
    # cvmm caps under pKVM (without it: test-guest-arm64.py).
    capscheck.case("caps-protected"),
    # The embedded test guest (the rest of it: test-guest-arm64.py) as a
    # protected VM: 2 vCPUs, RAM written and read back by both.
    rigrun.Case("pkvm-guest", ["--cc", "pkvm", "--vcpus", "2"],
                cvmm="cvmm-debug", timeout=300),
    rigrun.Case("pkvm-guest-pattern", ["--cc", "pkvm", "--vcpus", "2",
                                       "--scenario", "mem-pattern",
                                       "--memory", "32M"], timeout=300),
]


def markers(case):
    return dict(re.findall(r"^cvmm-test: (\S+?)=(.*)$", case.output, re.M))


def check_boot(t, c, cpus):
    m = markers(c)
    t.check(c.name + ": exit 0", c.status == 0, "exit status %s" % c.status,
            c)
    t.check(c.name + ": reached the end of /init",
            "cvmm-test: done" in c.output, "no 'cvmm-test: done'", c)
    t.check(c.name + ": %d CPUs" % cpus, m.get("cpus") == str(cpus),
            "cpus=%s" % m.get("cpus"), c)
    online = "0" if cpus == 1 else "0-%d" % (cpus - 1)
    t.check(c.name + ": CPUs online " + online, m.get("online") == online,
            "online=%s" % m.get("online"), c)
    t.check(c.name + ": the device tree's GIC is a GICv3",
            m.get("gic", "").startswith("arm,gic-v3"), "gic=%s" % m.get("gic"),
            c)
    t.check(c.name + ": PSCI through hvc", m.get("psci", "").startswith("hvc"),
            "psci=%s" % m.get("psci"), c)
    t.check(c.name + ": /chosen bootargs reached the kernel",
            m.get("cmdline-ok") == "1", "cmdline-ok=%s" % m.get("cmdline-ok"),
            c)
    for key in ("timer-irqs", "serial-irqs"):
        v = m.get(key, "")
        t.check(c.name + ": %s > 0" % key, v.isdigit() and int(v) > 0,
                "%s=%s" % (key, v), c)
    if c.shell:
        return
    s = c.stats_json or {}
    exits = s.get("exits", {})
    t.check(c.name + ": --stats: PSCI's exit, MMIO exits",
            exits.get("SYSTEM_EVENT") == 1 and exits.get("MMIO", 0) > 0,
            "exits %s" % exits, c)


def check(t, by):
    for name in ("2cpu-thp", "2cpu-gmem-reboot"):
        check_boot(t, by[name], 2)
    t.check("2cpu-thp: RAM backing anonymous (THP)",
            '"anonymous"' in markers(by["2cpu-thp"]).get("backing", ""),
            "backing %s" % markers(by["2cpu-thp"]).get("backing"),
            by["2cpu-thp"])
    for name in ("2cpu-gmem-reboot",):
        mem = (by[name].stats_json or {}).get("memory", {})
        t.check(name + ": RAM backing guest_memfd",
                mem.get("backing") == "guest_memfd",
                "memory stats %s" % str(mem)[:300], by[name])
    c = by["2cpu-thp"]
    t.check("2cpu-thp: the host reads a page of a default VM's guest",
            re.search(re.escape(READ) + "0x[0-9a-f]{2}$", c.output, re.M),
            "no '%s0x..'" % READ, c)
    c = by["2cpu-gmem-reboot"]
    t.check(c.name + ": PSCI SYSTEM_RESET ended the VM",
            "guest rebooted" in c.output, "no 'guest rebooted'", c)
    c = by["2cpu-thp"]
    t.check("2cpu-thp: the guest read the line from stdin",
            "cvmm-test: got [hello-from-host]" in c.output, "no echo", c)
    c = by["gzip-image"]
    t.check("gzip-image: exit 2", c.status == 2, "status %s" % c.status, c)
    t.check("gzip-image: says to decompress it",
            "'Image.gz' is gzip-compressed" in c.output, "message", c)
    c = by["big-endian"]
    t.check("big-endian: exit 2", c.status == 2, "status %s" % c.status, c)
    t.check("big-endian: names the file and the header field",
            "be.img' is not a bootable arm64 Image" in c.output and
            "header field flags is 0x1" in c.output, "message", c)
    c = by["pkvm-without-pkvm"]
    t.check("pkvm-without-pkvm: exit 3", c.status == 3,
            "status %s" % c.status, c)
    t.check("pkvm-without-pkvm: names what is missing",
            "kvm-arm.mode=protected" in c.output and
            "KVM_VM_TYPE_ARM_PROTECTED" in c.output, "message", c)
    c = by["too-small-ram"]
    t.check("too-small-ram: exit 1", c.status == 1, "status %s" % c.status, c)
    t.check("too-small-ram: names image_size",
            "image_size" in c.output and "do not fit" in c.output,
            "message", c)


def check_pkvm_guest(t, by):
    c = by["pkvm-guest"]
    exits = (c.stats_json or {}).get("exits", {})
    t.check("pkvm-guest: the test guest as a protected VM: 2 vCPUs, "
            "anonymous RAM, PSCI SYSTEM_OFF", c.status == 0 and
            "confidential mode: pkvm (private memory)" in c.output and
            "vcpus: 2 of 2 online" in c.output and
            "backed by anonymous" in c.output and
            exits.get("SYSTEM_EVENT") == 1, "status %s" % c.status, c)
    t.check("pkvm-guest: a host read of the guest's first page faults",
            READ.replace("80000000", "80100000") + "SEGV" in c.output,
            "no SEGV read", c)
    c = by["pkvm-guest-pattern"]
    r = dict(re.findall(r"^result: (\S+) (.*)$", c.output, re.M))
    t.check("pkvm-guest-pattern: 2 vCPUs write RAM, the other reads it "
            "back", c.status == 0 and r.get("mem-pattern-vcpus") == "2" and
            r.get("mem-pattern-bad") == "0", "results %s" % r, c)


def check_pkvm(t, by, root):
    capscheck.check(t, by["caps-protected"], root, protected=True)
    check_pkvm_guest(t, by)
    for name, cpus in (("pkvm-1cpu", 1),):
        check_boot(t, by[name], cpus)
        mem = (by[name].stats_json or {}).get("memory", {})
        t.check(name + ": RAM backing anonymous",
                mem.get("backing") == "anonymous",
                "memory stats %s" % str(mem)[:300], by[name])
    c = by["pkvm-1cpu"]
    t.check("pkvm-1cpu: a host read of a page the guest used faults, and "
            "cvmm goes on (exit 0)",
            READ + "SEGV" in c.output and c.status == 0,
            "no '%sSEGV'" % READ, c)
    c = by["pkvm-virtio"]
    t.check("pkvm-virtio: refused at start (exit 2)", c.status == 2,
            "status %s" % c.status, c)
    t.check("pkvm-virtio: one line saying why",
            "virtio devices with cc.mode 'pkvm'" in c.output and
            len(c.output.strip().splitlines()) == 1, "message", c)
    c = by["pkvm-memfd"]
    t.check("pkvm-memfd: refused at start (exit 2)", c.status == 2,
            "status %s" % c.status, c)
    t.check("pkvm-memfd: names anonymous memory",
            "anonymous memory" in c.output, "message", c)


def rig_arm64(root):
    path = os.environ.get("CVMM_RIG_ARM64",
                          os.path.join(root, "..", "shared", "rig-arm64"))
    if not os.access(os.path.join(path, "run-in-rig"), os.X_OK):
        return None, "no rig at %s (set CVMM_RIG_ARM64)" % path
    for tool in ("qemu-system-aarch64", "cpio", "xz"):
        if not shutil.which(tool):
            return None, "rig-arm64 needs %s (scripts/deps --arm64)" % tool
    return path, None


def build(root, cmd):
    p = subprocess.run(cmd, cwd=root, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode:
        print(p.stdout[-3000:])
    return p.returncode == 0


def arm64_cvmm(root):
    """The aarch64 cvmm and its debug-hooks build, or None and why: a
    missing cross compiler is a skip, a build that fails is a failure."""
    if not shutil.which("aarch64-linux-gnu-gcc"):
        return None, "no cross compiler (scripts/deps --arm64)"
    debug = os.path.join(root, "build-arm64-debug")
    if not build(root, [os.path.join(root, "scripts", "build"), "--arm64"]):
        return None, "scripts/build --arm64 failed"
    if not os.path.exists(os.path.join(debug, "build.ninja")) and not build(
            root, ["meson", "setup", debug, "--cross-file",
                   "scripts/cross/aarch64-linux-gnu.txt",
                   "-Ddebug_hooks=true"]):
        return None, "configuring build-arm64-debug failed"
    if not build(root, ["ninja", "-C", debug, "cvmm"]):
        return None, "building build-arm64-debug failed"
    return (os.path.join(root, "build-arm64", "cvmm"),
            os.path.join(debug, "cvmm")), None


def write_files(tmp, rig):
    kernel = sorted(glob.glob(os.path.join(rig, "Image-*.gz")))[-1]
    with gzip.open(kernel) as f:
        image = f.read()
    files = {"Image": image}
    with open(kernel, "rb") as f:
        files["Image.gz"] = f.read(65536)
    # A header that is right but for the big-endian flag.
    be = bytearray(image[:4096])
    struct.pack_into("<Q", be, 24, 1)
    files["be.img"] = bytes(be)
    with lzma.open(os.path.join(rig, "busybox-arm64.xz")) as f:
        busybox = os.path.join(tmp, "busybox")
        with open(busybox, "wb") as out:
            out.write(f.read())
    img = initramfs.Image(busybox=busybox)
    img.add_file("init", INIT, 0o755)
    files["initrd.img"] = img.cpio()
    paths = []
    for name, data in files.items():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path + ":" + name)
    return paths


def main():
    root = os.path.abspath(sys.argv[1])
    rig, why = rig_arm64(root)
    if rig is None:
        print("skipped: " + why)
        return rigrun.SKIP
    binaries, why = arm64_cvmm(root)
    if binaries is None and why.startswith("no cross compiler"):
        print("skipped: " + why)
        return rigrun.SKIP
    if binaries is None:
        print("FAIL " + why)
        return 1
    cvmm, cvmm_debug = binaries
    os.environ["CVMM_RIG"] = rig
    env = ["CVMM_DEBUG_READ_GUEST=1"]
    with tempfile.TemporaryDirectory() as tmp:
        files = write_files(tmp, rig) + [cvmm_debug + ":cvmm-debug"]
        ok, why = rigrun.run(cvmm, CASES, files=files, timeout=2400,
                             mem=1024, verbose="-v" in sys.argv,
                             env=env)
        if not ok:
            rigrun.main_skip_or_fail(ok, why)
        ok, why = rigrun.run(cvmm, PKVM_CASES, files=files, timeout=2400,
                             mem=1024, verbose="-v" in sys.argv,
                             env=env, rig_args=["--protected"])
        if not ok:
            rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    check(t, {c.name: c for c in CASES})
    check_pkvm(t, {c.name: c for c in PKVM_CASES}, root)
    return t.finish(CASES + PKVM_CASES)


if __name__ == "__main__":
    sys.exit(main())
