#!/usr/bin/env python3
"""Private memory in the rig: cvmm run --cc sw with every memory scenario
of the test guest, in one rig boot. Usage: test-memory.py CVMM

The guest checks contents and allocations from inside (through the test
port, measured from the files by cvmm); here we check exit statuses, the
guest's "result:" lines and the --stats JSON (allocations measured from
guest_memfd and the shared backing at exit)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigrun  # noqa: E402

MEM = "256M"


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
    rigrun.Case("hugetlbfs-refused",
                ["--cc", "sw", "--backing", "hugetlbfs-2M"], stats=False),
]


def results(case):
    """The guest's "result: NAME VALUE" lines as a dict."""
    out = {}
    for m in re.finditer(r"^result: (\S+) (\S+)", case.output, re.M):
        v = m.group(2)
        out[m.group(1)] = int(v) if v.isdigit() else v
    return out


def check_stats_allocations(t, c):
    """At exit, guest_memfd holds only private pages, and nothing is held
    on both sides: allocated bytes in guest_memfd never exceed the private
    bytes KVM holds, measured from the files."""
    s = c.stats_json
    if not t.check(c.name + ": stats", s is not None and "memory" in s,
                   "no --stats JSON", c):
        return
    m = s["memory"]
    t.check(c.name + ": gmem within private", m.get("gmem_allocated_bytes", -1)
            <= m["private_bytes"],
            "guest_memfd holds %s bytes but only %s are private" %
            (m.get("gmem_allocated_bytes"), m["private_bytes"]), c)


def main():
    cvmm = sys.argv[1]
    ok, why = rigrun.run(cvmm, CASES, timeout=900)
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}

    for c in CASES[:-1]:
        t.check(c.name + ": exit 0", c.status == 0,
                "exit status %s" % c.status, c)
        t.check(c.name + ": no guest failure", "FAIL:" not in c.output,
                "guest reported a failure", c)
        check_stats_allocations(t, c)

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
            r.get("hostile-rejected") == r.get("hostile-cases") - 1,
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
