#!/usr/bin/env python3
"""The 2-vCPU Linux boot hang (issue 17, docs/linux.md): boot the rig's
kernel many times in one rig boot, in several configurations taken in
turn, and at every boot that outlives its limit take two SIGUSR2 dumps
some seconds apart and a SIGQUIT one, so that a hang (same RIPs, no new
exits) is told from a slow boot. Before the first dump, the cvmm threads'
kernel stacks and CPU times, twice: the dump's kick out of KVM_RUN may
itself end a hang. The RIPs are named on the host from the rig's
/proc/kallsyms, fetched once (the guest boots the same kernel, nokaslr).

An experiment, not a test: it asserts nothing and prints per
configuration how many boots reached /init, hung or were slow, with 95%
bounds, and the dumps of each hang.

Usage: hang-hunt.py CVMM [--boots N] [--limit S] [--gap S] [--config NAME]...
       [--log FILE] [--kallsyms FILE]
       hang-hunt.py --report LOG [--config NAME]... (an earlier run's log)
"""
import argparse
import base64
import bisect
import gzip
import math
import os
import re
import shlex
import subprocess
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
cs=/sys/devices/system/clocksource/clocksource0
echo "hunt: cpus=$(grep -c ^processor /proc/cpuinfo) clocksource=$(cat $cs/current_clocksource) tsc-flags=$(grep -o -w -e constant_tsc -e nonstop_tsc -e tsc_adjust -e tsc_reliable -e tsc_known_freq /proc/cpuinfo | sort -u | tr '\n' ,)"
echo "hunt: done"
poweroff -f
"""

# nokaslr: the guest's RIPs are the rig kernel's own addresses less the
# rig's KASLR slide. quiet: every console byte is two exits.
CMDLINE = "console=ttyS0 quiet panic=-1 nokaslr"
GUEST_TEXT = 0xffffffff81000000

CONFIGS = {
    "sw": ["--cc", "sw", "--vcpus", "2"],
    "sw-split": ["--cc", "sw", "--vcpus", "2", "--irqchip", "split"],
    "default": ["--vcpus", "2"],
    "sw-tsc-reliable": ["--cc", "sw", "--vcpus", "2", "+tsc=reliable"],
}

# One boot: run cvmm in the background, wait up to LIMIT s. Past it: the
# threads' states, kernel stacks and CPU times (nothing the guest sees),
# twice GAP s apart; then a SIGUSR2 dump (which kicks the vCPUs out of
# KVM_RUN), the threads again, a second dump and SIGQUIT.
BOOT = r"""
threads() {
	echo "@@hunt threads $1"
	for task in /proc/$pid/task/*; do
		set -- $(sed 's/.*) //' $task/stat 2>/dev/null)
		echo "tid ${task##*/} state $1 utime ${12} stime ${13} wchan $(cat $task/wchan 2>/dev/null)"
		sed 's/^/    /' $task/stack 2>/dev/null | head -12
	done
}

boot() {
	cfg=$1; n=$2; shift 2
	./cvmm run "$@" >/tmp/out 2>&1 &
	pid=$!
	t0=$(date +%%s); t=0
	while kill -0 $pid 2>/dev/null && [ $t -lt %(limit)d ]; do
		sleep 1; t=$(( $(date +%%s) - t0 ))
	done
	hung=0
	if kill -0 $pid 2>/dev/null; then
		hung=1
		threads before-1 >/tmp/threads
		sleep %(gap)d
		threads before-2 >>/tmp/threads
		kill -USR2 $pid; sleep %(gap)d
		threads after-kick >>/tmp/threads
		kill -USR2 $pid 2>/dev/null; sleep 1
		kill -QUIT $pid 2>/dev/null
		touch /tmp/any-hang
	fi
	wait $pid; st=$?
	echo "@@hunt boot $cfg $n status=$st secs=$t limit-hit=$hung done=$(grep -c 'hunt: done' /tmp/out)"
	grep '^hunt: cpus' /tmp/out | head -1
	if [ $hung = 1 ]; then
		echo "@@hunt dump $cfg $n"
		cat /tmp/threads
		echo "@@hunt cvmm"
		grep -e 'vcpu[0-9]' -e received /tmp/out
		echo "@@hunt end"
	fi
}

# The rig's symbols for the host to name the guest's RIPs with, once.
kallsyms() {
	echo "@@hunt kallsyms"
	grep ' [tT] ' /proc/kallsyms | cut -d' ' -f1,3 | gzip -1 | base64
	echo "@@hunt kallsyms-end"
}
"""


def boot_line(cfg, n):
    args = [a for a in CONFIGS[cfg] if not a.startswith("+")]
    extra = " ".join(a[1:] for a in CONFIGS[cfg] if a.startswith("+"))
    cmdline = CMDLINE + (" " + extra if extra else "")
    argv = ["--kernel", "vmlinuz", "--initrd", "initrd.img", "--memory",
            "256M", "--cmdline", cmdline] + args
    return "boot %s %d %s" % (cfg, n, " ".join(shlex.quote(a) for a in argv))


def bounds(k, n):
    """95% Clopper-Pearson interval for k events in n trials."""
    def binom_le(j, p):
        return sum(math.comb(n, i) * p ** i * (1 - p) ** (n - i)
                   for i in range(j + 1))

    def solve(f, level):
        # f falls as p rises; the p where it crosses level
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if f(mid) > level:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2
    # P(X >= k) = 2.5% at the low end, P(X <= k) = 2.5% at the high end
    low = 0.0 if k == 0 else solve(lambda p: binom_le(k - 1, p), 0.975)
    high = 1.0 if k == n else solve(lambda p: binom_le(k, p), 0.025)
    return low, high


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cvmm")
    ap.add_argument("--boots", type=int, default=20,
                    help="boots per configuration")
    ap.add_argument("--limit", type=int, default=120,
                    help="seconds before a boot is looked at and ended")
    ap.add_argument("--gap", type=int, default=8,
                    help="seconds between two looks")
    ap.add_argument("--config", action="append", choices=sorted(CONFIGS))
    ap.add_argument("--rig-timeout", type=int, default=3 * 3600)
    ap.add_argument("--log", help="also write the rig's whole output here")
    ap.add_argument("--kallsyms", default="build/rig-kallsyms.txt",
                    help="the rig's text symbols: read, or fetched once")
    ap.add_argument("--report", metavar="LOG",
                    help="only report on the log of an earlier run")
    a = ap.parse_args()
    configs = a.config or ["sw", "default"]
    if a.report:
        with open(a.report) as f:
            return report(f.read(), configs, 0, a.kallsyms)
    rig, why = rigrun.rig_dir()
    if rig is None:
        print("skipped: " + why)
        return rigrun.SKIP
    kernel, why = rigrun.rig_kernel(rig)
    if kernel is None:
        print("skipped: " + why)
        return rigrun.SKIP
    with tempfile.TemporaryDirectory() as tmp:
        initrd = os.path.join(tmp, "initrd.img")
        img = initramfs.Image()
        img.add_file("init", INIT, 0o755)
        with open(initrd, "wb") as f:
            f.write(img.cpio())
        script = os.path.join(tmp, "hunt.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n" + BOOT % {"limit": a.limit, "gap": a.gap})
            if not os.path.exists(a.kallsyms):
                f.write("kallsyms\n")
            # In turn, so that the machine's load falls on all alike.
            for n in range(a.boots):
                for cfg in configs:
                    f.write(boot_line(cfg, n) + "\n")
        os.chmod(script, 0o755)
        argv = [os.path.join(rig, "run-in-rig"), "--timeout",
                str(a.rig_timeout), "--mem", "1024",
                "--file", script + ":hunt.sh", "--file", a.cvmm + ":cvmm",
                "--file", kernel + ":vmlinuz",
                "--file", initrd + ":initrd.img", "--", "sh", "./hunt.sh"]
        log = open(a.log, "w") if a.log else None
        p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             errors="replace")
        out = []
        for line in p.stdout:
            out.append(line)
            if log:
                log.write(line)
                log.flush()
            if line.startswith("@@hunt boot") or "@@hunt dump" in line:
                print(line.rstrip(), flush=True)
        p.wait()
    out = "".join(out)
    save_kallsyms(out, a.kallsyms)
    return report(out, configs, p.returncode, a.kallsyms)


def save_kallsyms(out, path):
    m = re.search(r"^@@hunt kallsyms\n(.*?)^@@hunt kallsyms-end", out,
                  re.M | re.S)
    if not m:
        return
    try:
        text = gzip.decompress(base64.b64decode(m.group(1)))
    except (ValueError, OSError) as e:
        print("the rig's kallsyms did not decode: %s" % e)
        return
    with open(path, "wb") as f:
        f.write(text)


def load_symbols(path):
    """Sorted (address, name) of the rig's text, and its _text."""
    syms, text = [], None
    try:
        with open(path) as f:
            for line in f:
                addr, name = line.split()[:2]
                syms.append((int(addr, 16), name))
                if name == "_text":
                    text = int(addr, 16)
    except OSError:
        return [], None
    syms.sort()
    return syms, text


def symbolise(rip, syms, text):
    """A guest RIP (nokaslr) as the rig kernel's symbol+offset."""
    if not syms or text is None:
        return "?"
    want = rip - GUEST_TEXT + text
    i = bisect.bisect_right(syms, (want, "\uffff")) - 1
    if i < 0:
        return "?"
    return "%s+0x%x" % (syms[i][1], want - syms[i][0])


def progress(block, syms, text):
    """Each vCPU's exits, RIPs and IF at the dumps, RIPs named."""
    exits, states = {}, {}
    for m in re.finditer(r"vcpu(\d+): (\d+) exits", block):
        exits.setdefault(m.group(1), []).append(m.group(2))
    for m in re.finditer(r"vcpu(\d+): rip (0x[0-9a-f]+) rflags \S+ "
                         r"\(IF (\d)\)", block):
        states.setdefault(m.group(1), []).append("%s (%s, IF %s)" % (
            m.group(2), symbolise(int(m.group(2), 16), syms, text),
            m.group(3)))
    lines = []
    for v in sorted(set(exits) | set(states)):
        lines.append("  vcpu%s: exits %s; at the dumps %s" % (
            v, " -> ".join(exits.get(v, [])),
            " -> ".join(states.get(v, [])) or "no state logged"))
    return "\n".join(lines)


def report(out, configs, rc, kallsyms):
    syms, text = load_symbols(kallsyms)
    print("rig exit status %d" % rc)
    guest = re.search(r"^hunt: cpus=.*$", out, re.M)
    if guest:
        print("a guest: " + guest.group(0))
    for block in re.findall(r"^@@hunt dump .*?^@@hunt end", out, re.M | re.S):
        print(block)
        print("summary:\n" + progress(block, syms, text))
    boots = re.findall(r"^@@hunt boot (\S+) (\d+) status=(\d+) secs=(\d+) "
                       r"limit-hit=(\d) done=(\d+)", out, re.M)
    print("%-16s %5s %8s %7s %8s %8s  %s" % (
        "config", "boots", "in time", "mean s", "stalled", "+kicked",
        "stalls, 95% bounds"))
    for cfg in configs:
        rows = [b for b in boots if b[0] == cfg]
        if not rows:
            continue
        in_time = [b for b in rows if b[4] == "0" and b[5] != "0"]
        stalled = [b for b in rows if b[4] == "1"]
        kicked = [b for b in stalled if b[5] != "0"]
        mean = sum(int(b[3]) for b in in_time) / max(len(in_time), 1)
        lo, hi = bounds(len(stalled), len(rows))
        print("%-16s %5d %8d %7.1f %8d %8d  %d/%d, %.1f%%-%.1f%%" % (
            cfg, len(rows), len(in_time), mean, len(stalled), len(kicked),
            len(stalled), len(rows), 100 * lo, 100 * hi))
    print("stalled: past the limit; +kicked: of those, reached /init after "
          "the SIGUSR2 dump kicked the vCPUs out of KVM_RUN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
