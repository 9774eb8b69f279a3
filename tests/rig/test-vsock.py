#!/usr/bin/env python3
"""virtio-vsock on the rig's vhost-vsock, under a Linux guest, one rig boot.

The rig loads vhost_vsock (../shared/rig/host-modules); the guest's
initramfs, built here, loads the vsock modules of guest-modules and the
static AF_VSOCK helper vsock-echo (tests/rig/vsock-echo.c). In each boot
both sides listen and both connect, one after the other:
- guest -> host: the rig listens on port 5678 (any CID) and 5679 (CID 2),
  the guest connects to CID 2 (the host) at each, sends a line and reads
  the echo; the same over SOCK_SEQPACKET at 5681 (the guest's driver
  and vhost agreed on VIRTIO_VSOCK_F_SEQPACKET, which the guest's sysfs
  shows); a port nobody listens on (5680) answers the guest with a
  reset;
- host -> guest: the guest listens on port 1234, the rig connects to the
  guest's CID, sends a line and reads the guest's echo of it.
Each echo server prints the peer CID it saw: the host sees the guest's.
The rig's listeners are up before cvmm starts and wait as long as the
case may take: a listener gone before a slow guest connects is a reset
for the guest, which is how this test once failed (docs/linux.md).
Cases: a default VM with 2 vCPUs, and --cc sw (the rings and buffers live
in shared memory) with 1 (2-vCPU SW_PROTECTED boots hang now and then in
the nested rig, docs/linux.md). Refused:
a CID another VM holds (vsock-echo hold takes it in vhost-vsock first:
EADDRINUSE), and CID 2 (a config rule, before anything is opened).
Usage: test-vsock.py CVMM VSOCK_ECHO"""
import lzma
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import initramfs  # noqa: E402
import rigrun  # noqa: E402

# In the order their dependencies need (rig README).
GUEST_MODULES = ["vsock", "vmw_vsock_virtio_transport_common",
                 "vmw_vsock_virtio_transport"]
# vhost_vsock also needs the virtio transport's common part, which the
# rig's README lists among the guest modules (the same kernel build).
HOST_MODULES = [("host", "vhost_iotlb"), ("host", "vhost"), ("host", "vsock"),
                ("guest", "vmw_vsock_virtio_transport_common"),
                ("host", "vhost_vsock")]
GUEST_PORT = 1234
HOST_PORT = 5678
# A second host listener, bound to CID 2 rather than to any CID.
HOST_PORT2 = 5679
# No listener: the host's kernel answers a connection with a reset.
HOST_PORT_NONE = 5680
# A SOCK_SEQPACKET listener.
HOST_PORT_SEQ = 5681

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
vsock-echo connect 2 %(hport)d "$cvmmmsg"
say "guest-connect=$?"
vsock-echo connect 2 %(hport2)d "$cvmmmsg-cid2"
say "guest-connect-cid2=$?"
vsock-echo connect 2 %(hport_none)d "$cvmmmsg-none" >/tmp/none 2>&1
say "guest-connect-none=$? $(cat /tmp/none)"
vsock-echo -s connect 2 %(hport_seq)d "$cvmmmsg-seq"
say "guest-connect-seq=$?"
for d in /sys/bus/virtio/devices/*; do
	[ "$(cat $d/device)" = 0x0013 ] && say "vsock-features=$(cat $d/features)"
done
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
say "done"
poweroff -f
"""

MEM = "256M"
CMDLINE = "console=ttyS0 quiet panic=-1 cvmmmsg=hello-from-guest-%s"
# A boot takes 15-60 s in the rig, more when the machine is loaded.
CASE_TIMEOUT = 240

# The rig listens (for as long as cvmm may run), starts cvmm once both
# listeners are up, connects once the guest listens.
ECHO_SHELL = r"""./vsock-echo -t {t} listen {hport} >/tmp/host-listen-{name} 2>&1 &
hl=$!
./vsock-echo -t {t} listen {hport2} 2 >/tmp/host-listen2-{name} 2>&1 &
hl2=$!
./vsock-echo -t {t} -s listen {hport_seq} >/tmp/host-listen-seq-{name} 2>&1 &
hls=$!
while ! grep -q listening /tmp/host-listen-{name} ||
	! grep -q listening /tmp/host-listen2-{name} ||
	! grep -q listening /tmp/host-listen-seq-{name}; do
	kill -0 $hl $hl2 $hls 2>/dev/null || break
	sleep 0.2
done
timeout {t} ./cvmm run --kernel vmlinuz --initrd initrd.img --memory {mem} \
	--cmdline '{cmdline}' --vsock cid={cid} {extra} >/tmp/out-{name} 2>&1 &
pid=$!
while ! grep -q "cvmm-test: vsock-listening" /tmp/out-{name} &&
	kill -0 $pid 2>/dev/null; do
	sleep 0.5
done
./vsock-echo connect {cid} {gport} hello-from-host-{name}
echo "cvmm-host: host-connect=$?"
wait $pid
st=$?
kill $hl $hl2 $hls 2>/dev/null
wait $hl
echo "cvmm-host: host-listen=$?"
wait $hl2
echo "cvmm-host: host-listen2=$?"
wait $hls
echo "cvmm-host: host-listen-seq=$?"
cat /tmp/host-listen-{name} /tmp/host-listen2-{name} \
	/tmp/host-listen-seq-{name} /tmp/out-{name}
(exit $st)"""

IN_USE_SHELL = r"""./vsock-echo hold 7 >/tmp/hold 2>&1 &
hp=$!
while ! grep -q holding /tmp/hold && kill -0 $hp 2>/dev/null; do
	sleep 0.2
done
cat /tmp/hold
timeout {t} ./cvmm run --kernel vmlinuz --initrd initrd.img --memory {mem} \
	--vsock cid=7 2>&1
st=$?
kill $hp
(exit $st)""".format(t=CASE_TIMEOUT, mem=MEM)

RESERVED_SHELL = ("./cvmm run --kernel vmlinuz --memory %s --vsock cid=2 2>&1"
                  % MEM)


def echo_case(name, cid, extra):
    shell = ECHO_SHELL.format(name=name, cid=cid, extra=extra,
                              t=CASE_TIMEOUT, mem=MEM, hport=HOST_PORT,
                              hport2=HOST_PORT2, hport_seq=HOST_PORT_SEQ,
                              gport=GUEST_PORT, cmdline=CMDLINE % name)
    return rigrun.Case(name, [], stats=False, shell=shell)


CASES = [
    echo_case("default", 3, "--vcpus 2"),
    echo_case("sw", 4, "--cc sw"),
    rigrun.Case("in-use", [], stats=False, shell=IN_USE_SHELL),
    rigrun.Case("reserved", [], stats=False, shell=RESERVED_SHELL),
]

PROLOGUE = "\n".join(["insmod ./%s.ko" % m for _, m in HOST_MODULES] + [
    "[ -c /dev/vhost-vsock ] || mknod /dev/vhost-vsock c 10 241"])


def markers(case):
    return dict(re.findall(r"cvmm-(?:test|host): (\S+?)=(.*)$",
                           case.output, re.M))


def make_files(tmp, rig, echo):
    img = initramfs.Image()
    img.add_file("init", INIT % {"modules": " ".join(GUEST_MODULES),
                                 "gport": GUEST_PORT, "hport": HOST_PORT,
                                 "hport2": HOST_PORT2,
                                 "hport_none": HOST_PORT_NONE,
                                 "hport_seq": HOST_PORT_SEQ},
                 0o755)
    for m in GUEST_MODULES:
        with lzma.open(os.path.join(rig, "guest-modules",
                                    m + ".ko.xz")) as f:
            img.add_file("lib/modules/%s.ko" % m, f.read())
    with open(echo, "rb") as f:
        img.add_file("bin/vsock-echo", f.read(), 0o755)
    initrd = os.path.join(tmp, "initrd.img")
    with open(initrd, "wb") as f:
        f.write(img.cpio())
    files = [initrd + ":initrd.img", echo + ":vsock-echo"]
    for where, m in HOST_MODULES:
        path = os.path.join(tmp, m + ".ko")
        with lzma.open(os.path.join(rig, where + "-modules",
                                    m + ".ko.xz")) as f:
            with open(path, "wb") as out:
                out.write(f.read())
        files.append(path + ":" + m + ".ko")
    return files


def check_echo(t, c, cid):
    # The guest's last lines may share the console with the kernel's.
    c.output = re.sub(r"\[ *\d+\.\d+\] [^\n]*\n", "", c.output)
    m = markers(c)
    n = c.name
    out = c.output
    t.check(n + ": exit 0", c.status == 0, "exit status %s" % c.status, c)
    t.check(n + ": modules loaded", "insmod-failed" not in out,
            "an insmod failed", c)
    t.check(n + ": the guest reached the end of /init",
            "cvmm-test: done" in out, "no 'cvmm-test: done'", c)
    t.check(n + ": host -> guest: the host's line came back",
            "vsock-echo: reply=hello-from-host-" + n in out and
            m.get("host-connect") == "0",
            "host-connect=%s" % m.get("host-connect"), c)
    t.check(n + ": host -> guest: the guest served the host (CID 2)",
            "vsock-echo: served peer-cid=2 text=hello-from-host-" + n in out
            and m.get("guest-listen") == "0",
            "guest-listen=%s" % m.get("guest-listen"), c)
    t.check(n + ": guest -> host: the guest's line came back",
            "vsock-echo: reply=hello-from-guest-%s\n" % n in out and
            m.get("guest-connect") == "0",
            "guest-connect=%s" % m.get("guest-connect"), c)
    t.check(n + ": guest -> host: the host saw the guest's CID %d" % cid,
            "vsock-echo: served peer-cid=%d text=hello-from-guest-%s\n"
            % (cid, n) in out and m.get("host-listen") == "0",
            "host-listen=%s" % m.get("host-listen"), c)
    t.check(n + ": guest -> host: and to a listener bound to CID 2",
            "vsock-echo: reply=hello-from-guest-%s-cid2" % n in out and
            "vsock-echo: served peer-cid=%d text=hello-from-guest-%s-cid2"
            % (cid, n) in out and m.get("guest-connect-cid2") == "0" and
            m.get("host-listen2") == "0",
            "guest-connect-cid2=%s, host-listen2=%s"
            % (m.get("guest-connect-cid2"), m.get("host-listen2")), c)
    t.check(n + ": guest -> host: SOCK_SEQPACKET, one message each way",
            "vsock-echo: reply=hello-from-guest-%s-seq\n" % n in out and
            "vsock-echo: served peer-cid=%d text=hello-from-guest-%s-seq\n"
            % (cid, n) in out and m.get("guest-connect-seq") == "0" and
            m.get("host-listen-seq") == "0",
            "guest-connect-seq=%s, host-listen-seq=%s"
            % (m.get("guest-connect-seq"), m.get("host-listen-seq")), c)
    # sysfs: one character per feature bit, bit 0 first (64 or 128).
    features = m.get("vsock-features", "")
    t.check(n + ": the driver accepted VERSION_1 and SEQPACKET",
            len(features) >= 64 and features[32] == "1" and
            features[1] == "1",
            "vsock-features=%s" % features, c)
    none = m.get("guest-connect-none", "")
    t.check(n + ": guest -> host: a port nobody listens on resets",
            none.startswith("1 ") and
            "connect: Connection reset by peer" in none,
            "guest-connect-none=%s" % none, c)


def main():
    cvmm, echo = sys.argv[1], sys.argv[2]
    rig, kernel = rigrun.rig_and_kernel_or_skip()
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(tmp, rig, echo)
        ok, why = rigrun.run(cvmm, CASES, timeout=1000, prologue=PROLOGUE,
                             verbose="-v" in sys.argv[3:],
                             files=[kernel + ":vmlinuz"] + files)
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}
    check_echo(t, by["default"], 3)
    check_echo(t, by["sw"], 4)
    c = by["in-use"]
    t.check("in-use: the other holder has CID 7",
            "vsock-echo: holding cid=7" in c.output, "no 'holding'", c)
    t.check("in-use: exit 2", c.status == 2, "exit status %s" % c.status, c)
    t.check("in-use: says why",
            "devices.vsock.cid: CID 7 is in use by another VM" in c.output,
            "no reason", c)
    c = by["reserved"]
    t.check("reserved: exit 2", c.status == 2, "exit status %s" % c.status, c)
    t.check("reserved: says why", "--vsock: 2 is reserved"
            in c.output, "no reason", c)
    return t.finish(CASES)


if __name__ == "__main__":
    sys.exit(main())
