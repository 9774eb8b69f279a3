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
python3 -c 'import sys; b = bytearray(8192); b[0x202:0x206] = b"HdrS"; open(sys.argv[1], "wb").write(b)' "$tmp/bzImage"
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
# A firmware boot without SNP or TDX: memslots, devices, fw_cfg files.
plan plan-fw-slot "firmware  0x0ffc00000-0x0ffffffff  KVM_MEM_READONLY" 1 --firmware "$tmp/tdx.fd"
plan plan-fw-files "file 0x2[0-9a-f] etc/(e820|acpi/rsdp|acpi/tables|table-loader) " 4 --firmware "$tmp/tdx.fd" --vcpus 2
plan plan-fw-cpus "item 0x05 CPU count +2 bytes" 1 --firmware "$tmp/tdx.fd" --vcpus 2 --cc sw
fails plan-snp-no-firmware 2 "needs boot.firmware" -- run --plan --cc snp
fails plan-tdx-in-kernel 2 "in-kernel" -- run --plan --cc tdx --firmware "$tmp/tdx.fd" --irqchip in-kernel
fails plan-bad-firmware 2 "not an OVMF image" -- run --plan --cc snp --firmware "$tmp/zero.fd"
fails plan-snp-kernel 2 "no fw_cfg" -- run --plan "${snp[@]}" --kernel "$tmp/bzImage"
if command -v strace >/dev/null &&
   strace -f -qq -e trace=open,openat -o "$tmp/trace" "$cvmm" run --plan "${snp[@]}" >/dev/null 2>&1; then
	grep -q "/dev/kvm\|/dev/sev" "$tmp/trace" && bad plan-no-kvm "--plan opened /dev/kvm or /dev/sev" || ok plan-no-kvm
else
	echo "skip plan-no-kvm: strace unavailable"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
