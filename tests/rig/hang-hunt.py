#!/usr/bin/env python3
"""The 2-vCPU Linux boot hang (issue 17, docs/linux.md): boot the rig's
kernel many times in one rig boot, in several configurations taken in
turn, and at every boot that outlives its limit take two SIGUSR2 dumps
some seconds apart and a SIGQUIT one, so that a hang (same RIPs, no new
exits) is told from a slow boot, and the RIPs are named from the rig's
/proc/kallsyms (the guest boots the same kernel with nokaslr).

An experiment, not a test: it asserts nothing and prints per
configuration how many boots reached /init, hung or were slow, with 95%
bounds, and the dumps of each hang.

Usage: hang-hunt.py CVMM [--boots N] [--limit S] [--config NAME]...
       [--rig-timeout S]
"""
import argparse
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

# One boot: run cvmm in the background, wait up to LIMIT s; past it, two
# SIGUSR2 dumps GAP s apart, then SIGQUIT; the dumps' RIPs are named.
BOOT = r"""
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
		kill -USR2 $pid; sleep %(gap)d
		kill -USR2 $pid; sleep 1
		kill -QUIT $pid
	fi
	wait $pid; st=$?
	echo "@@hunt boot $cfg $n status=$st secs=$t limit-hit=$hung done=$(grep -c 'hunt: done' /tmp/out)"
	grep '^hunt: cpus' /tmp/out | head -1
	if [ $hung = 1 ]; then
		echo "@@hunt dump $cfg $n"
		grep -e 'vcpu[0-9]' -e received /tmp/out
		for rip in $(grep -o 'rip 0x[0-9a-f]*' /tmp/out | sort -u | cut -d' ' -f2); do
			name $rip
		done
		echo "@@hunt end"
	fi
}

# A guest RIP as symbol+offset from the rig's kallsyms: fixed-width hex
# compares as text, busybox awk has no 64-bit numbers.
name() {
	want=$(printf '%%016x' $(( $1 - %(guest_text)d + 0x$TEXT )))
	best=$(awk -v w=$want '$1 <= w && $1 > b && $2 ~ /^[tT]$/ { b = $1; s = $3 } END { print b, s }' /proc/kallsyms)
	set -- $1 $best
	echo "@@hunt sym $1 $3+0x$(printf '%%x' $(( 0x$want - 0x$2 )))"
}
TEXT=$(awk '$3 == "_text" { print $1 }' /proc/kallsyms)
echo "@@hunt rig-text $TEXT rig-flags $(grep -o -w -e constant_tsc -e nonstop_tsc -e tsc_adjust -e tsc_reliable -e tsc_known_freq /proc/cpuinfo | sort -u | tr '\n' ,)"
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
    ap.add_argument("--limit", type=int, default=150,
                    help="seconds before a boot is dumped and ended")
    ap.add_argument("--gap", type=int, default=8,
                    help="seconds between the two dumps")
    ap.add_argument("--config", action="append", choices=sorted(CONFIGS))
    ap.add_argument("--rig-timeout", type=int, default=3 * 3600)
    ap.add_argument("--log", help="also write the rig's whole output here")
    a = ap.parse_args()
    configs = a.config or ["sw", "default"]
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
            f.write("#!/bin/sh\n" + BOOT % {"limit": a.limit, "gap": a.gap,
                                            "guest_text": GUEST_TEXT})
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
    return report("".join(out), configs, p.returncode)


def progress(block):
    """Each vCPU's exits and RIP at the first and second dump."""
    seen = {}
    for m in re.finditer(r"vcpu(\d+): (\d+) exits", block):
        seen.setdefault(m.group(1), []).append(int(m.group(2)))
    rips = {}
    for m in re.finditer(r"vcpu(\d+): rip (0x[0-9a-f]+)", block):
        rips.setdefault(m.group(1), []).append(m.group(2))
    words = []
    for v in sorted(seen):
        e, r = seen[v], rips.get(v, [])
        if len(e) >= 2:
            words.append("vcpu%s exits %d -> %d, rip %s" % (
                v, e[0], e[1], " -> ".join(r[:3])))
    return "; ".join(words) or "no dumps"


def report(out, configs, rc):
    print("rig exit status %d" % rc)
    m = re.search(r"^@@hunt rig-text (\S+) rig-flags (\S*)", out, re.M)
    if m:
        print("rig CPU TSC flags: %s" % (m.group(2) or "none"))
    guest = re.search(r"^hunt: cpus=.*$", out, re.M)
    if guest:
        print("a guest: " + guest.group(0))
    for block in re.findall(r"^@@hunt dump .*?^@@hunt end", out, re.M | re.S):
        print(block)
        print("progress between the two SIGUSR2 dumps: " + progress(block))
    boots = re.findall(r"^@@hunt boot (\S+) (\d+) status=(\d+) secs=(\d+) "
                       r"limit-hit=(\d) done=(\d+)", out, re.M)
    print("%-16s %5s %5s %5s %5s %7s  %s" % ("config", "boots", "init",
                                             "hung", "other", "mean s",
                                             "hang rate, 95% bounds"))
    for cfg in configs:
        rows = [b for b in boots if b[0] == cfg]
        done = [b for b in rows if b[5] != "0"]
        hung = [b for b in rows if b[4] == "1" and b[5] == "0"]
        other = len(rows) - len(done) - len(hung)
        mean = (sum(int(b[3]) for b in done) / len(done)) if done else 0
        if rows:
            lo, hi = bounds(len(hung), len(rows))
            rate = "%d/%d, %.1f%%-%.1f%%" % (len(hung), len(rows),
                                            100 * lo, 100 * hi)
        else:
            rate = "-"
        print("%-16s %5d %5d %5d %5d %7.1f  %s" % (cfg, len(rows), len(done),
                                                 len(hung), other, mean,
                                                 rate))
    return 0


if __name__ == "__main__":
    sys.exit(main())
