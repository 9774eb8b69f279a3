#!/usr/bin/env python3
"""Linux guests in the rig: the rig's own kernel with a busybox initramfs
built here, booted by cvmm with 1 and 2 vCPUs, in a DEFAULT and a
SW_PROTECTED VM, and with the split irqchip (no PIC); power-off and reboot end cvmm with 0, and a line sent on
stdin reaches the guest's shell. The vmlinux inside the same bzImage boots
through its PVH entry, in a DEFAULT and a SW_PROTECTED VM. All cases in
one rig boot.
Usage: test-linux.py CVMM

The guest's /init prints "cvmm-test:" lines (CPUs, online mask, serial
interrupts, RTC, interrupt chip) and acts on cvmmtest= from the kernel command line (the
kernel hands unknown parameters to init as environment variables)."""
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import initramfs  # noqa: E402
import rigrun  # noqa: E402
import vmlinux  # noqa: E402

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "cvmm-test: cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "cvmm-test: online=$(cat /sys/devices/system/cpu/online)"
echo "cvmm-test: rtc=$(cat /sys/class/rtc/rtc0/since_epoch 2>/dev/null)"
# boot_params.hdr.type_of_loader: cvmm writes 0xff for a bzImage, Linux's
# PVH entry 0xb0 (arch/x86/platform/pvh/enlighten.c).
echo "cvmm-test: loader=$(od -An -tx1 -j528 -N1 /sys/kernel/boot_params/data | tr -d ' ')"
if [ "$cvmmtest" = echo ]; then
	echo "cvmm-test: ready"
	read -r line
	echo "cvmm-test: got [$line]"
fi
# pci=nomsi: virtio-console's interrupt is INTx, a level-triggered pin.
if [ "$cvmmtest" = intx ]; then
	mknod /dev/hvc0 c 229 0
	echo "cvmm-test: hvc0" >/dev/hvc0
	echo "cvmm-test: virtio-irq=$(awk '/virtio0/ { print $2 "," $(NF - 1) }' /proc/interrupts)"
fi
irqs=$(awk '/ttyS0/ { s = 0; for (i = 2; i <= NF; i++)
	if ($i ~ /^[0-9]+$/) s += $i; print s }' /proc/interrupts)
echo "cvmm-test: serial-irqs=$irqs"
# The interrupt chip: ttyS0's in /proc/interrupts, the MADT's PCAT_COMPAT,
# and a write to the master PIC's mask register read back, as Linux
# probes for a PIC (0xff: nothing answers).
echo "cvmm-test: serial-chip=$(awk '/ttyS0/ { print $(NF - 2) }' /proc/interrupts)"
echo "cvmm-test: madt-flags=$(od -An -tx1 -j40 -N1 /sys/firmware/acpi/tables/APIC | tr -d ' ')"
mknod /dev/port c 1 4
printf '\373' | dd of=/dev/port bs=1 seek=33 count=1 conv=notrunc 2>/dev/null
echo "cvmm-test: pic-imr=$(dd if=/dev/port bs=1 skip=33 count=1 2>/dev/null | od -An -tx1 | tr -d ' ')"
echo "cvmm-test: done"
if [ "$cvmmtest" = reboot ]; then
	reboot -f
fi
poweroff -f
"""

MEM = "256M"
# quiet: every console byte is two exits, ~0.2 ms each in the rig.
CMDLINE = "console=ttyS0 quiet panic=-1 cvmmtest=%s"


# A boot takes 15-20 s in the rig; a hung guest is killed (status 143).
CASE_TIMEOUT = 150


def linux(name, mode="poweroff", *extra, kernel="vmlinuz"):
    return rigrun.Case(name, ["--kernel", kernel, "--initrd",
                              "initrd.img", "--memory", MEM, "--cmdline",
                              CMDLINE % mode] + list(extra),
                       timeout=CASE_TIMEOUT)


# A line on stdin once the guest asks for it; closing it then is EOF.
CONSOLE_SHELL = r"""rm -f /tmp/cin /tmp/cout; mkfifo /tmp/cin
timeout %d ./cvmm run --kernel vmlinuz --initrd initrd.img --memory %s \
	--cmdline '%s' </tmp/cin >/tmp/cout 2>&1 &
pid=$!
exec 3>/tmp/cin
while ! grep -q 'cvmm-test: ready' /tmp/cout && kill -0 $pid 2>/dev/null
do
	sleep 0.2
done
echo 'hello-from-host' >&3
exec 3>&-
wait $pid; st=$?
cat /tmp/cout
(exit $st)""" % (CASE_TIMEOUT, MEM, CMDLINE % "echo")

CASES = [
    linux("1cpu"),
    linux("2cpu", "poweroff", "--vcpus", "2"),
    # Linux runs from anonymous THP RAM by default; this one from
    # guest_memfd, mapped 4K by 4K.
    linux("reboot", "reboot", "--backing", "guest_memfd"),
    linux("sw-2cpu", "poweroff", "--cc", "sw", "--vcpus", "2"),
    # The vmlinux through its PVH entry: no decompression in the guest.
    linux("pvh-1cpu", kernel="vmlinux"),
    linux("pvh-sw-2cpu", "poweroff", "--cc", "sw", "--vcpus", "2",
          kernel="vmlinux"),
    # The userspace IOAPIC of KVM's split irqchip; no PIC, no PIT.
    linux("split-1cpu", "poweroff", "--irqchip", "split"),
    linux("split-2cpu", "poweroff", "--irqchip", "split", "--vcpus", "2"),
    # A level-triggered IOAPIC pin: its EOIs come back from KVM.
    rigrun.Case("split-intx", ["--kernel", "vmlinuz", "--initrd",
                               "initrd.img", "--memory", MEM, "--cmdline",
                               CMDLINE % "intx" + " pci=nomsi",
                               "--irqchip", "split", "--console"],
                timeout=CASE_TIMEOUT),
    rigrun.Case("console-input", [], stats=False, shell=CONSOLE_SHELL),
]


def markers(case):
    return dict(re.findall(r"^cvmm-test: (\S+?)=(.*)$", case.output, re.M))


def check_boot(t, c, cpus):
    m = markers(c)
    t.check(c.name + ": exit 0", c.status == 0,
            "exit status %s" % c.status, c)
    t.check(c.name + ": reached the end of /init",
            "cvmm-test: done" in c.output, "no 'cvmm-test: done'", c)
    t.check(c.name + ": %d CPUs" % cpus, m.get("cpus") == str(cpus),
            "cpus=%s" % m.get("cpus"), c)
    online = "0" if cpus == 1 else "0-%d" % (cpus - 1)
    t.check(c.name + ": CPUs online " + online, m.get("online") == online,
            "online=%s" % m.get("online"), c)
    irqs = m.get("serial-irqs", "")
    t.check(c.name + ": serial output is interrupt driven",
            irqs.isdigit() and int(irqs) > 0, "serial-irqs=%s" % irqs, c)
    rtc = m.get("rtc", "")
    t.check(c.name + ": RTC tells the time",
            rtc.isdigit() and abs(int(rtc) - time.time()) < 3600,
            "rtc=%s, host %d" % (rtc, time.time()), c)
    s = c.stats_json or {}
    # The guest's clock at power-off: the rest of the wall time is cvmm's
    # start-up and what the guest does before its clock starts (for a
    # bzImage, decompressing itself).
    clock = re.findall(r"^\[\s*([\d.]+)\] reboot: ", c.output, re.M)
    if "total_ms" in s:
        print("     %s: %.1f s from start to exit (guest clock %s s), "
              "%d exits" % (c.name, s["total_ms"] / 1000,
                            clock[-1] if clock else "?",
                            s["exits"]["total"]))


def check_loader(t, c, pvh):
    got, want = markers(c).get("loader"), "b0" if pvh else "ff"
    t.check(c.name + ": entered through the %s (type_of_loader %s)" % (
        "PVH entry" if pvh else "bzImage's 64-bit entry", want),
        got == want, "loader=%s" % got, c)


def check_irqchip(t, c, split):
    m = markers(c)
    chip = m.get("serial-chip")
    t.check(c.name + ": ttyS0 interrupts through the IO-APIC",
            chip == "IO-APIC", "serial-chip=%s" % chip, c)
    flags, want = m.get("madt-flags"), "00" if split else "01"
    t.check(c.name + ": MADT flags %s (PCAT_COMPAT: a PIC)" % want,
            flags == want, "madt-flags=%s" % flags, c)
    imr, want = m.get("pic-imr"), "ff" if split else "fb"
    t.check(c.name + ": PIC mask register reads %s" % want, imr == want,
            "pic-imr=%s" % imr, c)


def check_intx(t, c):
    count, _, kind = markers(c).get("virtio-irq", "").partition(",")
    t.check(c.name + ": virtio INTx is a level (fasteoi) IO-APIC pin",
            kind.endswith("-fasteoi") and count.isdigit() and int(count) > 0,
            "virtio-irq=%s,%s" % (count, kind), c)
    eois = (c.stats_json or {}).get("exits", {}).get("IOAPIC_EOI", 0)
    t.check(c.name + ": KVM reported its EOIs (KVM_EXIT_IOAPIC_EOI)",
            eois > 0, "%d IOAPIC_EOI exits" % eois, c)
    t.check(c.name + ": hvc0 output reached stdout",
            "cvmm-test: hvc0" in c.output, "no 'cvmm-test: hvc0'", c)


def check_backing(t, c, backing):
    s = c.stats_json or {}
    got = s.get("memory", {}).get("backing")
    t.check("%s: RAM backed by %s" % (c.name, backing), got == backing,
            "backing %s" % got, c)
    # KVM's stage-2 mappings at exit: huge pages where the RAM has them.
    pages = s.get("kvm", {}).get("vm", {})
    p4k, p2m = pages.get("pages_4k", 0), pages.get("pages_2m", 0)
    if backing == "anonymous":
        t.check("%s: KVM maps the RAM with 2M pages" % c.name, p2m > 0,
                "pages_2m %d, pages_4k %d" % (p2m, p4k), c)
    else:
        t.check("%s: KVM maps guest_memfd 4K by 4K" % c.name,
                p4k > 1000 and p2m == 0,
                "pages_2m %d, pages_4k %d" % (p2m, p4k), c)


def main():
    cvmm = sys.argv[1]
    rig, kernel = rigrun.rig_and_kernel_or_skip()
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, "initrd.img")
        img = initramfs.Image()
        img.add_file("init", INIT, 0o755)
        with open(initrd, "wb") as f:
            f.write(img.cpio())
        try:
            pvh = vmlinux.extract(kernel, tmp)
        except (ValueError, OSError, subprocess.CalledProcessError) as e:
            rigrun.main_skip_or_fail(None, "no vmlinux for the PVH cases: %s"
                                     % e)
        ok, why = rigrun.run(cvmm, CASES, timeout=1100,
                             files=[kernel + ":vmlinuz", pvh + ":vmlinux",
                                    initrd + ":initrd.img"])
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}

    check_boot(t, by["1cpu"], 1)
    check_boot(t, by["2cpu"], 2)
    check_boot(t, by["sw-2cpu"], 2)
    check_boot(t, by["pvh-1cpu"], 1)
    check_boot(t, by["pvh-sw-2cpu"], 2)
    check_loader(t, by["1cpu"], False)
    check_loader(t, by["pvh-1cpu"], True)
    check_loader(t, by["pvh-sw-2cpu"], True)
    check_irqchip(t, by["pvh-1cpu"], False)
    check_boot(t, by["split-1cpu"], 1)
    check_boot(t, by["split-2cpu"], 2)
    check_irqchip(t, by["1cpu"], False)
    check_irqchip(t, by["split-1cpu"], True)
    check_irqchip(t, by["split-2cpu"], True)
    check_boot(t, by["split-intx"], 1)
    check_intx(t, by["split-intx"])
    c = by["reboot"]
    check_boot(t, c, 1)
    check_backing(t, by["1cpu"], "anonymous")
    check_backing(t, c, "guest_memfd")
    t.check("reboot: cvmm ended on the guest's reset",
            "guest rebooted" in c.output, "no 'guest rebooted' message", c)

    c = by["console-input"]
    t.check("console-input: exit 0", c.status == 0,
            "exit status %s" % c.status, c)
    t.check("console-input: the guest read the line from stdin",
            "cvmm-test: got [hello-from-host]" in c.output,
            "no 'got [hello-from-host]'", c)
    t.check("console-input: powered off after stdin's EOF",
            "cvmm-test: done" in c.output, "no 'cvmm-test: done'", c)
    return t.finish(CASES)


if __name__ == "__main__":
    sys.exit(main())
