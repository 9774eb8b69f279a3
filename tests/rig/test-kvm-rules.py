#!/usr/bin/env python3
"""The KVM rules the TDX launch order rests on, against the real KVM of the
rig, in one rig boot (tests/kvm-rules.h says which and why): the kvm-rules
program on DEFAULT VMs, and cvmm run --cc snp|tdx on a host without them,
which must exit 3 naming the VM type. The unit test test-launch runs the
same sequence against its KVM model. Usage: test-kvm-rules.py CVMM RULES"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rigrun  # noqa: E402

CASES = [
    rigrun.Case("kvm-rules", [], shell="./kvm-rules 2>&1", stats=False),
    rigrun.Case("snp-no-host", ["--cc", "snp", "--firmware", "fw.fd"],
                stats=False),
    rigrun.Case("tdx-no-host", ["--cc", "tdx", "--firmware", "fw.fd"],
                stats=False),
]


def main():
    cvmm, rules = sys.argv[1], sys.argv[2]
    # Any image does as firmware: the VM type is refused before it is read.
    with tempfile.TemporaryDirectory() as tmp:
        fw = os.path.join(tmp, "fw.fd")
        with open(fw, "wb") as f:
            f.write(bytes(1 << 20))
        ok, why = rigrun.run(cvmm, CASES, timeout=300,
                             files=[rules + ":kvm-rules", fw + ":fw.fd"])
    if not ok:
        rigrun.main_skip_or_fail(ok, why)
    t = rigrun.Checker()
    by = {c.name: c for c in CASES}

    c = by["kvm-rules"]
    steps = [line for line in c.output.splitlines()
             if line.startswith(("ok ", "FAIL "))]
    t.check("kvm-rules: every step answered as the model answers",
            c.status == 0 and len(steps) >= 15 and
            not any(s.startswith("FAIL") for s in steps),
            "status %s, %d steps" % (c.status, len(steps)), c)
    for line in steps:
        print("    " + line)
    for name, macro in (("snp-no-host", "KVM_X86_SNP_VM"),
                        ("tdx-no-host", "KVM_X86_TDX_VM")):
        c = by[name]
        t.check(name + ": exit 3 naming " + macro,
                c.status == 3 and macro in c.output,
                "status %s" % c.status, c)
    return t.finish(CASES)


if __name__ == "__main__":
    sys.exit(main())
