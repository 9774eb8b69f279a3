#!/usr/bin/env python3
"""virtio-pci devices under a Linux guest in the rig, all in one rig boot.

The rig's kernel boots with a busybox initramfs built here that loads the
virtio modules of ../shared/rig/guest-modules, then, as cvmmtest= on the
command line says:
- blk (1 vCPU, default VM, MSI-X; 2 vCPUs, --cc sw, pci=nomsi so that the
  devices interrupt through INTx; 2 vCPUs, --irqchip split): checksums a read-write and a read-only
  disk image made here, writes a marker into the first at 1 MiB, tries to
  write the second (refused by the kernel, then, forced with blockdev
  --setrw, by the device), reads /dev/hwrng and writes to hvc0. After cvmm
  exits, the case checksums the images inside the rig.
- net (2 vCPUs): a TAP in a network namespace the case makes; the rig
  pings the guest (small and near-MTU packets) and sends it a line over
  TCP.
- reboot (2 vCPUs, --on-reboot restart): the guest marks a disk and
  reboots, cvmm boots it again, the second boot sees the mark and powers
  off; and SIGTERM to cvmm while it supervises a boot ends both.
And a disk of a size that is not whole sectors, a missing TAP, a network
interface that is not a TAP and devices for the test guest are refused.
Usage: test-virtio.py CVMM"""
import hashlib
import lzma
import os
import random
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import initramfs  # noqa: E402
import rigrun  # noqa: E402

# In the order their dependencies need (rig README).
MODULES = ["virtio_blk", "failover", "net_failover", "virtio_net",
           "virtio-rng"]
DISK_SIZE = 4 << 20
RO_SIZE = 1 << 20
MARK = "cvmm-virtio-blk-write-test"
MARK_OFF = 1 << 20
GUEST_MAC = "52:54:00:12:34:56"

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
say() { echo "cvmm-test: $*"; }
for m in %(modules)s; do
	insmod /lib/modules/$m.ko || say "insmod-failed=$m"
done
say "cpus=$(grep -c ^processor /proc/cpuinfo)"
say "online=$(cat /sys/devices/system/cpu/online)"

blk() {
	for d in vda vdb; do
		n=0
		while [ ! -b /dev/$d ] && [ $n -lt 50 ]; do
			sleep 0.1; n=$((n + 1))
		done
		say "serial-$d=$(cat /sys/block/$d/serial)"
		say "ro-$d=$(cat /sys/block/$d/ro)"
		say "size-$d=$(cat /sys/block/$d/size)"
	done
	say "sum-vda=$(dd if=/dev/vda bs=65536 count=16 2>/dev/null |
		sha256sum | cut -d' ' -f1)"
	say "sum-vdb=$(dd if=/dev/vdb bs=65536 2>/dev/null |
		sha256sum | cut -d' ' -f1)"
	printf '%%s' %(mark)s |
		dd of=/dev/vda bs=512 seek=%(mark_sector)d conv=notrunc,fsync \
		2>/dev/null
	say "wrote=$?"
	printf x | dd of=/dev/vdb bs=512 seek=8 conv=notrunc,fsync 2>/dev/null
	say "ro-write=$?"
	# Past the kernel's read-only flag: the device must refuse it.
	blockdev --setrw /dev/vdb
	printf x | dd of=/dev/vdb bs=512 seek=8 conv=notrunc,fsync 2>/dev/null
	say "ro-write-forced=$?"
	say "rng-current=$(cat /sys/class/misc/hw_random/rng_current)"
	say "rng=$(dd if=/dev/hwrng bs=16 count=2 2>/dev/null |
		od -An -tx1 | tr -d ' \n')"
	echo cvmm-hvc-hello > /dev/hvc0
	say "msix-vectors=$(grep -c 'PCI-MSIX.*virtio' /proc/interrupts)"
	say "intx-lines=$(grep -c 'IO-APIC.*virtio' /proc/interrupts)"
	say "virtio-irqs=$(awk '/virtio/ { for (i = 2; i <= NF; i++)
		if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' \
		/proc/interrupts)"
}

net() {
	ip link set lo up
	ip addr add 10.0.2.2/24 dev eth0
	ip link set eth0 up
	say "mac=$(cat /sys/class/net/eth0/address)"
	timeout 120 nc -l -p 5000 > /tmp/msg &
	sleep 0.2
	say "net-up"
	wait
	say "net-msg=[$(cat /tmp/msg)]"
	say "in-echos=$(awk '/^Icmp:/ { if (!n) { n = 1;
		for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i }
		else print $c }' /proc/net/snmp)"
}

# machine.on_reboot restart: only a disk remembers the first boot.
reboot_once() {
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 50 ]; do
		sleep 0.1; n=$((n + 1))
	done
	if [ "$(dd if=/dev/vda bs=1 count=1 2>/dev/null)" = 1 ]; then
		say "second-boot"
		return
	fi
	printf 1 | dd of=/dev/vda bs=1 count=1 conv=notrunc,fsync 2>/dev/null
	say "first-boot"
	reboot -f
}

case "$cvmmtest" in
blk) blk ;;
net) net ;;
reboot) reboot_once ;;
wait) say "waiting"; sleep 600 ;;
esac
say "done"
poweroff -f
"""

MEM = "256M"
CMDLINE = "console=ttyS0 quiet panic=-1 cvmmtest=%s"
# A boot takes 15-25 s in the rig; a hung guest is killed.
CASE_TIMEOUT = 150


def cvmm_cmd(mode, extra, kargs=""):
    cmdline = (CMDLINE % mode + " " + kargs).strip()
    return ("timeout %d ./cvmm run --kernel vmlinuz --initrd initrd.img "
            "--memory %s --cmdline '%s' %s" % (CASE_TIMEOUT, MEM, cmdline,
                                                extra))


def blk_case(name, extra, kargs=""):
    disk, ro = "/tmp/%s.img" % name, "/tmp/%s-ro.img" % name
    # A boot killed by its timeout (143) runs once more, on fresh images,
    # and says so: the 2-vCPU SW_PROTECTED boot hangs now and then in the
    # nested rig, a guest deadlock (docs/linux.md); hanging twice fails.
    shell = """boot() {{ cp disk.img {disk} && cp ro.img {ro} && {cmd} 2>&1; }}
boot
st=$?
if [ $st -eq 143 ] || [ $st -eq 124 ]; then
	echo "cvmm-host: hung-once=yes"
	boot
	st=$?
fi
echo "cvmm-host: disk-sum=$(sha256sum {disk} | cut -d' ' -f1)"
echo "cvmm-host: ro-sum=$(sha256sum {ro} | cut -d' ' -f1)"
echo "cvmm-host: written=$(dd if={disk} bs=1 skip={off} count={n} 2>&-)"
(exit $st)""".format(disk=disk, ro=ro, off=MARK_OFF, n=len(MARK),
                     cmd=cvmm_cmd("blk", "--disk %s --disk %s,ro --rng "
                                  "--console %s" % (disk, ro, extra), kargs))
    return rigrun.Case(name, [], stats=False, shell=shell)


# The TAP lives in a network namespace of its own; cvmm runs in it too.
NET_SHELL = r"""insmod ./tun.ko
[ -c /dev/net/tun ] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
cat >/tmp/net.sh <<'EOF'
ip link set lo up
tunctl -t tap0 >/dev/null
ip addr add 10.0.2.1/24 dev tap0
ip link set tap0 up
%s >/tmp/net-out 2>&1 &
pid=$!
while ! grep -q "cvmm-test: net-up" /tmp/net-out && kill -0 $pid 2>/dev/null
do
	sleep 0.5
done
ping -c 3 -W 10 10.0.2.2 >/tmp/ping 2>&1
echo "cvmm-host: ping=$?"
ping -c 2 -s 1400 -W 10 10.0.2.2 >>/tmp/ping 2>&1
echo "cvmm-host: ping-big=$?"
echo hello-over-tcp | timeout 10 nc 10.0.2.2 5000
wait $pid
st=$?
cat /tmp/net-out /tmp/ping
exit $st
EOF
unshare -n sh /tmp/net.sh""" % cvmm_cmd(
    "net", "--vcpus 2 --net tap=tap0,mac=" + GUEST_MAC)

# Two boots in one cvmm: the guest reboots once, the disk tells it so.
RESTART_SHELL = """dd if=/dev/zero of=/tmp/reboot.img bs=65536 count=1 2>/dev/null
%s 2>&1""" % cvmm_cmd("reboot", "--vcpus 2 --disk /tmp/reboot.img "
                     "--on-reboot restart").replace(
                         "timeout %d" % CASE_TIMEOUT,
                         "timeout %d" % (2 * CASE_TIMEOUT))

# SIGTERM to the restart supervisor ends the boot it runs, and cvmm.
SIGTERM_SHELL = r"""%s >/tmp/term-out 2>&1 &
pid=$!
while ! grep -q "cvmm-test: waiting" /tmp/term-out && kill -0 $pid 2>/dev/null
do
	sleep 0.5
done
kill -TERM $pid
wait $pid
echo "cvmm-host: term-status=$?"
sleep 1
echo "cvmm-host: cvmm-left=$(ps -o comm | grep -c '^cvmm$')"
cat /tmp/term-out""" % cvmm_cmd("wait", "--on-reboot restart")

# Refused before the VM runs, with exit status 2 and the reason.
REFUSALS = [
    ("refuse-odd-disk", "head -c 1000 disk.img >/tmp/odd.img\n"
     + cvmm_cmd("blk", "--disk /tmp/odd.img"),
     "its size is not a multiple of 512 bytes"),
    ("refuse-missing-tap", cvmm_cmd("net", "--net tap=nosuchtap0"),
     "no such network interface"),
    ("refuse-not-a-tap", cvmm_cmd("net", "--net tap=lo"),
     "not a TAP device"),
    ("refuse-test-guest", "./cvmm run --scenario basic --disk disk.img",
     "need a kernel"),
]

# The refusals last: the net case loads tun, which "not a TAP" needs.
CASES = [
    blk_case("blk-1cpu", ""),
    # Without MSI: INTx and the ISR register.
    blk_case("blk-2cpu-sw-intx", "--vcpus 2 --cc sw", "pci=nomsi"),
    # cvmm's IOAPIC and KVM's local APICs only: MSI-X through irqfds.
    blk_case("blk-2cpu-split", "--vcpus 2 --irqchip split"),
    rigrun.Case("net", [], stats=False, shell=NET_SHELL),
    rigrun.Case("restart", [], stats=False, shell=RESTART_SHELL),
    rigrun.Case("restart-sigterm", [], stats=False, shell=SIGTERM_SHELL),
] + [rigrun.Case(n, [], stats=False, shell=sh + " 2>&1")
     for n, sh, _ in REFUSALS]


# Not anchored at line starts: hvc0's output shares stdout with the
# serial console's and may land in the middle of one of its lines.
def markers(case):
    return dict(re.findall(r"cvmm-(?:test|host): (\S+?)=(.*)$",
                           case.output, re.M))


def make_images(tmp):
    rnd = random.Random(4)
    disk = bytearray(rnd.getrandbits(8) for _ in range(DISK_SIZE))
    ro = bytes(rnd.getrandbits(8) for _ in range(RO_SIZE))
    paths = (os.path.join(tmp, "disk.img"), os.path.join(tmp, "ro.img"))
    for path, data in zip(paths, (disk, ro)):
        with open(path, "wb") as f:
            f.write(data)
    written = bytearray(disk)
    written[MARK_OFF:MARK_OFF + len(MARK)] = MARK.encode()
    return paths, {
        "sum-vda": hashlib.sha256(disk[:1 << 20]).hexdigest(),
        "sum-vdb": hashlib.sha256(ro).hexdigest(),
        "disk-sum": hashlib.sha256(written).hexdigest(),
        "ro-sum": hashlib.sha256(ro).hexdigest(),
    }


def make_initrd(tmp, rig):
    img = initramfs.Image()
    img.add_file("init", INIT % {"modules": " ".join(MODULES),
                                 "mark": MARK,
                                 "mark_sector": MARK_OFF // 512}, 0o755)
    for m in MODULES:
        with lzma.open(os.path.join(rig, "guest-modules",
                                    m + ".ko.xz")) as f:
            img.add_file("lib/modules/%s.ko" % m, f.read())
    path = os.path.join(tmp, "initrd.img")
    with open(path, "wb") as f:
        f.write(img.cpio())
    tun = os.path.join(tmp, "tun.ko")
    with lzma.open(os.path.join(rig, "host-modules", "tun.ko.xz")) as f:
        with open(tun, "wb") as out:
            out.write(f.read())
    return path, tun


def check_blk(t, c, cpus, want, msix=True):
    m = markers(c)
    n = c.name

    def expect(key, value, what):
        t.check("%s: %s" % (n, what), m.get(key) == value,
                "%s=%s, expected %s" % (key, m.get(key), value), c)

    t.check(n + ": exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check(n + ": reached the end of /init", "cvmm-test: done" in c.output,
            "no 'cvmm-test: done'", c)
    t.check(n + ": modules loaded", "insmod-failed" not in c.output,
            "an insmod failed", c)
    expect("cpus", str(cpus), "%d CPUs" % cpus)
    expect("online", "0" if cpus == 1 else "0-%d" % (cpus - 1),
           "all CPUs online")
    expect("serial-vda", "cvmm-disk0", "vda is the first disk")
    expect("serial-vdb", "cvmm-disk1", "vdb is the second disk")
    expect("size-vda", str(DISK_SIZE // 512), "vda's size")
    expect("ro-vda", "0", "vda is writable")
    expect("ro-vdb", "1", "vdb is read-only (VIRTIO_BLK_F_RO)")
    expect("sum-vda", want["sum-vda"], "the guest reads vda's bytes")
    expect("sum-vdb", want["sum-vdb"], "the guest reads vdb's bytes")
    expect("wrote", "0", "the guest's write to vda succeeded")
    t.check(n + ": a write to vdb fails in the guest",
            m.get("ro-write", "0") != "0", "ro-write=%s" % m.get("ro-write"),
            c)
    t.check(n + ": a forced write to vdb fails at the device",
            m.get("ro-write-forced", "0") != "0",
            "ro-write-forced=%s" % m.get("ro-write-forced"), c)
    expect("written", MARK, "the marker is in the image at 1 MiB")
    expect("disk-sum", want["disk-sum"], "nothing else changed in the image")
    expect("ro-sum", want["ro-sum"], "the read-only image is unchanged")
    expect("rng-current", "virtio_rng.0", "hwrng is virtio-rng")
    rng = m.get("rng", "")
    t.check(n + ": 32 random bytes from /dev/hwrng",
            re.fullmatch("[0-9a-f]{64}", rng) and rng != "0" * 64,
            "rng=%s" % rng, c)
    t.check(n + ": hvc0 output reaches stdout",
            "cvmm-hvc-hello" in c.output,
            "no 'cvmm-hvc-hello' line", c)
    vectors, lines = m.get("msix-vectors", "0"), m.get("intx-lines", "0")
    if msix:
        t.check(n + ": devices use MSI-X", vectors.isdigit() and
                int(vectors) > 0, "msix-vectors=%s" % vectors, c)
    else:
        t.check(n + ": devices use INTx", vectors == "0" and
                lines.isdigit() and int(lines) > 0,
                "msix-vectors=%s, intx-lines=%s" % (vectors, lines), c)
    irqs = m.get("virtio-irqs", "0")
    t.check(n + ": virtio interrupts arrived", irqs.isdigit() and
            int(irqs) > 0, "virtio-irqs=%s" % irqs, c)
    return rng


def check_restart(t, c, term):
    m = markers(c)
    out = c.output
    t.check("restart: exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check("restart: the guest booted, rebooted, and booted again",
            out.count("cvmm-test: first-boot") == 1 and
            out.count("cvmm-test: second-boot") == 1 and
            out.index("first-boot") < out.index("second-boot"),
            "first-boot/second-boot markers missing or out of order", c)
    t.check("restart: cvmm said it restarts the guest",
            "guest rebooted; restarting it" in out, "no such line", c)
    t.check("restart: both boots brought up 2 CPUs",
            out.count("cvmm-test: online=0-1") == 2,
            "online=0-1 %d times" % out.count("cvmm-test: online=0-1"), c)
    t.check("restart: the second boot powered off",
            out.count("cvmm-test: done") == 1, "'done' %d times"
            % out.count("cvmm-test: done"), c)
    m = markers(term)
    t.check("restart-sigterm: SIGTERM ends cvmm with 143",
            m.get("term-status") == "143",
            "term-status=%s" % m.get("term-status"), term)
    t.check("restart-sigterm: no cvmm process is left",
            m.get("cvmm-left") == "0", "cvmm-left=%s" % m.get("cvmm-left"),
            term)


def check_net(t, c):
    m = markers(c)
    t.check("net: exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check("net: 2 CPUs online", m.get("online") == "0-1",
            "online=%s" % m.get("online"), c)
    t.check("net: the guest has the configured MAC",
            m.get("mac") == GUEST_MAC, "mac=%s" % m.get("mac"), c)
    t.check("net: the guest answers pings from the host side",
            m.get("ping") == "0", "ping=%s" % m.get("ping"), c)
    t.check("net: and near-MTU ones", m.get("ping-big") == "0",
            "ping-big=%s" % m.get("ping-big"), c)
    echos = m.get("in-echos", "")
    t.check("net: the guest counted the echo requests",
            echos.isdigit() and int(echos) >= 5, "in-echos=%s" % echos, c)
    t.check("net: a line over TCP reached the guest",
            m.get("net-msg") == "[hello-over-tcp]",
            "net-msg=%s" % m.get("net-msg"), c)


def main():
    cvmm = sys.argv[1]
    rig, kernel = rigrun.rig_and_kernel_or_skip()
    with tempfile.TemporaryDirectory() as tmp:
        (disk, ro), want = make_images(tmp)
        initrd, tun = make_initrd(tmp, rig)
        ok, why = rigrun.run(cvmm, CASES, timeout=1100,
                             verbose="-v" in sys.argv[2:],
                             files=[kernel + ":vmlinuz",
                                    initrd + ":initrd.img",
                                    disk + ":disk.img", ro + ":ro.img",
                                    tun + ":tun.ko"])
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}
    rng1 = check_blk(t, by["blk-1cpu"], 1, want)
    rng2 = check_blk(t, by["blk-2cpu-sw-intx"], 2, want, msix=False)
    check_blk(t, by["blk-2cpu-split"], 2, want)
    t.check("rng: two boots read different bytes", rng1 != rng2,
            "both read %s" % rng1)
    check_net(t, by["net"])
    check_restart(t, by["restart"], by["restart-sigterm"])
    for name, _, why in REFUSALS:
        c = by[name]
        t.check(name + ": exit 2", c.status == 2,
                "exit status %s" % c.status, c)
        t.check(name + ": says why", why in c.output, "no '%s'" % why, c)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
