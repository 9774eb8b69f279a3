#!/usr/bin/env bash
# cvmm measure and cvmm run --plan through the built binary, on the fixture
# firmware: every digest sev-snp.md and tdx.md section 7 give for these
# images, the empty kernel/initrd/cmdline vector, the --json inputs, the
# errors for bad firmware, and plans that never touch /dev/kvm.
# Usage: test-measure.sh CVMM   (with CVMM_FIXTURES set)
set -uo pipefail
cvmm=${1:?usage: test-measure.sh CVMM}
fixtures=${CVMM_FIXTURES:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

amd=$fixtures/firmware/OVMF.amdsev.fd.xz
tdx=$fixtures/firmware/OVMF.inteltdx.ms.fd.xz
if ! [[ -r $amd && -r $tdx ]] || ! command -v xz >/dev/null; then
	echo "skipped: fixtures or xz not available"
	exit 77
fi
xz -dc "$amd" >"$tmp/amdsev.fd" && xz -dc "$tdx" >"$tmp/tdx.fd" || exit 1

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); sed 's/^/    /' "$tmp/out" "$tmp/err"; }

# digest NAME WANT ARGS...: cvmm measure ARGS prints exactly WANT.
digest() {
	local name=$1 want=$2
	shift 2
	"$cvmm" measure "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [[ $got -ne 0 ]]; then
		bad "$name" "exit status $got"
	elif [[ $(cat "$tmp/out") != "$want" ]]; then
		bad "$name" "digest differs from the spec's $want"
	else
		ok "$name"
	fi
}

# fails NAME STATUS PATTERN -- COMMAND ARGS: exit status and one error line.
fails() {
	local name=$1 want=$2 pattern=$3
	shift 4
	"$cvmm" "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [[ $got -ne $want ]]; then
		bad "$name" "exit status $got, expected $want"
	elif ! grep -Eq -- "$pattern" "$tmp/err"; then
		bad "$name" "stderr lacks /$pattern/"
	elif [[ -s $tmp/out ]]; then
		bad "$name" "stdout should be empty"
	else
		ok "$name"
	fi
}

snp=(--cc snp --firmware "$tmp/amdsev.fd")
# sev-snp.md section 7, repository fixture, signature 0x800F12.
digest snp-1-0x1 d74bd3ea40b240c3228edc5177ce6193561ebff633dbd0be76d6c143b876d65102425c0e2e8a930857c48daa5eacda58 "${snp[@]}"
digest snp-1-0x21 5fafce19a1da9324827756044f6a922becd7fb7a5f80f1cd803366eeb7add5a129d0ca53b184313c9f9036e869371a88 "${snp[@]}" --snp-debug-swap
digest snp-4-0x1 13a6ae9fbaa31c91ade309c36bd5214729438abac318e01176e02a97b8bec11a4bce86b4d2b1fba2ec0481dd24ff525f "${snp[@]}" --vcpus 4
digest snp-4-0x21 a0edd3ca630eae842e556b4dd9e098621c361570051bc5b9c4181cefb6ab504a1b837f4229149af5a7727d6d2799f765 "${snp[@]}" --vcpus 4 --snp-debug-swap
digest snp-sig-explicit d74bd3ea40b240c3228edc5177ce6193561ebff633dbd0be76d6c143b876d65102425c0e2e8a930857c48daa5eacda58 "${snp[@]}" --snp-vcpu-sig 0x800F12

# The empty kernel, initrd and command line: the SHA-256 of nothing twice
# and of one NUL byte, computed here by sha256sum.
empty=$(printf '' | sha256sum | cut -c1-64)
nul=$(printf '\0' | sha256sum | cut -c1-64)
digest snp-empty-kernel e0c8ac2127778b0ab34a75738b46453ea400a278d1552d4722220c0a4cbc621837b643d66a3b6790e44146923f664eff "${snp[@]}" --snp-debug-swap --snp-kernel-hashes "$empty,$empty,$nul"

# A kernel given as a file hashes as sha256sum says it should.
# An 8K bzImage header (protocol 2.15, one setup sector, 64-bit entry):
# enough for fw_cfg to split it as the firmware's loader expects.
python3 - "$tmp/bzImage" <<'PY'
import struct, sys
b = bytearray(8192)
b[0x1f1] = 1
b[0x1fe:0x200] = b"\x55\xaa"
b[0x202:0x206] = b"HdrS"
b[0x206:0x208] = struct.pack("<H", 0x20f)
b[0x211] = 1
b[0x236:0x238] = struct.pack("<H", 1)
b[0x260:0x264] = struct.pack("<I", 0x100000)
open(sys.argv[1], "wb").write(b)
PY
printf 'initrd bytes' >"$tmp/initrd"
k=$(sha256sum <"$tmp/bzImage" | cut -c1-64)
i=$(sha256sum <"$tmp/initrd" | cut -c1-64)
c=$(printf 'console=ttyS0\0' | sha256sum | cut -c1-64)
want=$("$cvmm" measure "${snp[@]}" --snp-kernel-hashes "$k,$i,$c" 2>/dev/null)
digest snp-kernel-files "$want" "${snp[@]}" --kernel "$tmp/bzImage" --initrd "$tmp/initrd" --cmdline console=ttyS0
[[ $want != d74bd3ea40b240c3228edc5177ce6193561ebff633dbd0be76d6c143b876d65102425c0e2e8a930857c48daa5eacda58 ]] && ok snp-kernel-changes-digest || bad snp-kernel-changes-digest "a measured kernel should change the digest"

# tdx.md section 7: MRTD of the fixtures.
digest tdx-single-pass a7a1f751abc454f9cbab198ca8d2edb2821935df525c74182b5e776cb0929e8c59aefecce725b0d08a5e9d3d3183bd08 --cc tdx --firmware "$tmp/tdx.fd"
digest tdx-two-pass b90b236113eb4c0d4df4ef590568c14e6028a3a31d7e8ac63dee9845df5008d3ebf82d4f5974e933798f65d7a279b9a9 --cc tdx --firmware "$tmp/tdx.fd" --tdx-mrtd-two-pass
digest tdx-amdsev-tdvf 5f77220a7135b2be2087c3555b897a1c56ca84516fafc622a33fa498a46305a12597a18bb57bc50f714ffab9fe6f004d --cc tdx --firmware "$tmp/amdsev.fd"

# The same from a config file.
cat >"$tmp/vm.json" <<JSON
{ "machine": { "vcpus": 4 }, "cc": { "mode": "snp", "snp": { "debug_swap": true } },
  "boot": { "firmware": "amdsev.fd" } }
JSON
digest snp-config-file a0edd3ca630eae842e556b4dd9e098621c361570051bc5b9c4181cefb6ab504a1b837f4229149af5a7727d6d2799f765 "$tmp/vm.json"

# --json: the digest and its inputs.
"$cvmm" measure "${snp[@]}" --vcpus 2 --json >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["cc_mode"] == "snp" and j["register"] == "MEASUREMENT"
assert j["algorithm"] == "SHA-384" and len(j["measurement"]) == 96
i = j["inputs"]
assert i["vcpus"] == 2 and i["vcpu_signature"] == "0x800f12"
assert i["sev_features"] == "0x1" and i["kernel_hashes"] is None
assert i["ap_reset_eip"] == "0x80b004"
assert i["firmware"]["sha256"] == "3e4fd0b3fe3b2dbe481c3d9e99418a034174f26cbe1f55aa212b0f18c12d2d6f"
assert i["firmware"]["gpa"] == "0xffc00000" and i["firmware"]["size"] == 4 << 20
r = [(x["gpa"], x["len"], x["type"]) for x in i["launch_ranges"]]
assert r == [("0xffc00000", "0x400000", "NORMAL"), ("0x800000", "0x9000", "ZERO"),
             ("0x80a000", "0x3000", "ZERO"), ("0x80d000", "0x1000", "SECRETS"),
             ("0x80e000", "0x1000", "CPUID"), ("0x80f000", "0x1000", "ZERO"),
             ("0x811000", "0x1f000", "ZERO"), ("0x810000", "0x1000", "ZERO"),
             ("0xfffffffff000", "0x1000", "VMSA")], r
assert i["launch_ranges"][-1]["count"] == 2
assert j["policy"] == "0x30000"
PY
then ok snp-json; else bad snp-json "JSON lacks the inputs"; fi
"$cvmm" measure --cc tdx --firmware "$tmp/tdx.fd" --json >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["register"] == "MRTD" and j["measurement"].startswith("a7a1f751")
s = [(x["type"], x["gpa"], x["size"], x["extended"]) for x in j["inputs"]["sections"]]
assert s == [("BFV", "0xffc84000", "0x37c000", True), ("CFV", "0xffc00000", "0x84000", False),
             ("TEMP_MEM", "0x810000", "0x10000", False), ("TEMP_MEM", "0x80b000", "0x2000", False),
             ("TD_HOB", "0x809000", "0x2000", False), ("TEMP_MEM", "0x800000", "0x6000", False)], s
assert j["inputs"]["mrtd_mode"] == "single-pass" and j["attributes"] == "0x10000000"
PY
then ok tdx-json; else bad tdx-json "JSON lacks the sections"; fi

# Errors: exit 2, "cvmm: error: FILE: reason".
head -c 8192 /dev/zero >"$tmp/zero.fd"
fails not-ovmf 2 "^cvmm: error: $tmp/zero.fd: not an OVMF image" -- measure --cc snp --firmware "$tmp/zero.fd"
fails not-ovmf-tdx 2 "^cvmm: error: $tmp/zero.fd: not an OVMF image" -- measure --cc tdx --firmware "$tmp/zero.fd"
fails no-firmware 2 "needs boot.firmware" -- measure --cc snp
fails no-cc 2 "has no launch measurement" -- measure --firmware "$tmp/amdsev.fd"
fails bad-sig 2 "snp-vcpu-sig: '0x1g' is not a 32-bit number" -- measure "${snp[@]}" --snp-vcpu-sig 0x1g
fails sig-for-tdx 2 "only for cc.mode 'snp'" -- measure --cc tdx --firmware "$tmp/tdx.fd" --snp-vcpu-sig 1
fails bad-hashes 2 "not three SHA-256 values" -- measure "${snp[@]}" --snp-kernel-hashes "$empty,$empty"
fails two-pass-for-snp 2 "only for cc.mode 'tdx'" -- measure "${snp[@]}" --tdx-mrtd-two-pass
"$cvmm" measure --help >"$tmp/out" 2>"$tmp/err" && grep -q -- "--snp-vcpu-sig" "$tmp/out" && ok measure-help || bad measure-help "--help should list the measure flags"

# run --plan: the steps, exit 0, without /dev/kvm.
plan() {
	local name=$1 pattern=$2 count=$3
	shift 3
	"$cvmm" run --plan "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [[ $got -ne 0 ]]; then
		bad "$name" "exit status $got"
	elif [[ $(grep -Ec -- "$pattern" "$tmp/out") -ne $count ]]; then
		bad "$name" "expected $count lines matching /$pattern/"
	else
		ok "$name"
	fi
}
plan plan-snp-updates "KVM_SEV_SNP_LAUNCH_UPDATE" 8 "${snp[@]}" --vcpus 2
plan plan-snp-private "KVM_SET_MEMORY_ATTRIBUTES +gpa 0x80e000, size 0x1000, PRIVATE" 1 "${snp[@]}"
plan plan-snp-finish "KVM_SEV_SNP_LAUNCH_FINISH +2 VMSAs" 1 "${snp[@]}" --vcpus 2
plan plan-snp-ap "vCPU 1: reset state, CS 0xf000 base 0x800000, RIP 0xb004" 1 "${snp[@]}" --vcpus 2
plan plan-tdx-regions "KVM_TDX_INIT_MEM_REGION" 6 --cc tdx --firmware "$tmp/tdx.fd"
plan plan-tdx-measured "nr_pages 0x37c, flags MEASURE" 1 --cc tdx --firmware "$tmp/tdx.fd"
plan plan-tdx-mrtd "KVM_TDX_FINALIZE_VM .*a7a1f751abc454f9" 1 --cc tdx --firmware "$tmp/tdx.fd"
plan plan-tdx-hob "KVM_TDX_INIT_VCPU +vCPU 0, RCX 0x809000" 1 --cc tdx --firmware "$tmp/tdx.fd"
plan plan-none "KVM_CREATE_VM +type KVM_X86_DEFAULT_VM" 1
plan plan-sw "KVM_CREATE_GUEST_MEMFD" 1 --cc sw
fails plan-snp-no-firmware 2 "needs boot.firmware" -- run --plan --cc snp
fails plan-tdx-in-kernel 2 "in-kernel" -- run --plan --cc tdx --firmware "$tmp/tdx.fd" --irqchip in-kernel
fails plan-bad-firmware 2 "not an OVMF image" -- run --plan --cc snp --firmware "$tmp/zero.fd"
# A kernel is measured for run as for measure: the hashes page goes NORMAL.
plan plan-snp-kernel "KVM_SEV_SNP_LAUNCH_UPDATE +gpa 0x810000, len 0x1000, type NORMAL" 1 "${snp[@]}" --kernel "$tmp/bzImage" --initrd "$tmp/initrd" --cmdline console=ttyS0
plan plan-tdx-kernel "KVM_TDX_FINALIZE_VM" 1 --cc tdx --firmware "$tmp/tdx.fd" --kernel "$tmp/bzImage"

# steps NAME ARGS: the plan's "stage op" column, line by line, is $want.
steps() {
	local name=$1
	shift
	"$cvmm" run --plan "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [[ $got -ne 0 ]]; then
		bad "$name" "exit status $got"
	elif ! diff <(printf '%s\n' "$want") \
		<(awk '/^ *[0-9]+  /{ print $2, $3 }' "$tmp/out") >"$tmp/diff"; then
		bad "$name" "steps differ: $(tr '\n' ' ' <"$tmp/diff")"
	else
		ok "$name"
	fi
}
boot=(--kernel "$tmp/bzImage" --initrd "$tmp/initrd" --cmdline console=ttyS0 --vcpus 2)

# SNP with a measured kernel, 2 vCPUs: sev-snp.md section 3, RAM private
# when its slot exists, the kernel-hashes page launched NORMAL last.
want="vm KVM_CREATE_VM
vm KVM_ENABLE_CAP
cc-vm KVM_SEV_INIT2
irq KVM_CREATE_IRQCHIP
memory KVM_CREATE_GUEST_MEMFD
memory KVM_SET_USER_MEMORY_REGION2
memory KVM_SET_MEMORY_ATTRIBUTES
memory KVM_CREATE_GUEST_MEMFD
memory KVM_SET_USER_MEMORY_REGION2
vcpus KVM_CREATE_VCPU
vcpus KVM_SET_CPUID2
vcpus KVM_CREATE_VCPU
vcpus KVM_SET_CPUID2
load KVM_SET_SREGS+KVM_SET_REGS
load KVM_SET_SREGS+KVM_SET_REGS
load write
load write
load write
load KVM_SEV_SNP_LAUNCH_START
$(for i in 1 2 3 4 5 6 7 8; do printf 'load KVM_SET_MEMORY_ATTRIBUTES\nload KVM_SEV_SNP_LAUNCH_UPDATE\n'; done)
load KVM_SEV_SNP_LAUNCH_FINISH
$(for i in 1 2 3 4 5 6 7 8; do printf 'load discard\n'; done)
run KVM_RUN"
steps plan-snp-boot-steps "${snp[@]}" "${boot[@]}"
plan plan-snp-boot-ram-private "^ +7  memory KVM_SET_MEMORY_ATTRIBUTES +gpa 0x0, size 0x10000000, PRIVATE: RAM private from the start" 1 "${snp[@]}" "${boot[@]}"
plan plan-snp-boot-hashes "^ +35  load +KVM_SEV_SNP_LAUNCH_UPDATE +gpa 0x810000, len 0x1000, type NORMAL, source: the kernel-hashes page" 1 "${snp[@]}" "${boot[@]}"
plan plan-snp-boot-pc "^  (chipset +Q35 MCH 00:00.0, ICH9 LPC 00:1f.0|console +UART COM1 at 0x3f8|irqchip +in-kernel: .*KVM_CREATE_PIT2|firmware +the launch's private, measured range above; no read-only memslot|fw_cfg +ports 0x510-0x51b, DMA only into RAM the guest has shared)" 5 "${snp[@]}" "${boot[@]}"
# The kernel split after its one setup sector, the initrd, the command
# line with its NUL (what the hashes cover), the memory map and ACPI.
plan plan-snp-boot-fw-cfg "^  fw_cfg +(item 0x18 SETUP_DATA.* 1024|item 0x11 KERNEL_DATA.* 7168|item 0x12 INITRD_DATA +12|item 0x15 CMDLINE_DATA.* 14|item 0x05 NB_CPUS +2|file etc/e820 +20|file etc/acpi/rsdp +36|file etc/acpi/tables +[0-9]+|file etc/table-loader +[0-9]+) bytes" 9 "${snp[@]}" "${boot[@]}"

# TDX with a kernel and a shim, 2 vCPUs: tdx.md section 3 as corrected
# (the split irqchip before the APIC bus, KVM_SET_CPUID2 before each
# INIT_VCPU, FINALIZE after the sections), RAM private from the start.
tdx_args=(--cc tdx --firmware "$tmp/tdx.fd" --shim "$tmp/initrd")
want="vm KVM_CREATE_VM
vm KVM_ENABLE_CAP
cc-vm KVM_TDX_CAPABILITIES
irq KVM_ENABLE_CAP
cc-vm KVM_ENABLE_CAP
cc-vm KVM_SET_TSC_KHZ
cc-vm KVM_TDX_INIT_VM
memory KVM_CREATE_GUEST_MEMFD
memory KVM_SET_USER_MEMORY_REGION2
memory KVM_SET_MEMORY_ATTRIBUTES
memory KVM_CREATE_GUEST_MEMFD
memory KVM_SET_USER_MEMORY_REGION2
vcpus KVM_CREATE_VCPU
vcpus KVM_CREATE_VCPU
load KVM_TDX_GET_CPUID
load KVM_SET_CPUID2
load KVM_TDX_INIT_VCPU
load KVM_TDX_GET_CPUID
load KVM_SET_CPUID2
load KVM_TDX_INIT_VCPU
load write
load write
$(for i in 1 2 3 4 5 6; do printf 'load KVM_SET_MEMORY_ATTRIBUTES\nload KVM_TDX_INIT_MEM_REGION\n'; done)
load KVM_TDX_FINALIZE_VM
$(for i in 1 2 3 4 5 6; do printf 'load discard\n'; done)
run KVM_RUN"
steps plan-tdx-boot-steps "${tdx_args[@]}" "${boot[@]}"
plan plan-tdx-boot-irq-order "^ +4  irq +KVM_ENABLE_CAP +KVM_CAP_SPLIT_IRQCHIP|^ +5  cc-vm +KVM_ENABLE_CAP +KVM_CAP_X86_APIC_BUS_CYCLES_NS" 2 "${tdx_args[@]}" "${boot[@]}"
plan plan-tdx-boot-cpuid-x2apic "^ +1[69]  load +KVM_SET_CPUID2 +vCPU [01]: the CPUID KVM_TDX_GET_CPUID reported, with X2APIC" 2 "${tdx_args[@]}" "${boot[@]}"
plan plan-tdx-boot-ram-private "^ +10  memory KVM_SET_MEMORY_ATTRIBUTES +gpa 0x0, size 0x10000000, PRIVATE: RAM private from the start" 1 "${tdx_args[@]}" "${boot[@]}"
plan plan-tdx-boot-pc "^  (chipset +Q35 MCH 00:00.0|console +UART COM1 at 0x3f8|irqchip +split: local APICs in KVM, cvmm's IOAPIC at 0xfec00000 \(24 pins, MSI routes\); no PIC, no PIT|SMM +none|firmware +the launch's private)" 5 "${tdx_args[@]}" "${boot[@]}"
plan plan-tdx-boot-fw-cfg "^  fw_cfg +(item 0x18 SETUP_DATA.* 1024|item 0x11 KERNEL_DATA.* 7168|item 0x12 INITRD_DATA +12|item 0x15 CMDLINE_DATA.* 14|file etc/boot/shim +12|file etc/e820 +20|file etc/acpi/tables +[0-9]+) bytes" 7 "${tdx_args[@]}" "${boot[@]}"
# A setup header fw_cfg cannot split is refused by the plan as by run.
python3 -c 'import sys; b = bytearray(8192); b[0x202:0x206] = b"HdrS"; open(sys.argv[1], "wb").write(b)' "$tmp/hdrs-only"
fails plan-tdx-bad-kernel 2 "kernel '.*hdrs-only': no boot sector signature" -- run --plan --cc tdx --firmware "$tmp/tdx.fd" --kernel "$tmp/hdrs-only"

if command -v strace >/dev/null &&
   strace -f -qq -e trace=open,openat -o "$tmp/trace" "$cvmm" run --plan "${snp[@]}" >/dev/null 2>&1; then
	grep -q "/dev/kvm\|/dev/sev" "$tmp/trace" && bad plan-no-kvm "--plan opened /dev/kvm or /dev/sev" || ok plan-no-kvm
else
	echo "skip plan-no-kvm: strace unavailable"
fi

# SNP_LAUNCH_FINISH inputs: an ID block whose LD is the 1-vCPU digest,
# its ID auth (ID key ECDSA P-384, no author key) and HOST_DATA.
d1=d74bd3ea40b240c3228edc5177ce6193561ebff633dbd0be76d6c143b876d65102425c0e2e8a930857c48daa5eacda58
hd=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
idblock() { # FILE LD VERSION POLICY
	python3 - "$@" <<'PY'
import struct, sys
f, ld, ver, pol = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4], 0)
fam, img = bytes(range(16)), bytes(range(16, 32))
open(f, "wb").write(ld + fam + img + struct.pack("<IIQ", ver, 7, pol))
PY
}
idauth() { # FILE ID_KEY_ALGO AUTHOR_CURVE
	python3 - "$@" <<'PY'
import struct, sys
a = bytearray(4096)
struct.pack_into("<II", a, 0, int(sys.argv[2]), 1)
struct.pack_into("<I", a, 0x240, 2)
struct.pack_into("<I", a, 0x880, int(sys.argv[3]))
open(sys.argv[1], "wb").write(a)
PY
}
idblock "$tmp/id.bin" $d1 1 0x30000
idauth "$tmp/auth.bin" 1 0
idauth "$tmp/auth-author.bin" 1 2
ids=(--snp-id-block "$tmp/id.bin" --snp-id-auth "$tmp/auth.bin")
digest snp-id-block $d1 "${snp[@]}" "${ids[@]}" --snp-host-data $hd
"$cvmm" measure "${snp[@]}" "${ids[@]}" --snp-host-data $hd --json >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" "$d1" "$hd" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
b = j["id_block"]
assert b["ld"] == j["measurement"] == sys.argv[2], b
assert b["family_id"] == bytes(range(16)).hex() and b["image_id"] == bytes(range(16, 32)).hex()
assert b["version"] == 1 and b["guest_svn"] == 7 and b["policy"] == "0x30000"
assert b["author_key"] is False and j["host_data"] == sys.argv[3]
PY
then ok snp-id-json; else bad snp-id-json "JSON lacks the ID block or HOST_DATA"; fi
"$cvmm" measure "${snp[@]}" --json >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["id_block"] is None and j["host_data"] == "00" * 32
PY
then ok snp-no-id-json; else bad snp-no-id-json "no ID block should be null, HOST_DATA zero"; fi
# The same block as base64 text, as QEMU takes it, from a config file.
cat >"$tmp/id.json" <<JSON
{ "cc": { "mode": "snp", "snp": { "id_block": "$(base64 -w0 "$tmp/id.bin")",
  "id_auth": "$(base64 -w0 "$tmp/auth-author.bin")" } },
  "boot": { "firmware": "amdsev.fd" } }
JSON
"$cvmm" measure "$tmp/id.json" --json >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" "$d1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["id_block"]["ld"] == sys.argv[2] and j["id_block"]["author_key"] is True
PY
then ok snp-id-base64; else bad snp-id-base64 "a base64 ID block with an author key should be read"; fi
fails snp-id-wrong-ld 2 "cc.snp.id_block: its launch digest $d1 is not this launch's 13a6ae9f.* \(vCPU signature 0x800f12\); the firmware would refuse LAUNCH_FINISH" -- measure "${snp[@]}" "${ids[@]}" --vcpus 4
idblock "$tmp/id-v2.bin" $d1 2 0x30000
fails snp-id-version 2 "cc.snp.id_block: version 2, not 1" -- measure "${snp[@]}" --snp-id-block "$tmp/id-v2.bin" --snp-id-auth "$tmp/auth.bin"
idblock "$tmp/id-pol.bin" $d1 1 0x70000
fails snp-id-policy 2 "cc.snp.id_block: its policy 0x70000 is not cc.snp.policy 0x30000" -- measure "${snp[@]}" --snp-id-block "$tmp/id-pol.bin" --snp-id-auth "$tmp/auth.bin"
idauth "$tmp/auth-algo.bin" 0 0
fails snp-id-algo 2 "cc.snp.id_auth: ID key algorithm 0 is not 1" -- measure "${snp[@]}" --snp-id-block "$tmp/id.bin" --snp-id-auth "$tmp/auth-algo.bin"
idauth "$tmp/auth-curve.bin" 1 3
fails snp-id-author-curve 2 "cc.snp.id_auth: author key curve 3 is not 2" -- measure "${snp[@]}" --snp-id-block "$tmp/id.bin" --snp-id-auth "$tmp/auth-curve.bin"
fails snp-id-alone 2 "an ID block and its ID authentication go together" -- measure "${snp[@]}" --snp-id-block "$tmp/id.bin"
fails plan-snp-id-policy 2 "its policy 0x70000" -- run --plan "${snp[@]}" --snp-id-block "$tmp/id-pol.bin" --snp-id-auth "$tmp/auth.bin"
plan plan-snp-id "KVM_SEV_SNP_LAUNCH_FINISH +1 VMSA at gpa 0xfffffffff000, vCPU 0 first; ID block with LD $d1, ID auth without author key; HOST_DATA $hd\$" 1 "${snp[@]}" "${ids[@]}" --snp-host-data $hd
plan plan-snp-no-id "KVM_SEV_SNP_LAUNCH_FINISH .*; no ID block\$" 1 "${snp[@]}"

# KVM_TDX_INIT_VM inputs: MRCONFIGID, MROWNER, MROWNERCONFIG.
m1=$(printf '11%.0s' {1..48}) m2=$(printf '22%.0s' {1..48}) m3=$(printf 'ab%.0s' {1..48})
tdxmr=(--cc tdx --firmware "$tmp/tdx.fd" --tdx-mrconfigid $m1 --tdx-mrowner $m2 --tdx-mrownerconfig $m3)
digest tdx-mr-not-measured a7a1f751abc454f9cbab198ca8d2edb2821935df525c74182b5e776cb0929e8c59aefecce725b0d08a5e9d3d3183bd08 "${tdxmr[@]}"
"$cvmm" measure "${tdxmr[@]}" --json >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" "$m1" "$m2" "$m3" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert (j["mrconfigid"], j["mrowner"], j["mrownerconfig"]) == tuple(sys.argv[2:5]), j
PY
then ok tdx-mr-json; else bad tdx-mr-json "JSON lacks MRCONFIGID, MROWNER, MROWNERCONFIG"; fi
plan plan-tdx-mr "KVM_TDX_INIT_VM .*retried on EAGAIN; MRCONFIGID $m1; MROWNER $m2; MROWNERCONFIG $m3\$" 1 "${tdxmr[@]}"
plan plan-tdx-mrowner-only "KVM_TDX_INIT_VM .*retried on EAGAIN; MROWNER $m2\$" 1 --cc tdx --firmware "$tmp/tdx.fd" --tdx-mrowner $m2

# cc.snp.certs: the table checked at start, the exit enabled before vCPUs.
python3 - "$tmp" <<'PY'
import struct, sys, uuid
d = sys.argv[1]
vcek = uuid.UUID("63da758d-e664-4564-adc5-f4b93be8accd").bytes_le
ask = uuid.UUID("4ab7b379-bbac-4fe4-a02f-05aef327c782").bytes_le
t = vcek + struct.pack("<II", 72, 100) + ask + struct.pack("<II", 172, 50) + bytes(24)
open(d + "/certs.bin", "wb").write(t + b"V" * 100 + b"A" * 50)
open(d + "/certs-cut.bin", "wb").write(t[:48])
PY
plan plan-snp-certs "^ +4  cc-vm  KVM_SEV_SNP_ENABLE_REQ_CERTS +KVM_EXIT_SNP_REQ_CERTS to cvmm" 1 "${snp[@]}" --snp-certs "$tmp/certs.bin"
plan plan-snp-no-certs "KVM_SEV_SNP_ENABLE_REQ_CERTS" 0 "${snp[@]}"
fails plan-snp-certs-cut 2 "cc.snp.certs: $tmp/certs-cut.bin: the certificate table has no terminating all-zero entry" -- run --plan "${snp[@]}" --snp-certs "$tmp/certs-cut.bin"
fails snp-certs-missing 2 "snp-certs: file '$tmp/nope.bin' does not exist" -- run --plan "${snp[@]}" --snp-certs "$tmp/nope.bin"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
