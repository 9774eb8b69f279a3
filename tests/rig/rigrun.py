#!/usr/bin/env python3
"""Run many cvmm invocations inside one boot of the rig and check them.

The rig (../shared/rig, or $CVMM_RIG) boots Linux 7.2 under QEMU/TCG with a
KVM that offers KVM_X86_SW_PROTECTED_VM. One boot costs ~10 s, so a suite
describes all its cases up front; this module writes one shell script that
runs them all inside the rig, framing each case's output and --stats JSON
with markers, and gives the host side a parsed result per case.

Only busybox is inside the rig, so every assertion happens here, on the
host, in Python.
"""
import base64
import glob
import lzma
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
MARK = "@@cvmm-rig@@"


def rig_dir():
    """The rig directory, or None with the reason it cannot be used."""
    path = os.environ.get("CVMM_RIG")
    if not path:
        root = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__))))
        path = os.path.join(root, "..", "shared", "rig")
    runner = os.path.join(path, "run-in-rig")
    if not os.access(runner, os.X_OK):
        return None, "no rig at %s (set CVMM_RIG)" % path
    for tool in ("qemu-system-x86_64", "cpio", "xz"):
        if not shutil.which(tool):
            return None, "the rig needs %s (scripts/deps --rig)" % tool
    if not (shutil.which("busybox") or os.path.exists("/bin/busybox")):
        return None, "the rig needs busybox (busybox-static)"
    return path, None


class Case:
    """One cvmm invocation inside the rig."""

    def __init__(self, name, args, cvmm="cvmm", stats=True, shell=None,
                 timeout=None):
        self.name = name
        self.args = args
        self.cvmm = cvmm
        self.stats = stats
        self.shell = shell
        # Seconds before the case is killed (busybox timeout), so that a
        # hung guest costs one case, not the whole rig run. A case killed
        # so is run once more, and says so (see retried): a 2-vCPU Linux
        # boot hangs now and then under the nested TCG rig: an IPI lost
        # below the guest leaves its clocksource watchdog waiting with
        # interrupts off for good (docs/linux.md); hanging twice fails.
        self.timeout = timeout
        # Filled in after the run:
        self.retried = False
        self.seconds = None  # the case's wall time by the rig's clock
        self.status = None
        self.output = ""
        self.stats_json = None
        self.files = {}


def _case_script(i, case):
    stats = "/tmp/stats-%d.json" % i
    # The case's wall time by the rig's clock, on its status line.
    lines = ['echo "%s begin %d"' % (MARK, i),
             "rig_t0=$(cut -d' ' -f1 /proc/uptime)"]
    if case.shell:
        lines.append(case.shell)
    else:
        argv = ["./" + case.cvmm, "run"] + list(case.args)
        if case.timeout:
            argv = ["timeout", str(case.timeout)] + argv
        if case.stats:
            argv += ["--stats", stats]
        cmd = " ".join(shlex.quote(a) for a in argv) + " 2>&1"
        lines.append(cmd)
        if case.timeout:
            # busybox timeout: the child's status, 143 after SIGTERM.
            lines.append('s=$?; if [ $s -eq 143 ] || [ $s -eq 124 ]; then '
                         'echo "%s retry %d"; %s; else (exit $s); fi'
                         % (MARK, i, cmd))
    lines.append('echo "%s status %d $? $rig_t0 '
                 '$(cut -d\' \' -f1 /proc/uptime)"' % (MARK, i))
    if case.stats and not case.shell:
        lines.append('[ -f %s ] && { echo "%s stats %d"; base64 %s; echo; }'
                     % (stats, MARK, i, stats))
    lines.append('echo "%s end %d"' % (MARK, i))
    return "\n".join(lines)


def _parse(out, cases):
    idx = None
    mode = None
    stats = {}
    for line in out.splitlines():
        if line.startswith(MARK):
            words = line[len(MARK):].split()
            kind, idx = words[0], int(words[1])
            mode = {"begin": "out", "stats": "stats"}.get(kind)
            if kind == "retry":
                cases[idx].output = ""
                cases[idx].retried = True
                mode = "out"
            if kind == "status":
                cases[idx].status = int(words[2])
                if len(words) == 5:
                    cases[idx].seconds = float(words[4]) - float(words[3])
            elif kind == "stats":
                stats[idx] = []
            continue
        if idx is None or mode is None:
            continue
        if mode == "out":
            cases[idx].output += line + "\n"
        else:
            stats[idx].append(line.strip())
    for i, lines in stats.items():
        try:
            cases[i].stats_json = json.loads(base64.b64decode("".join(lines)))
        except ValueError:
            cases[i].stats_json = None


def run(cvmm, cases, files=(), timeout=900, mem=1024, verbose=False,
        env=(), prologue="", smp=1, rig_args=()):
    """Run cases in one rig boot. Returns (ok, reason_if_not).

    cvmm (if not None) is copied in as ./cvmm; files are run-in-rig --file
    arguments, env NAME=VALUE strings for the cases, prologue shell
    commands run before the first case, smp the rig's vCPUs, rig_args
    more run-in-rig arguments (e.g. --protected for rig-arm64)."""
    rig, why = rig_dir()
    if rig is None:
        return False, why
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "cases.sh")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n" + prologue + "\n")
            for i, case in enumerate(cases):
                f.write(_case_script(i, case) + "\n")
        os.chmod(script, 0o755)
        argv = [os.path.join(rig, "run-in-rig"), "--timeout", str(timeout),
                "--mem", str(mem), "--smp", str(smp),
                "--file", script + ":cases.sh"]
        if cvmm is not None:
            argv += ["--file", cvmm + ":cvmm"]
        for f in files:
            argv += ["--file", f]
        for e in env:
            argv += ["--env", e]
        argv += list(rig_args) + ["--", "sh", "./cases.sh"]
        p = subprocess.run(argv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors="replace")
        if verbose:
            sys.stdout.write(p.stdout)
        # What ran before a rig failure is kept (a benchmark reports it).
        _parse(p.stdout, cases)
        if p.returncode == 125:
            return False, "rig failed to boot:\n" + p.stdout[-2000:]
        if any(c.status is None for c in cases):
            return None, "rig run incomplete (status %d):\n%s" % (
                p.returncode, p.stdout[-3000:])
    return True, None


class Checker:
    """Collects expectations and prints the closing summary line."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, why, case=None):
        """Record one expectation; returns whether it held."""
        if cond:
            print("ok   %s" % name)
            self.passed += 1
            return True
        else:
            print("FAIL %s: %s" % (name, why))
            if case is not None:
                print("    status %s; output:" % case.status)
                for line in case.output.splitlines()[-30:]:
                    print("    | " + line)
            self.failed += 1
            return False

    def finish(self, cases=()):
        timed = [c for c in cases if c.seconds is not None]
        if timed:
            print("rig time by case: " + ", ".join(
                "%s %.1f s" % (c.name, c.seconds) for c in timed))
        for c in cases:
            if c.retried:
                print("note: %s hung once (killed by its timeout) and passed "
                      "or failed on its second run" % c.name)
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 1 if self.failed else 0


def rig_kernel(rig):
    """The rig's own guest kernel (the newest vmlinuz-*), or None with why."""
    kernels = sorted(glob.glob(os.path.join(rig, "vmlinuz-*")))
    if not kernels:
        return None, "no vmlinuz-* in %s" % rig
    return kernels[-1], None


def rig_and_kernel_or_skip():
    """The rig and its guest kernel; the test is skipped without them."""
    rig, why = rig_dir()
    if rig is None:
        main_skip_or_fail(False, why)
    kernel, why = rig_kernel(rig)
    if kernel is None:
        main_skip_or_fail(False, why)
    return rig, kernel


def unpack_firmware(rig, name, tmp):
    """The fixture firmware NAME (stored as NAME.xz), unpacked into tmp."""
    out = os.path.join(tmp, name)
    src = os.path.join(os.path.dirname(rig), "fixtures", "firmware",
                       name + ".xz")
    with lzma.open(src) as f, open(out, "wb") as o:
        o.write(f.read())
    return out


def main_skip_or_fail(ok, why):
    """Exit for a run that did not happen: skip if the rig is missing."""
    if ok is False:
        print("skipped: %s" % why)
        sys.exit(SKIP)
    print("FAIL: %s" % why)
    sys.exit(1)
