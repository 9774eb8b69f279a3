#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# test-caps-json.sh CVMM DOC: run "CVMM caps --json", check that it is JSON
# with exactly the keys and types that DOC (docs/caps.md) documents, and
# that every value equals what /dev/kvm answers to ioctls made here, in
# Python, independently of cvmm's C code. Also checks the text output,
# --help, a bad argument and the answer without /dev/kvm.
# Exits 77 ("skipped: why") when /dev/kvm cannot be opened.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: $0 CVMM DOC" >&2
	exit 2
fi

exec python3 - "$1" "$2" <<'EOF'
import errno
import fcntl
import json
import os
import re
import subprocess
import sys

cvmm, doc = sys.argv[1], sys.argv[2]
failed = 0


def expect(cond, msg):
    global failed
    if not cond:
        print(f"expectation failed: {msg}", file=sys.stderr)
        failed += 1


try:
    kvm = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
except OSError as e:
    print(f"skipped: cannot open /dev/kvm: {e.strerror}")
    sys.exit(77)

# KVMIO = 0xAE (kvm-private-memory.md section 1) and the cap numbers of section 2
KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01
KVM_CHECK_EXTENSION = 0xAE03
CAP = {
    "IRQCHIP": 0, "NR_MEMSLOTS": 10, "MAX_VCPUS": 66, "SPLIT_IRQCHIP": 121,
    "EXIT_HYPERCALL": 201, "USER_MEMORY2": 231, "MEMORY_FAULT_INFO": 232,
    "MEMORY_ATTRIBUTES": 233, "GUEST_MEMFD": 234, "VM_TYPES": 235,
    "PRE_FAULT_MEMORY": 236, "GUEST_MEMFD_FLAGS": 244,
}
VM_TYPE_NAMES = ["default", "sw-protected", "sev", "sev-es", "snp", "tdx"]
GMEM_FLAGS = {0: "MMAP", 1: "INIT_SHARED"}
MEM_ATTRS = {3: "PRIVATE"}
CC_MODES = {"none": 0, "sw": 1, "snp": 4, "tdx": 5}
MAP_GPA_RANGE = 1 << 12


def check(fd, name):
    return fcntl.ioctl(fd, KVM_CHECK_EXTENSION, CAP[name])


def type_name(t):
    return VM_TYPE_NAMES[t] if t < len(VM_TYPE_NAMES) else f"type{t}"


def bit_names(mask, names):
    return [names.get(b, hex(1 << b)) for b in range(64) if mask >> b & 1]


def create_vm(t):
    """A VM fd, or the errno name of the failure."""
    while True:
        try:
            return fcntl.ioctl(kvm, KVM_CREATE_VM, t)
        except InterruptedError:
            continue
        except OSError as e:
            return errno.errorcode.get(e.errno, "E?")


def run(*args):
    return subprocess.run([cvmm, *args], capture_output=True, text=True)


# --- the documented keys and types ---------------------------------------
TYPES = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "string or null": lambda v: v is None or isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array of strings": lambda v: isinstance(v, list)
    and all(isinstance(s, str) for s in v),
}
documented = {}
with open(doc) as f:
    for line in f:
        if line.startswith("## arm64"):
            break  # aarch64 builds only (tests/rig-arm64)
        m = re.match(r"\|\s*`([a-z0-9_.<>]+)`\s*\|\s*([a-z ]+?)\s*\|", line)
        if m and m.group(2) in TYPES:
            documented[m.group(1)] = m.group(2)
expect(len(documented) > 20, f"{doc} should document the keys in a table")


def flatten(obj, prefix=""):
    """Dotted key paths; members of vms/cc_modes become <type>/<mode>."""
    for k, v in obj.items():
        path = prefix + k
        yield path, v
        if isinstance(v, dict):
            sub = {"vms": "<type>", "cc_modes": "<mode>"}.get(path)
            for kk, vv in v.items():
                if sub and isinstance(vv, dict):
                    yield from flatten(vv, f"{path}.{sub}.")
                elif not sub:
                    yield from flatten({kk: vv}, path + ".")


p = run("caps", "--json")
expect(p.returncode == 0, f"caps --json should exit 0 (got {p.returncode}: {p.stderr})")
expect(p.stderr == "", f"caps --json should print nothing on stderr ({p.stderr!r})")
try:
    out = json.loads(p.stdout)
except ValueError as e:
    print(f"expectation failed: caps --json should print JSON: {e}", file=sys.stderr)
    sys.exit(1)
expect(isinstance(out, dict), "caps --json should print one object")
expect(out.get("kvm") is True and out.get("kvm_error") is None
       and out.get("kvm_reason") is None,
       "caps --json should say kvm true, kvm_error and kvm_reason null")

seen = set()
for path, value in flatten(out):
    seen.add(path)
    if path not in documented:
        expect(False, f"key {path} should be documented in {doc}")
        continue
    expect(TYPES[documented[path]](value),
           f"{path} should be {documented[path]} (is {value!r})")
for path in documented:
    expect(path in seen, f"documented key {path} should be in the output")

# --- system-wide values against /dev/kvm ----------------------------------
expect(out["api_version"] == fcntl.ioctl(kvm, KVM_GET_API_VERSION, 0),
       "api_version should be KVM_GET_API_VERSION")
types = check(kvm, "VM_TYPES") | 1
offered = [t for t in range(32) if types >> t & 1]
expect(out["vm_types_mask"] == types, f"vm_types_mask should be {types:#x}")
expect(out["vm_types"] == [type_name(t) for t in offered],
       "vm_types should name the bits of KVM_CAP_VM_TYPES")

flags = check(kvm, "GUEST_MEMFD_FLAGS")
attrs = check(kvm, "MEMORY_ATTRIBUTES")
hc = check(kvm, "EXIT_HYPERCALL")
want = {
    "guest_memfd": check(kvm, "GUEST_MEMFD") != 0,
    "guest_memfd_flags": bit_names(flags, GMEM_FLAGS),
    "guest_memfd_flags_mask": flags,
    "memory_attributes": bit_names(attrs, MEM_ATTRS),
    "memory_attributes_mask": attrs,
    "memory_fault_info": check(kvm, "MEMORY_FAULT_INFO") != 0,
    "map_gpa_range_exit": bool(hc & MAP_GPA_RANGE),
    "exit_hypercall_mask": hc,
    "max_vcpus": check(kvm, "MAX_VCPUS"),
    "nr_memslots": check(kvm, "NR_MEMSLOTS"),
    "irqchip": check(kvm, "IRQCHIP") != 0,
    "split_irqchip": check(kvm, "SPLIT_IRQCHIP") != 0,
    "pre_fault_memory": check(kvm, "PRE_FAULT_MEMORY") != 0,
    "user_memory2": check(kvm, "USER_MEMORY2") != 0,
}
for key, value in want.items():
    expect(out.get(key) == value, f"{key} should be {value!r} (is {out.get(key)!r})")

# --- per VM type, on a VM of that type -------------------------------------
vms = out["vms"]
expect(sorted(vms) == sorted(type_name(t) for t in offered),
       "vms should have one member per offered VM type")
vm_facts = {}
for t in offered:
    got = vms.get(type_name(t), {})
    vm = create_vm(t)
    if isinstance(vm, str):
        expect(got.get("created") is False and got.get("error") == vm,
               f"vms.{type_name(t)} should say KVM_CREATE_VM failed with {vm}")
        continue
    vflags = check(vm, "GUEST_MEMFD_FLAGS")
    vattrs = check(vm, "MEMORY_ATTRIBUTES")
    want = {
        "type": t,
        "created": True,
        "error": None,
        "guest_memfd": check(vm, "GUEST_MEMFD") != 0,
        "guest_memfd_flags": bit_names(vflags, GMEM_FLAGS),
        "guest_memfd_flags_mask": vflags,
        "memory_attributes": bit_names(vattrs, MEM_ATTRS),
        "memory_attributes_mask": vattrs,
        "max_vcpus": check(vm, "MAX_VCPUS"),
    }
    os.close(vm)
    vm_facts[t] = want
    for key, value in want.items():
        expect(got.get(key) == value,
               f"vms.{type_name(t)}.{key} should be {value!r} (is {got.get(key)!r})")

# --- the verdict, derived again --------------------------------------------
modes = out["cc_modes"]
expect(sorted(modes) == sorted(CC_MODES), "cc_modes should be none, sw, snp, tdx")
for mode, t in CC_MODES.items():
    got = modes.get(mode, {})
    vm = vm_facts.get(t)
    runs = vm is not None and (mode == "none" or (
        vm["guest_memfd"] and "PRIVATE" in vm["memory_attributes"]
        and bool(hc & MAP_GPA_RANGE)))
    reason = got.get("reason") or ""
    if not runs or "built without" not in reason:
        expect(got.get("supported") == runs,
               f"cc_modes.{mode}.supported should be {runs} ({reason})")
    expect((got.get("reason") is None) == bool(got.get("supported")),
           f"cc_modes.{mode}.reason should be null iff supported")
    expect(got.get("vm_type") == type_name(t), f"cc_modes.{mode}.vm_type should be {type_name(t)}")

# --- text output, help, usage errors ----------------------------------------
p = run("caps")
expect(p.returncode == 0, f"caps should exit 0 (got {p.returncode})")
for line in ("KVM API version", "VM types", "guest_memfd", "memory attributes",
             "MAP_GPA_RANGE exits", "max vCPUs", "memslots", "split irqchip",
             "pre-fault memory", "CC mode"):
    expect(re.search(rf"^{re.escape(line)}\b", p.stdout, re.M),
           f"caps should print a '{line}' line")
for mode in CC_MODES:
    want = "yes" if modes[mode]["supported"] else "no: " + modes[mode]["reason"]
    expect(re.search(rf"^{mode}\s+{re.escape(want)}$", p.stdout, re.M),
           f"caps should print '{mode} {want}'")

p = run("caps", "--help")
expect(p.returncode == 0 and p.stdout.startswith("Usage: cvmm caps"),
       "caps --help should print the usage and exit 0")
p = run("caps", "--bogus")
expect(p.returncode == 2 and "--bogus" in p.stderr,
       "caps --bogus should name the argument and exit 2")

# Without /dev/kvm (an empty /dev in a new mount namespace): it says so,
# exit 0 (tests/nokvm/test-no-kvm.sh checks every such case in detail).
try:
    p = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh",
                        "-c", 'mount -t tmpfs none /dev || exit 99; echo ready;'
                        ' exec "$0" caps --json', cvmm], capture_output=True,
                       text=True)
except FileNotFoundError:
    p = None
if p is None or not p.stdout.startswith("ready"):
    print("note: no mount namespace here; not testing cvmm without /dev/kvm")
else:
    expect(p.returncode == 0, f"caps without /dev/kvm should exit 0 (got {p.returncode})")
    try:
        nokvm = json.loads(p.stdout[len("ready"):])
    except ValueError:
        nokvm = {}
    expect(nokvm.get("kvm") is False and nokvm.get("kvm_error") == "ENOENT",
           f"caps --json without /dev/kvm should say kvm false, ENOENT ({p.stdout!r})")

print("ok" if not failed else f"{failed} expectations failed")
sys.exit(1 if failed else 0)
EOF
