#!/usr/bin/env python3
"""arm64 Linux guests in ../shared/rig-arm64 (a KVM/arm64 7.2 under
QEMU/TCG): Debian's arm64 kernel with a busybox initramfs built here,
booted by the aarch64 cvmm with 2 vCPUs (secondaries through PSCI
CPU_ON) from anonymous THP RAM, with 1 vCPU from guest_memfd RAM, and
with 1 vCPU as a pKVM protected VM; PSCI SYSTEM_OFF and SYSTEM_RESET end
cvmm with 0; a line on stdin reaches the guest through the UART's
interrupt; bad Images are refused naming the field.
The two default boots have virtio-pci devices on the ECAM host, the
guest's modules loaded from the initramfs: each reads its own disk image
of known bytes (checksum), writes a marker back (checked on the host
after cvmm exited, with the rest of the image) and reads virtio-rng (the
THP boot also writes to virtio-console's hvc0, and exchanges pings and a
TCP line with the rig through virtio-net on a TAP); the THP boot's
devices interrupt through MSI-X and the ITS, the guest_memfd one's
through INTx (pci=nomsi). The guest_memfd boot also runs vsock
(vhost-vsock in the rig) both ways with tests/rig/vsock-echo.c built for
aarch64. `cvmm run --plan` prints the arm64 test guest's plan. Three
Linux boots, one per property set, in two rig boots that run at the same
time, each in its own QEMU (the second with pKVM, which also runs `cvmm
caps` and the embedded test guest as a protected VM).

Usage: test-linux-arm64.py SOURCE_ROOT
The aarch64 cvmm is built first with scripts/build --arm64 (or taken from
$CVMM_ARM64); without the cross toolchain or the rig the test is skipped."""
import gzip
import glob
import hashlib
import lzma
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading

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
mount -t devtmpfs dev /dev
say() { echo "cvmm-test: $*"; }

# The disk's bytes, a marker written back, the rng, the interrupts.
virtio() {
	for m in %(modules)s; do
		insmod /lib/modules/$m.ko || say "insmod-failed=$m"
	done
	n=0
	while [ ! -b /dev/vda ] && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1))
	done
	say "disk-sum=$(dd if=/dev/vda bs=4096 2>/dev/null |
		sha256sum | cut -d' ' -f1)"
	printf '%%s' "$cvmmmark" |
		dd of=/dev/vda bs=512 seek=%(mark_sector)d conv=notrunc,fsync \
		2>/dev/null
	say "disk-wrote=$?"
	say "rng=$(dd if=/dev/hwrng bs=16 count=2 2>/dev/null |
		od -An -tx1 | tr -d ' \n')"
	[ -c /dev/hvc0 ] && echo "cvmm-hvc-$cvmmmark" > /dev/hvc0
	say "msix=$(grep -c 'MSI.*virtio' /proc/interrupts)"
	say "intx=$(grep virtio /proc/interrupts | grep -vc MSI)"
	say "virtio-irqs=$(awk '/virtio/ { for (i = 2; i <= NF; i++)
		if ($i ~ /^[0-9]+$/) s += $i } END { print s + 0 }' \
		/proc/interrupts)"
}

# virtio-net: eth0 on the host's TAP (10.0.2.1). The guest pings the host,
# says net-up once it listens on TCP 5000, then waits for the host's
# pings and its line over TCP.
net() {
	ip link set lo up
	ip addr add 10.0.2.2/24 dev eth0
	ip link set eth0 up
	say "mac=$(cat /sys/class/net/eth0/address)"
	ping -c 2 -W 10 10.0.2.1 >/dev/null 2>&1
	say "guest-ping=$?"
	timeout 300 nc -l -p 5000 > /tmp/msg &
	n=0
	while ! netstat -ltn | grep -q ':5000 ' && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1))
	done
	say "net-up"
	wait
	say "net-msg=[$(cat /tmp/msg)]"
	say "in-echos=$(awk '/^Icmp:/ { if (!n) { n = 1;
		for (i = 1; i <= NF; i++) if ($i == "InEchos") c = i }
		else print $c }' /proc/net/snmp)"
}

# vsock both ways: to the host's listener, then the host to ours. The
# host starts its listener when it sees vsock-up: until then a connection
# is reset, so try again for a while.
vsock() {
	say "vsock-up"
	n=1
	while :; do
		vsock-echo connect 2 %(hport)d "$cvmmmark-g2h" >/tmp/g2h 2>&1
		st=$?
		[ $st -eq 0 ] || [ $n -ge 100 ] && break
		n=$((n + 1))
		sleep 0.3
	done
	cat /tmp/g2h
	say "guest-connect=$st"
	say "guest-connect-tries=$n"
	vsock-echo listen %(gport)d >/tmp/listen 2>&1 &
	lp=$!
	n=0
	while ! grep -q listening /tmp/listen && [ $n -lt 100 ]; do
		sleep 0.1; n=$((n + 1))
	done
	say "vsock-listening"
	wait $lp
	say "guest-listen=$?"
	cat /tmp/listen
}

[ -n "$cvmmmark" ] && virtio
[ -n "$cvmmnet" ] && net
[ -n "$cvmmvsock" ] && vsock
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
# reboot -f and poweroff -f do not wait for the UART to send what the tty
# still holds: under a loaded rig the last line was lost once.
sleep 0.5
if [ "$cvmmtest" = reboot ]; then
	reboot -f
fi
poweroff -f
"""

MEM = "256M"
# quiet: every console byte is an MMIO exit, ~0.23 ms each in the rig.
CMDLINE = "console=ttyS0 quiet panic=-1 cvmmtest=%s"
# The guest's virtio modules, in the order their dependencies need (rig
# README); vhost_vsock in the rig needs the transport's common part too.
MODULES = ["virtio_blk", "failover", "net_failover", "virtio_net",
           "virtio-rng", "vsock",
           "vmw_vsock_virtio_transport_common", "vmw_vsock_virtio_transport"]
HOST_MODULES = [("host", "tun"), ("host", "vhost_iotlb"), ("host", "vhost"),
                ("guest", "vsock"),
                ("guest", "vmw_vsock_virtio_transport_common"),
                ("host", "vhost_vsock")]
# Each boot with a disk gets its own image of known bytes, reads it whole
# and writes its marker at MARK_OFF; the host checks the image afterwards.
DISK_SIZE = 256 << 10
MARK_OFF = 128 << 10
DISKS = ("2cpu-thp", "1cpu-gmem-reboot")
GUEST_PORT = 1234
HOST_PORT = 5678
VSOCK_CID = 3


def mark(name):
    return "cvmm-arm64-disk-" + name


def virtio_args(name):
    """The disk and rng of boot name, and its marker on the command line."""
    return (["--disk", "disk-%s.img" % name, "--rng"],
            " cvmmmark=" + mark(name))
# A boot takes about a minute in the nested TCG rig; a hung guest is
# killed (status 143) and run once more.
CASE_TIMEOUT = 400


def linux(name, mode="poweroff", *extra, cvmm="cvmm", timeout=CASE_TIMEOUT,
          kargs=""):
    return rigrun.Case(name, ["--kernel", "Image", "--initrd", "initrd.img",
                              "--memory", MEM, "--cmdline",
                              CMDLINE % mode + kargs]
                       + list(extra), timeout=timeout, cvmm=cvmm)


# cvmm-debug (-Ddebug_hooks=true) reads the guest kernel's first page
# after the run when CVMM_DEBUG_READ_GUEST is set (vmm/arm64/debug-read.c).
READ = "debug: host read of guest page 0x80000000: "


# The TAP of the THP boot's virtio-net, made in the prologue.
GUEST_MAC = "52:54:00:12:34:56"

# virtio-net: the rig pings the guest (small and near-MTU packets) and
# sends it a line over TCP once the guest says net-up; then a line on
# stdin once the guest asks for it; closing it then is EOF. A write to
# the FIFO after cvmm died is a SIGPIPE: in a subshell, which it ends,
# not the script of every case.
CONSOLE_SHELL = r"""rm -f /tmp/cin /tmp/cout; mkfifo /tmp/cin
timeout %d ./cvmm-debug run --kernel Image --initrd initrd.img \
	--memory %s --vcpus 2 --cmdline '%s' --stats /tmp/cstats.json \
	%s </tmp/cin >/tmp/cout 2>&1 &
pid=$!
exec 3>/tmp/cin
until grep -q "cvmm-test: net-up" /tmp/cout 2>/dev/null ||
	! kill -0 $pid 2>/dev/null; do
	sleep 0.2
done
ping -c 3 -W 10 10.0.2.2 >/tmp/ping 2>&1
echo "cvmm-host: ping=$?"
ping -c 2 -s 1400 -W 10 10.0.2.2 >>/tmp/ping 2>&1
echo "cvmm-host: ping-big=$?"
echo hello-over-tcp | timeout 20 nc 10.0.2.2 5000
echo "cvmm-host: nc=$?"
while ! grep -q 'cvmm-test: ready' /tmp/cout && kill -0 $pid 2>/dev/null
do
	sleep 0.2
done
(echo 'hello-from-host' >&3) 2>/dev/null
exec 3>&-
wait $pid; st=$?
cat /tmp/cout /tmp/ping
echo "cvmm-test: backing=$(grep -o '"backing": *"[a-z_-]*"' /tmp/cstats.json)"
(exit $st)""" % (
    CASE_TIMEOUT, MEM,
    CMDLINE % "echo" + virtio_args("2cpu-thp")[1] + " cvmmnet=1",
    " ".join(virtio_args("2cpu-thp")[0] +
             ["--console", "--net", "tap=tap0,mac=" + GUEST_MAC]))

# guest_memfd (MMAP|INIT_SHARED) as the only RAM, images in place, 1 vCPU,
# ending in a reboot (PSCI SYSTEM_RESET); without MSI (pci=nomsi): the
# virtio devices interrupt through INTx and SPIs. Besides its disk it has
# vsock, both ways: the rig starts cvmm, listens once the guest is about
# to connect (vsock-echo gives up after 60 s, less than a boot here),
# and connects once the guest listens.
VSOCK_SHELL = r"""timeout {t} ./cvmm run --kernel Image --initrd initrd.img \
	--memory {mem} --backing guest_memfd --cmdline '{cmdline}' {disk} \
	--vsock cid={cid} --stats /tmp/vstats.json >/tmp/vout 2>&1 &
pid=$!
while ! grep -q "cvmm-test: vsock-up" /tmp/vout && kill -0 $pid 2>/dev/null
do
	sleep 0.2
done
./vsock-echo listen {hport} >/tmp/host-listen 2>&1 &
hl=$!
while ! grep -q "cvmm-test: vsock-listening" /tmp/vout &&
	kill -0 $pid 2>/dev/null; do
	sleep 0.2
done
./vsock-echo connect {cid} {gport} hello-from-host
echo "cvmm-host: host-connect=$?"
wait $pid
st=$?
kill $hl 2>/dev/null
wait $hl
echo "cvmm-host: host-listen=$?"
cat /tmp/host-listen /tmp/vout
for key in backing SYSTEM_EVENT MMIO; do
	echo "cvmm-host: stats-$key=$(grep -o "\"$key\": *[^,}}]*" \
		/tmp/vstats.json | sed 's/.*: *//')"
done
(exit $st)""".format(hport=HOST_PORT, gport=GUEST_PORT, cid=VSOCK_CID,
                     t=CASE_TIMEOUT, mem=MEM,
                     cmdline=CMDLINE % "reboot" +
                     virtio_args("1cpu-gmem-reboot")[1] +
                     " pci=nomsi cvmmvsock=1",
                     disk=" ".join(virtio_args("1cpu-gmem-reboot")[0]))

# After the boots: what the guests wrote, as the host sees it.
DISK_SHELL = "\n".join(
    'echo "cvmm-host: sum-{n}=$(sha256sum disk-{n}.img | cut -d" " -f1)"\n'
    'echo "cvmm-host: mark-{n}=$(dd if=disk-{n}.img bs=1 skip={off} '
    'count={len} 2>/dev/null)"'.format(n=n, off=MARK_OFF, len=len(mark(n)))
    for n in DISKS)

# vhost-vsock in the rig's kernel, and tun with the TAP of the THP boot's
# virtio-net, before the first case.
PROLOGUE = "\n".join(["insmod ./%s.ko" % m for _, m in HOST_MODULES] + [
    "[ -c /dev/vhost-vsock ] || mknod /dev/vhost-vsock c 10 241",
    "[ -c /dev/net/tun ] || { mkdir -p /dev/net; "
    "mknod /dev/net/tun c 10 200; }",
    "tunctl -t tap0 >/dev/null", "ip addr add 10.0.2.1/24 dev tap0",
    "ip link set tap0 up"])

CASES = [
    # Linux gets anonymous THP RAM by default (auto); this boot also reads
    # a line from stdin, and the host reads a page of the default VM's
    # guest after it (cvmm-debug).
    # Its virtio devices interrupt through MSI-X and the ITS.
    rigrun.Case("2cpu-thp", [], stats=False, shell=CONSOLE_SHELL),
    rigrun.Case("1cpu-gmem-reboot", [], stats=False, shell=VSOCK_SHELL),
    rigrun.Case("disks", [], stats=False, shell=DISK_SHELL),
    # Refused before any vCPU runs, naming the file and the header field.
    rigrun.Case("gzip-image", ["--kernel", "Image.gz", "--memory", MEM],
                stats=False),
    rigrun.Case("big-endian", ["--kernel", "be.img", "--memory", MEM],
                stats=False),
    rigrun.Case("too-small-ram", ["--kernel", "Image", "--memory", "4M"],
                stats=False),
    # --plan of the arm64 test guest (cc/plan-arm64.c), not the x86 one's.
    rigrun.Case("plan", ["--plan", "--vcpus", "2"], stats=False),
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
    rigrun.Case("plan-pkvm", ["--plan", "--cc", "pkvm"], stats=False),
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


def host_markers(case):
    return dict(re.findall(r"^cvmm-host: (\S+?)=(.*)$", case.output, re.M))


def check_virtio(t, c, disks, msix):
    """The guest read the disk's known bytes and wrote its marker (seen by
    the host after cvmm exited), read the rng, and its virtio devices
    interrupted through MSI-X (the ITS) or INTx (SPIs)."""
    m, n = markers(c), c.name
    data = disk_image()
    written = bytearray(data)
    written[MARK_OFF:MARK_OFF + len(mark(n))] = mark(n).encode()
    host = host_markers(disks)
    t.check(n + ": virtio modules loaded", "insmod-failed" not in c.output,
            "an insmod failed", c)
    t.check(n + ": the guest read the disk's %d known bytes" % DISK_SIZE,
            m.get("disk-sum") == hashlib.sha256(data).hexdigest(),
            "disk-sum=%s" % m.get("disk-sum"), c)
    t.check(n + ": the guest's write succeeded", m.get("disk-wrote") == "0",
            "disk-wrote=%s" % m.get("disk-wrote"), c)
    t.check(n + ": the host finds the marker in the image",
            host.get("mark-" + n) == mark(n),
            "mark-%s=%s" % (n, host.get("mark-" + n)), disks)
    t.check(n + ": and nothing else changed",
            host.get("sum-" + n) == hashlib.sha256(written).hexdigest(),
            "sum-%s=%s" % (n, host.get("sum-" + n)), disks)
    rng = m.get("rng", "")
    t.check(n + ": 32 random bytes from virtio-rng",
            re.fullmatch("[0-9a-f]{64}", rng) and rng != "0" * 64,
            "rng=%s" % rng, c)
    irqs = m.get("virtio-irqs", "")
    t.check(n + ": virtio interrupts counted", irqs.isdigit() and
            int(irqs) > 0, "virtio-irqs=%s" % irqs, c)
    want, other = ("msix", "intx") if msix else ("intx", "msix")
    t.check(n + ": virtio interrupts through " +
            ("MSI-X and the ITS" if msix else "INTx (SPIs)"),
            m.get(want, "0") not in ("", "0") and m.get(other) == "0",
            "msix=%s intx=%s" % (m.get("msix"), m.get("intx")), c)


def check_vsock(t, c):
    m, n, out = host_markers(c), c.name, c.output
    t.check(n + ": host -> guest: the host's line came back",
            "vsock-echo: reply=hello-from-host" in out and
            m.get("host-connect") == "0",
            "host-connect=%s" % m.get("host-connect"), c)
    t.check(n + ": host -> guest: the guest served the host (CID 2)",
            "vsock-echo: served peer-cid=2 text=hello-from-host" in out and
            markers(c).get("guest-listen") == "0",
            "guest-listen=%s" % markers(c).get("guest-listen"), c)
    t.check(n + ": guest -> host: the guest's line came back",
            "vsock-echo: reply=%s-g2h" % mark(n) in out and
            markers(c).get("guest-connect") == "0",
            "guest-connect=%s" % markers(c).get("guest-connect"), c)
    t.check(n + ": guest -> host: the host saw the guest's CID %d" %
            VSOCK_CID, "vsock-echo: served peer-cid=%d text=%s-g2h" %
            (VSOCK_CID, mark(n)) in out and m.get("host-listen") == "0",
            "host-listen=%s" % m.get("host-listen"), c)


def check_net(t, c):
    """virtio-net both ways through the rig's TAP, under MSI-X."""
    m, n = markers(c), c.name
    h = host_markers(c)
    t.check(n + ": virtio-net: the guest has the configured MAC",
            m.get("mac") == GUEST_MAC, "mac=%s" % m.get("mac"), c)
    t.check(n + ": virtio-net: the guest pings the host's TAP",
            m.get("guest-ping") == "0", "guest-ping=%s" % m.get("guest-ping"),
            c)
    t.check(n + ": virtio-net: the guest answers the host's pings",
            h.get("ping") == "0", "ping=%s" % h.get("ping"), c)
    t.check(n + ": virtio-net: and near-MTU ones", h.get("ping-big") == "0",
            "ping-big=%s" % h.get("ping-big"), c)
    echos = m.get("in-echos", "")
    t.check(n + ": virtio-net: the guest counted the 5 echo requests",
            echos.isdigit() and int(echos) >= 5, "in-echos=%s" % echos, c)
    t.check(n + ": virtio-net: a line over TCP reached the guest",
            m.get("net-msg") == "[hello-over-tcp]" and h.get("nc") == "0",
            "net-msg=%s nc=%s" % (m.get("net-msg"), h.get("nc")), c)


def check(t, by):
    check_boot(t, by["2cpu-thp"], 2)
    check_net(t, by["2cpu-thp"])
    check_boot(t, by["1cpu-gmem-reboot"], 1)
    check_virtio(t, by["2cpu-thp"], by["disks"], msix=True)
    check_virtio(t, by["1cpu-gmem-reboot"], by["disks"], msix=False)
    check_vsock(t, by["1cpu-gmem-reboot"])
    c = by["2cpu-thp"]
    t.check(c.name + ": virtio-console: hvc0's output reaches stdout",
            "cvmm-hvc-" + mark(c.name) in c.output, "no 'cvmm-hvc-' line",
            c)
    t.check("2cpu-thp: RAM backing anonymous (THP)",
            '"anonymous"' in markers(by["2cpu-thp"]).get("backing", ""),
            "backing %s" % markers(by["2cpu-thp"]).get("backing"),
            by["2cpu-thp"])
    c = by["1cpu-gmem-reboot"]
    m = host_markers(c)
    t.check(c.name + ": RAM backing guest_memfd",
            m.get("stats-backing", "").strip() == '"guest_memfd"',
            "stats-backing=%s" % m.get("stats-backing"), c)
    t.check(c.name + ": --stats: PSCI's exit, MMIO exits",
            m.get("stats-SYSTEM_EVENT") == "1" and
            m.get("stats-MMIO", "").isdigit() and int(m["stats-MMIO"]) > 0,
            "SYSTEM_EVENT=%s MMIO=%s" % (m.get("stats-SYSTEM_EVENT"),
                                         m.get("stats-MMIO")), c)
    c = by["2cpu-thp"]
    t.check("2cpu-thp: the host reads a page of a default VM's guest",
            re.search(re.escape(READ) + "0x[0-9a-f]{2}$", c.output, re.M),
            "no '%s0x..'" % READ, c)
    c = by["1cpu-gmem-reboot"]
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
    check_plan(t, by["plan"], (
        "cc.mode none, default (40-bit IPA), 2 vCPUs",
        "KVM_SET_USER_MEMORY_REGION2  slot 0, gpa 0x80000000",
        "KVM_ARM_VCPU_INIT            vCPU 1:",
        "powered off until the guest's PSCI CPU_ON",
        "KVM_CREATE_DEVICE            KVM_DEV_TYPE_ARM_VGIC_V3",
        "gpa 0x80100000, len 0x", "gpa 0x80007000, len 0x",
        "vCPU 0: pc 0x80100000 (the test guest), x0 0x80007000",
        "KVM_RUN                      2 vCPU threads"))
    c = by["too-small-ram"]
    t.check("too-small-ram: exit 1", c.status == 1, "status %s" % c.status, c)
    t.check("too-small-ram: names image_size",
            "image_size" in c.output and "do not fit" in c.output,
            "message", c)


# Words of the x86 test guest's plan (cc/plan-boot.c) and of x86's KVM.
X86_PLAN = ("KVM_SET_CPUID2", "64-bit mode", "page tables", "KVM_X86_",
            "KVM_CREATE_IRQCHIP")


def check_plan(t, c, want):
    """cvmm run --plan on arm64 prints the arm64 test guest's plan."""
    t.check(c.name + ": exit 0", c.status == 0, "status %s" % c.status, c)
    missing = [w for w in want if w not in c.output]
    t.check(c.name + ": the arm64 test guest's steps", not missing,
            "missing %s" % missing, c)
    x86 = [w for w in X86_PLAN if w in c.output]
    t.check(c.name + ": nothing of the x86 guest's", not x86,
            "has %s" % x86, c)


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
    check_plan(t, by["plan-pkvm"], (
        "KVM_VM_TYPE_ARM_PROTECTED | IPA 40 bits",
        "flags 0, RAM, shared side anonymous",
        "pointer authentication where offered",
        "vCPU 0: pc 0x80100000 (the test guest)"))
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


def disk_image():
    rnd = random.Random(18)
    return bytes(rnd.getrandbits(8) for _ in range(DISK_SIZE))


def vsock_echo(root, tmp):
    """tests/rig/vsock-echo.c for aarch64, static: it runs in the rig and
    in the guest's initramfs. Its bytes, or None."""
    out = os.path.join(tmp, "vsock-echo")
    # Older arm64 uapi headers want sockaddr before linux/vm_sockets.h.
    if not build(root, ["aarch64-linux-gnu-gcc", "-O2", "-static",
                        "-include", "sys/socket.h", "-o", out,
                        os.path.join(root, "tests", "rig", "vsock-echo.c")]):
        return None
    with open(out, "rb") as f:
        return f.read()


def write_files(tmp, rig, echo):
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
    img.add_file("init", INIT % {"modules": " ".join(MODULES),
                                 "mark_sector": MARK_OFF // 512,
                                 "hport": HOST_PORT, "gport": GUEST_PORT},
                 0o755)
    for m in MODULES:
        with lzma.open(os.path.join(rig, "guest-modules",
                                    m + ".ko.xz")) as f:
            img.add_file("lib/modules/%s.ko" % m, f.read())
    img.add_file("bin/vsock-echo", echo, 0o755)
    files["initrd.img"] = img.cpio()
    files["vsock-echo"] = echo
    for where, m in HOST_MODULES:
        with lzma.open(os.path.join(rig, where + "-modules",
                                    m + ".ko.xz")) as f:
            files[m + ".ko"] = f.read()
    for name in DISKS:
        files["disk-%s.img" % name] = disk_image()
    paths = []
    for name, data in files.items():
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path + ":" + name)
    return paths


def run_rigs(cvmm, files, env, runs):
    """The rig boots at once, each in its own QEMU (one host CPU each):
    the test takes as long as the longest, not the sum. Their results in
    the order of runs."""
    results = [(None, "the rig run raised an exception")] * len(runs)

    def run(i):
        results[i] = rigrun.run(cvmm, runs[i].pop("cases"), files=files,
                                timeout=2400, mem=1024,
                                verbose="-v" in sys.argv, env=env,
                                **runs[i])
    threads = [threading.Thread(target=run, args=(i,))
               for i in range(len(runs))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


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
        echo = vsock_echo(root, tmp)
        if echo is None:
            print("FAIL building vsock-echo for aarch64")
            return 1
        files = write_files(tmp, rig, echo) + [cvmm_debug + ":cvmm-debug"]
        runs = [dict(cases=CASES, prologue=PROLOGUE),
                dict(cases=PKVM_CASES, rig_args=["--protected"])]
        for (ok, why) in run_rigs(cvmm, files, env, runs):
            if not ok:
                rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    check(t, {c.name: c for c in CASES})
    check_pkvm(t, {c.name: c for c in PKVM_CASES}, root)
    return t.finish(CASES + PKVM_CASES)


if __name__ == "__main__":
    sys.exit(main())
