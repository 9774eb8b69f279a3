#!/usr/bin/env python3
"""The arm64 embedded test guest (guest/arm64/) in ../shared/rig-arm64:
`cvmm run` without --kernel on KVM/arm64. Its scenarios with 1 to 4
vCPUs (secondaries started by the guest with PSCI CPU_ON), RAM written by
every vCPU, read back by another and summed by the host, from guest_memfd
and from THP RAM; the exit status through PSCI SYSTEM_OFF (0) or the exit
register; SYSTEM_RESET; and the failure modes: an unknown MMIO address,
an MMIO access KVM cannot decode, a WFI nothing wakes, a forbidden system
call (seccomp on arm64). Also `cvmm caps` on arm64 (capscheck.py).

One short rig boot (most scenarios take well under a second); the Linux
boots are test-linux-arm64.py's.

Usage: test-guest-arm64.py SOURCE_ROOT"""
import importlib.util
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "rig"))
import rigrun  # noqa: E402
import capscheck  # noqa: E402

# Building the aarch64 cvmm and finding the rig: test-linux-arm64's.
_spec = importlib.util.spec_from_file_location(
    "linux_arm64", os.path.join(HERE, "test-linux-arm64.py"))
linux_arm64 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(linux_arm64)

SIGSYS = 128 + 31
SIGTERM = 128 + 15
TIMEOUT = 120
# cvmm-debug (-Ddebug_hooks=true) reads the page the guest started from
# after the run when CVMM_DEBUG_READ_GUEST is set (vmm/arm64/debug-read.c).
READ = "debug: host read of guest page 0x80100000: "


def guest(name, *args, cvmm="cvmm", stats=True):
    return rigrun.Case(name, list(args), cvmm=cvmm, stats=stats,
                       timeout=TIMEOUT)


# A guest that can never wake: cvmm runs until signalled and then ends
# cleanly (143), not killed.
WFI_SHELL = "timeout 10 ./cvmm run --scenario wfi 2>&1"

CASES = [
    guest("default", cvmm="cvmm-debug"),
    guest("default-4cpu-thp", "--vcpus", "4", "--backing", "anonymous"),
    guest("exit-5", "--scenario", "exit-status", "--scenario-arg", "5"),
    guest("exit-0", "--scenario", "exit-status", "--scenario-arg", "0"),
    guest("pattern-3cpu-gmem", "--scenario", "mem-pattern", "--vcpus", "3",
          "--memory", "64M", "--backing", "guest_memfd", "--seed", "7"),
    guest("pattern-2cpu-thp", "--scenario", "mem-pattern", "--vcpus", "2",
          "--memory", "64M", "--backing", "anonymous"),
    guest("bad-mmio", "--scenario", "bad-mmio", stats=False),
    guest("abort", "--scenario", "abort", stats=False),
    guest("reset", "--scenario", "reset"),
    rigrun.Case("wfi", [], shell=WFI_SHELL, stats=False),
    guest("forbidden-vcpu", "--scenario", "forbidden-syscall",
          cvmm="cvmm-debug", stats=False),
    guest("forbidden-main", "--scenario", "forbidden-syscall",
          "--scenario-arg", "1", cvmm="cvmm-debug", stats=False),
    # cvmm caps (text and --json); with --protected: test-linux-arm64.py.
    capscheck.case("caps"),
]


def results(case):
    return dict(re.findall(r"^result: (\S+) (.*)$", case.output, re.M))


def exits(case):
    return (case.stats_json or {}).get("exits", {})


def check_banner(t, c, cpus, backing):
    t.check(c.name + ": exit 0", c.status == 0, "status %s" % c.status, c)
    t.check(c.name + ": the banner on the UART",
            "cvmm test guest: hello from scenario 'default'" in c.output,
            "no banner", c)
    t.check(c.name + ": PSCI 1.x", re.search(r"^psci: version 1\.\d+$",
                                             c.output, re.M), "no psci", c)
    t.check(c.name + ": %d vCPUs online through CPU_ON" % cpus,
            "vcpus: %d of %d online" % (cpus, cpus) in c.output,
            "no 'vcpus: %d of %d online'" % (cpus, cpus), c)
    t.check(c.name + ": backed by " + backing,
            "backed by %s\n" % backing in c.output, "backing", c)
    t.check(c.name + ": ended by PSCI SYSTEM_OFF (--stats)",
            exits(c).get("SYSTEM_EVENT") == 1 and exits(c).get("MMIO", 0) > 0,
            "exits %s" % exits(c), c)


def check_pattern(t, c, cpus, host_view=True):
    r = results(c)
    t.check(c.name + ": exit 0", c.status == 0, "status %s" % c.status, c)
    t.check(c.name + ": %d vCPUs wrote and cross-checked RAM" % cpus,
            r.get("mem-pattern-vcpus") == str(cpus) and
            r.get("mem-pattern-bad") == "0" and
            int(r.get("mem-pattern-words", "0")) > 1 << 20,
            "results %s" % r, c)
    if host_view:
        t.check(c.name + ": the host sees every word the guest wrote",
                r.get("mem-pattern-host-sum") == "ok" and
                r.get("mem-pattern-host-nonzero") ==
                r.get("mem-pattern-words"), "results %s" % r, c)


def check(t, by, root):
    capscheck.check(t, by["caps"], root, protected=False)
    c = by["default"]
    check_banner(t, c, 1, "guest_memfd")
    t.check("default: the host reads a page of the guest (debug read)",
            re.search(re.escape(READ) + "0x[0-9a-f]{2}$", c.output, re.M),
            "no '%s0x..'" % READ, c)
    check_banner(t, by["default-4cpu-thp"], 4, "anonymous")
    c = by["exit-5"]
    t.check("exit-5: the exit register's status",
            c.status == 5 and "SYSTEM_EVENT" not in exits(c),
            "status %s, exits %s" % (c.status, exits(c)), c)
    c = by["exit-0"]
    t.check("exit-0: PSCI SYSTEM_OFF ends with 0",
            c.status == 0 and exits(c).get("SYSTEM_EVENT") == 1,
            "status %s, exits %s" % (c.status, exits(c)), c)
    check_pattern(t, by["pattern-3cpu-gmem"], 3)
    mem = (by["pattern-3cpu-gmem"].stats_json or {}).get("memory", {})
    t.check("pattern-3cpu-gmem: RAM backing guest_memfd",
            mem.get("backing") == "guest_memfd", "memory %s" % mem,
            by["pattern-3cpu-gmem"])
    check_pattern(t, by["pattern-2cpu-thp"], 2)
    c = by["bad-mmio"]
    t.check("bad-mmio: exit 1, one line naming the address",
            c.status == 1 and "unknown MMIO address 0xa000000" in c.output and
            c.output.count("cvmm: error") == 1, "status %s" % c.status, c)
    c = by["abort"]
    t.check("abort: exit 1, KVM cannot decode it (ENOSYS), at the guest's pc",
            c.status == 1 and "ENOSYS" in c.output and
            re.search(r"at pc 0x801[0-9a-f]{5}\b", c.output),
            "status %s" % c.status, c)
    c = by["reset"]
    t.check("reset: PSCI SYSTEM_RESET ends the VM as a reboot (exit 0)",
            c.status == 0 and "guest rebooted" in c.output and
            exits(c).get("SYSTEM_EVENT") == 1, "status %s" % c.status, c)
    c = by["wfi"]
    t.check("wfi: runs until signalled, then ends cleanly (143)",
            c.status == SIGTERM and "all of them masked" in c.output and
            "received Terminated" in c.output and "error" not in c.output,
            "status %s" % c.status, c)
    if "without debug hooks" in by["forbidden-vcpu"].output:
        t.check("forbidden-*: cvmm-debug has debug hooks", False,
                "built without -Ddebug_hooks=true", by["forbidden-vcpu"])
        return
    for role in ("vcpu", "main"):
        c = by["forbidden-" + role]
        line = ("cvmm: error: seccomp: %s thread made forbidden syscall "
                "socket (nr 198)" % role)
        t.check("forbidden-%s: SIGSYS and the reporter's line (arm64 "
                "numbers)" % role,
                c.status == SIGSYS and line in c.output and
                "still serves" not in c.output, "status %s" % c.status, c)


def main():
    root = os.path.abspath(sys.argv[1])
    rig, why = linux_arm64.rig_arm64(root)
    if rig is None:
        print("skipped: " + why)
        return rigrun.SKIP
    binaries, why = linux_arm64.arm64_cvmm(root)
    if binaries is None and why.startswith("no cross compiler"):
        print("skipped: " + why)
        return rigrun.SKIP
    if binaries is None:
        print("FAIL " + why)
        return 1
    cvmm, cvmm_debug = binaries
    os.environ["CVMM_RIG"] = rig
    env = ["CVMM_DEBUG_READ_GUEST=1"]
    files = [cvmm_debug + ":cvmm-debug"]
    verbose = "-v" in sys.argv
    ok, why = rigrun.run(cvmm, CASES, files=files, timeout=900, mem=1024,
                         verbose=verbose, env=env)
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    check(t, {c.name: c for c in CASES}, root)
    return t.finish(CASES)


if __name__ == "__main__":
    sys.exit(main())
