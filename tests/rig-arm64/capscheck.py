"""`cvmm caps` on arm64, checked in ../shared/rig-arm64 (used by
test-guest-arm64.py for the default rig and test-linux-arm64.py for the
--protected one): the JSON has exactly the keys docs/caps.md documents
(the shared table and the arm64 one) with their types, and the values are
the ones the rig's README lists from its own probe (kvm-probe.c, not
cvmm): IPA limit 52, GICv3 without GICv2 emulation, guest_memfd flags
MMAP|INIT_SHARED, 512 vCPUs, 32767 memslots; a protected VM and the pkvm
mode exactly when the rig runs with --protected."""
import json
import os
import re

import rigrun

# docs/caps.md type names -> checks (as tests/kvm/test-caps-json.sh).
TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "string or null": lambda v: v is None or isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array of strings": lambda v: isinstance(v, list)
    and all(isinstance(s, str) for s in v),
}

MARK = "@@caps-json@@"
# One case: the text output, then the JSON after a marker line.
SHELL = "./cvmm caps; echo '%s' $?; ./cvmm caps --json" % MARK

# ../shared/rig-arm64/README.md, "inside the rig".
RIG = {
    "api_version": 12,
    "vm_types": ["default"],
    "guest_memfd": True,
    "guest_memfd_flags": ["MMAP", "INIT_SHARED"],
    "guest_memfd_flags_mask": 3,
    "memory_attributes_mask": 0,
    "memory_fault_info": False,
    "map_gpa_range_exit": False,
    "max_vcpus": 512,
    "nr_memslots": 32767,
    "user_memory2": True,
}
RIG_ARM64 = {
    "ipa_size": 52,
    "psci_0_2": True,
    "gic_v3": True,
    "gic_v2": False,
    "sve": True,
}


def case(name):
    return rigrun.Case(name, [], shell=SHELL, stats=False)


def documented(doc):
    """Dotted keys -> type names, from both tables of docs/caps.md."""
    keys = {}
    with open(doc) as f:
        for line in f:
            m = re.match(r"\|\s*`([a-z0-9_.<>]+)`\s*\|\s*([a-z ]+?)\s*\|",
                         line)
            if m and m.group(2) in TYPES:
                keys[m.group(1)] = m.group(2)
    return keys


def flatten(obj, prefix=""):
    """Dotted key paths; members of vms/cc_modes become <type>/<mode>,
    arm64.protected_vm's those of vms.<type>."""
    for k, v in obj.items():
        path = prefix + k
        yield path, v
        if not isinstance(v, dict):
            continue
        sub = {"vms": "vms.<type>", "cc_modes": "cc_modes.<mode>"}.get(path)
        if path == "arm64.protected_vm":
            for kk, vv in v.items():
                yield "vms.<type>." + kk, vv
            continue
        for kk, vv in v.items():
            if sub and isinstance(vv, dict):
                yield from flatten(vv, sub + ".")
            elif not sub:
                yield from flatten({kk: vv}, path + ".")


def check(t, c, root, protected):
    """The caps case c (SHELL) of a rig booted with or without
    --protected."""
    name = c.name
    text, _, rest = c.output.partition(MARK)
    status, _, js = rest.partition("\n")
    t.check(name + ": caps exits 0 (text and --json)",
            status.strip() == "0" and c.status == 0,
            "statuses %s %s" % (status.strip(), c.status), c)
    try:
        out = json.loads(js)
    except ValueError as e:
        t.check(name + ": --json prints JSON", False, str(e), c)
        return
    keys = documented(os.path.join(root, "docs", "caps.md"))
    seen, bad = set(), []
    for path, value in flatten(out):
        seen.add(path)
        if path not in keys or not TYPES[keys[path]](value):
            bad.append("%s=%r" % (path, value))
    t.check(name + ": every key documented in docs/caps.md with its type",
            not bad, "undocumented or mistyped: %s" % bad[:5], c)
    missing = sorted(set(keys) - seen)
    t.check(name + ": every documented key present (with arm64)",
            not missing, "missing %s" % missing, c)
    wrong = {k: out.get(k) for k, v in RIG.items() if out.get(k) != v}
    a = out.get("arm64", {})
    wrong.update({"arm64." + k: a.get(k) for k, v in RIG_ARM64.items()
                  if a.get(k) != v})
    t.check(name + ": the values the rig's README lists (IPA 52, GICv3, "
            "no GICv2, guest_memfd MMAP|INIT_SHARED...)", not wrong,
            "differ: %s" % wrong, c)
    pvm = a.get("protected_vm", {})
    modes = out.get("cc_modes", {})
    pkvm = modes.get("pkvm", {})
    t.check(name + ": CC modes none and pkvm", sorted(modes) ==
            ["none", "pkvm"] and modes["none"].get("supported") is True,
            "cc_modes %s" % modes, c)
    t.check(name + ": protected VM type 0x%x (PROTECTED | IPA 40)"
            % (1 << 31 | 40), pvm.get("type") == 1 << 31 | 40,
            "type %s" % pvm.get("type"), c)
    if protected:
        t.check(name + ": pKVM: a protected VM is created and pkvm runs",
                pvm.get("created") is True and pkvm.get("supported") is True
                and pkvm.get("reason") is None, "%s %s" % (pvm, pkvm), c)
        t.check(name + ": text says pkvm yes",
                re.search(r"^pkvm\s+yes$", text, re.M) and
                re.search(r"^protected VMs\s+yes \(type 0x80000028\)", text,
                          re.M), "text", c)
    else:
        t.check(name + ": no pKVM: KVM_CREATE_VM fails (EINVAL), pkvm "
                "does not run and says what it needs",
                pvm.get("created") is False and pvm.get("error") == "EINVAL"
                and pkvm.get("supported") is False and
                "kvm-arm.mode=protected" in (pkvm.get("reason") or ""),
                "%s %s" % (pvm, pkvm), c)
        t.check(name + ": text says pkvm no, and why",
                re.search(r"^pkvm\s+no: .*kvm-arm\.mode=protected", text,
                          re.M), "text", c)
    t.check(name + ": text has the arm64 lines",
            re.search(r"^IPA size limit\s+52 bits$", text, re.M) and
            re.search(r"^GIC\s+GICv3 yes, ITS (yes|no), GICv2 no$", text,
                      re.M) and re.search(r"^PSCI 0\.2\+\s+yes$", text, re.M),
            "text", c)
