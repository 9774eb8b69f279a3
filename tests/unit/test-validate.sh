#!/usr/bin/env bash
# One validation for every command: a bad config gets the same error lines
# and exit status from cvmm config check, run, run --plan and measure, all
# before anything is built (no /dev/kvm needed), and config check catches
# what only run found before (virtio devices without a kernel's PC). The
# rules of a CC launch come after the host's for run (a host without the
# mode says so first), so their lines are compared between the three
# commands that never ask the host.
# Usage: test-validate.sh CVMM
set -uo pipefail
cvmm=$(realpath "${1:?usage: test-validate.sh CVMM}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# same NAME PATTERN CONFIG-ARGS...: each command prints the same stderr,
# which matches PATTERN, nothing on stdout, and exits 2.
commands=("config check" "run" "run --plan" "measure")
same() {
	local name=$1 pattern=$2 first=""
	shift 2
	for cmd in "${commands[@]}"; do
		# shellcheck disable=SC2086
		"$cvmm" $cmd "$@" >out 2>err
		local got=$?
		if [[ $got -ne 2 ]]; then
			bad "$name" "'$cmd' exits $got, expected 2"; cat err; return
		fi
		if [[ -s out ]]; then
			bad "$name" "'$cmd' printed on stdout"; return
		fi
		if ! grep -Eq -- "$pattern" err; then
			bad "$name" "'$cmd' stderr lacks /$pattern/"; cat err; return
		fi
		if [[ -z $first ]]; then
			first=$(cat err)
		elif [[ $(cat err) != "$first" ]]; then
			bad "$name" "'$cmd' says other lines than 'config check'"
			diff <(echo "$first") err
			return
		fi
	done
	ok "$name"
}

echo '{"devices": {"rng": true}}' >rng.json
same "devices need a kernel (once only run's rule)" \
	'^cvmm: error: rng.json: \$\.devices: disks, nets, rng, console and vsock need a kernel' rng.json

cat >both.json <<'JSON'
{"cc": {"mode": "sw"}, "machine": {"shared_backing": "hugetlbfs-2M"},
 "boot": {"initrd": "both.json"}}
JSON
same "two config rules, both in one pass" \
	'\$\.boot\.initrd: an initrd needs boot\.kernel' both.json
if [[ $(grep -c '^cvmm: error: ' err) -eq 2 ]] &&
   grep -q "shared_backing: 'hugetlbfs-2M' cannot back" err; then
	ok "every problem is reported"
else
	bad "every problem is reported" "expected two lines"; cat err
fi

echo '{"cc": {"mode": "snp"}}' >snp2.json
same "flags are named as flags" \
	'^cvmm: error: --console: disks, nets, rng, console and vsock need a kernel' snp2.json --console

commands=("config check" "run --plan" "measure")
echo '{"cc": {"mode": "snp"}}' >snp.json
same "snp needs firmware (a CC rule)" \
	"^cvmm: error: snp.json: \\\$\\.cc\\.mode: cc.mode 'snp' needs boot.firmware" snp.json

# The TDX rules live in cc/rules.c alone (not also in config/rules.c): a
# TD with an in-kernel irqchip and no firmware gets one line per field.
echo '{"cc": {"mode": "tdx"}}' >tdx.json
same "tdx rules once each, naming the field or flag" \
	"^cvmm: error: --irqchip: cc.mode 'tdx' cannot have a PIC" \
	tdx.json --irqchip in-kernel
if [[ $(grep -c '^cvmm: error: ' err) -eq 2 ]] &&
   grep -q "^cvmm: error: tdx.json: \\\$\\.cc\\.mode: cc.mode 'tdx' needs boot.firmware" err; then
	ok "tdx: two problems, two lines"
else
	bad "tdx: two problems, two lines" "expected \$.cc.mode and --irqchip"; cat err
fi

echo "passed $passed, failed $failed"
[[ $failed -eq 0 ]]
