#!/usr/bin/env python3
"""Private memory in the rig: cvmm run --cc sw with every memory scenario
of the test guest, in one rig boot. Usage: test-memory.py CVMM

The guest checks contents and allocations from inside (through the test
port, measured from the files by cvmm); here we check exit statuses, the
guest's "result:" lines and the --stats JSON (allocations measured from
guest_memfd and the shared backing at exit)."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigrun  # noqa: E402

MEM = "256M"


# The engine's syscalls counted from outside cvmm: strace follows every
# thread and logs the attributes ioctls and fallocate calls; the counts are
# printed beside the engine's own counters from --stats. The backing is a
# memfd, so every discard is a PUNCH_HOLE (madvise(MADV_DONTNEED) also
# comes from malloc trimming its thread arenas: not counted).
# LeakSanitizer cannot run under ptrace: an ASan build is traced without
# its leak check (the untraced cases keep it).
STRACED = ("ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 "
           "./strace -f -qq -e signal=none "
           "-e trace=ioctl,fallocate,madvise -o /tmp/strace-%(n)s.txt "
           "./cvmm run %(a)s --stats /tmp/strace-%(n)s.json 2>&1; s=$?; "
           "echo \"strace-attr-calls $(grep -c "
           "'KVM_SET_MEMORY_ATTRIBUTES\\|0xae, 0xd2' /tmp/strace-%(n)s.txt)\"; "
           "echo \"strace-discards $(grep -c "
           "'fallocate(.*PUNCH_HOLE' /tmp/strace-%(n)s.txt)\"; "
           "echo \"strace-allocs $(grep 'fallocate(' /tmp/strace-%(n)s.txt "
           "| grep -vc PUNCH_HOLE)\"; "
           "tr -d ' \\n' < /tmp/strace-%(n)s.json | grep -o "
           "'\"\\(attr_calls\\|gmem_discards\\|shared_discards\\|"
           "gmem_allocs\\)\":[0-9]*'; (exit $s)")


def straced(name, args):
    return STRACED % {"n": name, "a": args}


def sw(name, scenario, *extra, **kw):
    return rigrun.Case(name, ["--cc", "sw", "--memory", MEM,
                              "--scenario", scenario] + list(extra), **kw)


CASES = [
    sw("default", "default"),
    sw("psc-contig", "mem-psc-contig"),
    sw("psc-scattered", "mem-psc-scattered", "--scenario-arg", "64"),
    sw("psc-2m", "mem-psc-2m"),
    sw("msr-stream", "mem-msr-stream"),
    sw("msr-stream-uncoalesced", "mem-msr-stream",
       "--coalesce-discards=off"),
    sw("whole-ram", "mem-whole-ram"),
    sw("content", "mem-content"),
    sw("content-anonymous", "mem-content", "--backing", "anonymous"),
    sw("hostile", "mem-hostile"),
    sw("stress", "mem-stress", "--scenario-arg", "10000", "--seed", "42"),
    sw("stress-2vcpu-anon", "mem-stress", "--scenario-arg", "2000",
       "--seed", "7", "--backing", "anonymous", "--vcpus", "2"),
    sw("prepare", "mem-prepare"),
    sw("prepare-preallocate", "mem-prepare", "--preallocate"),
    sw("prepare-prefault", "mem-prepare", "--prefault"),
    sw("smp-2", "mem-smp", "--vcpus", "2", "--scenario-arg", "1500",
       "--seed", "11"),
    sw("smp-4", "mem-smp", "--vcpus", "4", "--scenario-arg", "1000",
       "--seed", "12"),
    sw("content-memfd-thp", "mem-content", "--backing", "memfd-thp"),
    sw("stress-memfd-thp", "mem-stress", "--scenario-arg", "2000",
       "--seed", "9", "--backing", "memfd-thp"),
    rigrun.Case("psc-contig-strace", [], shell=straced(
        "psc", "--cc sw --memory %s --scenario mem-psc-contig" % MEM)),
    rigrun.Case("whole-ram-strace", [], shell=straced(
        "whole", "--cc sw --memory %s --scenario mem-whole-ram" % MEM)),
    # A guest still busy gets SIGQUIT: every running vCPU logs its state,
    # then cvmm ends with 128 + 3.
    rigrun.Case("sigquit-dump", [], stats=False, shell=(
        "timeout -s QUIT 4 ./cvmm run --cc sw --memory %s "
        "--scenario mem-stress --scenario-arg 100000000 >/tmp/quit.txt 2>&1;"
        " s=$?; grep -v '^stress' /tmp/quit.txt; (exit $s)" % MEM)),
    # SIGUSR2 twice: every running vCPU logs its state each time and the
    # guest runs on (more exits at the second), then SIGQUIT ends it.
    rigrun.Case("sigusr2-dump", [], stats=False, shell=(
        "./cvmm run --cc sw --memory %s --scenario mem-stress "
        "--scenario-arg 100000000 >/tmp/usr2.txt 2>&1 & p=$!; sleep 2;"
        " kill -USR2 $p; sleep 1; kill -USR2 $p; sleep 1; kill -QUIT $p;"
        " wait $p; s=$?; grep -v '^stress' /tmp/usr2.txt; (exit $s)" % MEM)),
    rigrun.Case("hugetlbfs-refused",
                ["--cc", "sw", "--backing", "hugetlbfs-2M"], stats=False),
]


def results_raw(output):
    """'strace-NAME N' lines and '"key":N' pairs of the strace cases."""
    out = {}
    for m in re.finditer(r'^(strace-[a-z-]+) (\d+)$', output, re.M):
        out[m.group(1)] = int(m.group(2))
    for m in re.finditer(r'^"(\w+)":(\d+)$', output, re.M):
        out[m.group(1)] = int(m.group(2))
    return out


def results(case):
    """The guest's "result: NAME VALUE" lines as a dict."""
    out = {}
    for m in re.finditer(r"^result: (\S+) (\S+)", case.output, re.M):
        v = m.group(2)
        out[m.group(1)] = int(v) if v.isdigit() else v
    return out


RAM_BYTES = 256 << 20


def check_stats_allocations(t, c):
    """At exit nothing is held on both sides, measured from the files:
    guest_memfd holds at most the private bytes KVM holds, the shared side
    at most the rest of RAM. A missing measure fails."""
    s = c.stats_json
    if not t.check(c.name + ": stats", s is not None and "memory" in s,
                   "no --stats JSON", c):
        return
    m = s["memory"]
    keys = ("private_bytes", "gmem_allocated_bytes", "shared_allocated_bytes")
    if not t.check(c.name + ": allocations measured",
                   all(isinstance(m.get(k), int) for k in keys),
                   "missing in --stats: %s" % [k for k in keys
                                                if k not in m], c):
        return
    t.check(c.name + ": gmem within private",
            m["gmem_allocated_bytes"] <= m["private_bytes"],
            "guest_memfd holds %s bytes but only %s are private" %
            (m["gmem_allocated_bytes"], m["private_bytes"]), c)
    t.check(c.name + ": shared within the shared pages",
            m["shared_allocated_bytes"] <= RAM_BYTES - m["private_bytes"],
            "the shared side holds %s bytes, only %s of RAM are shared" %
            (m["shared_allocated_bytes"], RAM_BYTES - m["private_bytes"]), c)


def check_strace_counts(t, c):
    """The engine's counters equal what strace saw it do."""
    r = results_raw(c.output)
    pairs = (("strace-attr-calls", ["attr_calls"]),
             ("strace-discards", ["gmem_discards", "shared_discards"]),
             ("strace-allocs", ["gmem_allocs"]))
    for outside, inside in pairs:
        got = r.get(outside)
        want = sum(r.get(k, -10 ** 9) for k in inside)
        t.check("%s: %s = %s" % (c.name, outside, "+".join(inside)),
                got is not None and got == want,
                "strace %s, cvmm %s" % (got, want), c)


def main():
    cvmm = sys.argv[1]
    strace = shutil.which("strace")
    if not strace:
        print("test-memory: strace not found (scripts/deps --rig installs it)")
        return 1
    ok, why = rigrun.run(cvmm, CASES, files=[strace + ":strace"],
                         timeout=1200)
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}

    # The dumps end by a signal, the hugetlbfs case is refused: below.
    for c in [c for c in CASES if c.name not in (
            "sigquit-dump", "sigusr2-dump", "hugetlbfs-refused")]:
        t.check(c.name + ": exit 0", c.status == 0,
                "exit status %s" % c.status, c)
        t.check(c.name + ": no guest failure", "FAIL:" not in c.output,
                "guest reported a failure", c)
        if not c.shell:
            check_stats_allocations(t, c)

    for name, vcpus, n in (("smp-2", 2, 1500), ("smp-4", 4, 1000)):
        c = by[name]
        r = results(c)
        t.check(name + ": every vCPU converted, zero mismatches",
                r.get("smp-vcpus") == vcpus and
                r.get("smp-conversions") == vcpus * n and
                r.get("smp-mismatches") == 0,
                "vcpus %s, %s conversions, %s mismatches" % (
                    r.get("smp-vcpus"), r.get("smp-conversions"),
                    r.get("smp-mismatches")), c)
        m = (c.stats_json or {}).get("memory", {})
        t.check(name + ": the conversions reached the engine",
                m.get("conversions_explicit", 0) >= vcpus * n,
                "stats count %s" % m.get("conversions_explicit"), c)

    for name in ("psc-contig-strace", "whole-ram-strace"):
        check_strace_counts(t, by[name])
    r = results(by["psc-contig-strace"])
    for k in ("psc252-private-syscalls", "psc252-shared-syscalls"):
        t.check("psc-contig-strace: %s <= 3" % k, 0 < r.get(k, 99) <= 3,
                "%s = %s" % (k, r.get(k)), by["psc-contig-strace"])
    for name in ("content-memfd-thp", "stress-memfd-thp"):
        r = results(by[name])
        t.check(name + ": checks passed", r.get("content") == "ok"
                if name.startswith("content") else
                r.get("stress-mismatches") == 0,
                "results %s" % r, by[name])

    c = by["sigquit-dump"]
    t.check("sigquit-dump: ends with 128 + SIGQUIT", c.status == 131,
            "status %s" % c.status, c)
    t.check("sigquit-dump: the vCPU's state logged", re.search(
        r"vcpu0: rip 0x[0-9a-f]+ rflags 0x[0-9a-f]+ \(IF [01]\) mp_state \d+",
        c.output) is not None, "no state line", c)

    c = by["sigusr2-dump"]
    t.check("sigusr2-dump: ends with 128 + SIGQUIT", c.status == 131,
            "status %s" % c.status, c)
    dumps = re.findall(r"vcpu0: rip 0x[0-9a-f]+ rflags 0x[0-9a-f]+ "
                       r"\(IF [01]\) mp_state \d+; events: ", c.output)
    t.check("sigusr2-dump: two SIGUSR2 dumps and the SIGQUIT one",
            len(dumps) == 3, "%d state lines" % len(dumps), c)
    exits = [int(n) for n in re.findall(r"vcpu0: (\d+) exits", c.output)]
    t.check("sigusr2-dump: the guest ran on between the dumps",
            len(exits) == 3 and exits[0] < exits[1] < exits[2],
            "exit counts %s" % exits, c)

    c = by["default"]
    t.check("default: private memory", "(private memory)" in c.output,
            "guest does not see private memory", c)

    r = results(by["psc-contig"])
    for k in ("psc252-private-syscalls", "psc252-shared-syscalls"):
        t.check("psc-contig: %s <= 3" % k, 0 < r.get(k, 99) <= 3,
                "%s = %s" % (k, r.get(k)), by["psc-contig"])

    r = results(by["psc-scattered"])
    k = r.get("scattered-runs", 0)
    t.check("psc-scattered: O(k) syscalls",
            k > 0 and k <= r.get("scattered-syscalls", 0) <= 2 * k + 1,
            "%s syscalls for %s runs" % (r.get("scattered-syscalls"), k),
            by["psc-scattered"])

    r = results(by["psc-2m"])
    t.check("psc-2m: a 2M request costs <= 3 syscalls",
            0 < r.get("psc2m-worst-syscalls", 99) <= 3,
            "worst %s" % r.get("psc2m-worst-syscalls"), by["psc-2m"])

    r = results(by["msr-stream"])
    n = r.get("stream-requests", 0)
    t.check("msr-stream: one attributes call per request",
            r.get("stream-attr-calls") == n and
            r.get("stream-back-attr-calls") == n,
            "%s / %s calls for %s requests" % (
                r.get("stream-attr-calls"), r.get("stream-back-attr-calls"),
                n), by["msr-stream"])
    t.check("msr-stream: discards coalesced",
            0 < r.get("stream-discards", 99) <= 2 and
            0 < r.get("stream-back-discards", 99) <= 2,
            "%s / %s discards for %s requests" % (
                r.get("stream-discards"), r.get("stream-back-discards"), n),
            by["msr-stream"])
    r = results(by["msr-stream-uncoalesced"])
    t.check("msr-stream: without coalescing, one discard per request",
            r.get("stream-discards") == n,
            "%s discards" % r.get("stream-discards"),
            by["msr-stream-uncoalesced"])

    r = results(by["whole-ram"])
    for k in ("whole-private-syscalls", "whole-shared-syscalls"):
        t.check("whole-ram: %s <= 3" % k, 0 < r.get(k, 99) <= 3,
                "%s = %s" % (k, r.get(k)), by["whole-ram"])

    for name in ("content", "content-anonymous"):
        t.check(name + ": checks passed",
                results(by[name]).get("content") == "ok",
                "no 'result: content ok'", by[name])

    r = results(by["hostile"])
    t.check("hostile: every bad request rejected",
            r.get("hostile-cases", 0) > 10 and
            r.get("hostile-rejected") == r.get("hostile-cases") - 2,
            "%s of %s rejected" % (r.get("hostile-rejected"),
                                   r.get("hostile-cases")), by["hostile"])

    for name in ("stress", "stress-2vcpu-anon"):
        c = by[name]
        r = results(c)
        t.check(name + ": zero mismatches", r.get("stress-mismatches") == 0
                and r.get("stress-conversions", 0) >= 2000,
                "%s mismatches in %s conversions" % (
                    r.get("stress-mismatches"), r.get("stress-conversions")), c)
        s = c.stats_json or {}
        m = s.get("memory", {})
        t.check(name + ": explicit conversions counted",
                m.get("conversions_explicit", 0) >= r.get("stress-conversions", 1),
                "stats count %s" % m.get("conversions_explicit"), c)
        if name == "stress":
            t.check(name + ": guest_memfd at exit = private pages touched",
                    m.get("gmem_allocated_bytes") == r.get("stress-private-bytes"),
                    "gmem %s, guest touched %s private bytes" % (
                        m.get("gmem_allocated_bytes"),
                        r.get("stress-private-bytes")), c)

    for name, want in (("prepare", 0), ("prepare-preallocate", 64 * 4096),
                       ("prepare-prefault", 64 * 4096)):
        c = by[name]
        got = results(c).get("prepare-gmem-bytes")
        t.check(name + ": guest_memfd after going private", got == want,
                "%s bytes, expected %s" % (got, want), c)
    m = (by["prepare-prefault"].stats_json or {}).get("memory", {})
    t.check("prepare-prefault: KVM_PRE_FAULT_MEMORY issued",
            m.get("prefaults", 0) >= 1, "prefaults %s" % m.get("prefaults"),
            by["prepare-prefault"])
    m = (by["prepare-preallocate"].stats_json or {}).get("memory", {})
    t.check("prepare-preallocate: fallocate counted",
            m.get("gmem_allocs", 0) >= 1, "gmem_allocs %s" % m.get("gmem_allocs"),
            by["prepare-preallocate"])

    c = by["hugetlbfs-refused"]
    t.check("hugetlbfs-2M with sw refused at start", c.status == 2 and
            "hugetlbfs" in c.output, "status %s" % c.status, c)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
