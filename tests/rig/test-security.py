#!/usr/bin/env python3
"""Hardening of a CC guest in the rig (docs/security.md), in one rig boot:
hostile guests against a VM with private memory (--cc sw) under the
default seccomp filters, a vCPU and the main thread breaking their filters
through the debug hooks (builds with -Ddebug_hooks=true; skipped without),
and the capabilities of a running cvmm. Usage: test-security.py CVMM"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigrun  # noqa: E402

SW = ["--cc", "sw", "--memory", "256M"]
SIGSYS = 128 + 31


def sw(name, *args, **kw):
    return rigrun.Case(name, SW + list(args), **kw)


# A cvmm left running: every thread's capabilities, then a clean stop.
HOLD = """./cvmm run --cc sw --memory 256M --scenario hold >/tmp/hold 2>&1 &
p=$!
i=0
while ! grep -q holding /tmp/hold && [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done
for t in /proc/$p/task/*; do grep -E '^(Cap(Eff|Prm|Bnd)|NoNewPrivs|Seccomp):' $t/status; done
kill $p; wait $p
true"""

CASES = [
    sw("hostile-io", "--scenario", "hostile-io", "--seed", "3"),
    sw("hostile-io-2vcpu-anon", "--scenario", "hostile-io", "--vcpus", "2",
       "--backing", "anonymous"),
    sw("mem-hostile", "--scenario", "mem-hostile"),
    sw("forbidden-vcpu", "--scenario", "forbidden-syscall", stats=False),
    sw("forbidden-main", "--scenario", "forbidden-syscall",
       "--scenario-arg", "1", stats=False),
    sw("forbidden-log", "--scenario", "forbidden-syscall", "--seccomp", "log",
       stats=False),
    rigrun.Case("caps", [], shell=HOLD, stats=False),
]


def main():
    ok, why = rigrun.run(sys.argv[1], CASES, timeout=600)
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}

    for name in ("hostile-io", "hostile-io-2vcpu-anon"):
        c = by[name]
        t.check(name + ": cvmm still serves", c.status == 0 and
                "result: hostile-io-rejected 9 of 9" in c.output and
                "cvmm still serves" in c.output, "status %s" % c.status, c)
    c = by["mem-hostile"]
    t.check("mem-hostile: rejected, canaries intact", c.status == 0 and
            "FAIL:" not in c.output, "status %s" % c.status, c)

    if "without debug hooks" in by["forbidden-vcpu"].output:
        print("skip forbidden-*: cvmm built without -Ddebug_hooks=true")
    else:
        for role in ("vcpu", "main"):
            c = by["forbidden-" + role]
            line = ("cvmm: error: seccomp: %s thread made forbidden "
                    "syscall socket (nr 41)" % role)
            t.check("forbidden-%s: SIGSYS and the reporter's line" % role,
                    c.status == SIGSYS and line in c.output and
                    "still serves" not in c.output,
                    "status %s" % c.status, c)
        c = by["forbidden-log"]
        t.check("forbidden-log: carries on", c.status == 0 and
                "still serves" in c.output, "status %s" % c.status, c)

    c = by["caps"]
    fields = re.findall(r"^(\w+):\s+(\S+)", c.output, re.M)
    caps = [v for k, v in fields if k.startswith("Cap")]
    t.check("caps: every thread's CapEff, CapPrm, CapBnd zero",
            len(caps) >= 6 and set(caps) == {"0000000000000000"},
            "%s" % fields, c)
    t.check("caps: no_new_privs and a filter in every thread",
            {v for k, v in fields if k == "NoNewPrivs"} == {"1"} and
            {v for k, v in fields if k == "Seccomp"} == {"2"},
            "%s" % fields, c)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
