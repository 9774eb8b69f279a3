#!/usr/bin/env bash
# cvmm run on this host's /dev/kvm: the embedded test guest's scenarios,
# exit statuses and the one-line reasons for guests that break the rules.
# Usage: test-run.sh CVMM
set -uo pipefail
cvmm=${1:?usage: test-run.sh CVMM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! [[ -r /dev/kvm && -w /dev/kvm ]]; then
	echo "skipped: /dev/kvm is not accessible"
	exit 77
fi

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1: $2"; failed=$((failed + 1)); sed 's/^/    /' "$tmp/out" "$tmp/err"; }

# expect NAME STATUS PATTERN -- ARGS: run cvmm, check its exit status and
# that PATTERN (grep -E) appears in stdout+stderr.
expect() {
	local name=$1 want=$2 pattern=$3
	shift 4
	timeout 120 "$cvmm" run "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [[ $got -ne $want ]]; then
		bad "$name" "exit status $got, expected $want"
	elif ! grep -Eqh -- "$pattern" "$tmp/out" "$tmp/err"; then
		bad "$name" "output lacks /$pattern/"
	else
		ok "$name"
	fi
}

expect default-scenario 0 "hello from scenario 'default'" --
grep -q "vcpus: 1 of 1 online" "$tmp/out" && ok default-vcpus || bad default-vcpus "no vCPU line"
grep -q "backed by guest_memfd" "$tmp/out" && ok default-in-place-gmem || bad default-in-place-gmem "guest RAM is not guest_memfd"
[[ ! -s "$tmp/err" ]] && ok default-quiet-stderr || bad default-quiet-stderr "stderr not empty"

expect smp 0 "vcpus: 4 of 4 online" -- --vcpus 4
expect memfd-backing 0 "backed by memfd" -- --backing memfd
expect anonymous-backing 0 "backed by anonymous" -- --backing anonymous
expect exit-status 7 "exiting with status 7" -- --scenario exit-status --scenario-arg 7
expect unknown-scenario 1 "unknown scenario 'nope'" -- --scenario nope
expect bad-port 1 "unknown port 0x7f" -- --scenario bad-port
[[ $(grep -c "cvmm: error" "$tmp/err") -eq 1 ]] && ok bad-port-one-line || bad bad-port-one-line "not exactly one error line"
expect triple-fault 1 "triple fault" -- --scenario triple-fault
expect hlt-cli 1 "hlt with interrupts disabled" -- --scenario hlt
expect smp-bad-port 1 "unknown port 0x7f" -- --scenario bad-port --vcpus 3
# --on-reboot restart: each boot runs in a child; its status is cvmm's.
expect restart-status 7 "exiting with status 7" -- --scenario exit-status --scenario-arg 7 --on-reboot restart
expect restart-failure 1 "unknown port 0x7f" -- --scenario bad-port --on-reboot restart

# --stats writes the start-up figures and exit counts as JSON.
expect stats 0 "powering off" -- --stats "$tmp/stats.json"
if python3 - "$tmp/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("time_to_first_run_ms", "time_to_first_output_ms", "total_ms",
          "vmm_peak_rss_bytes", "exits", "memory"):
    assert k in s, k
assert s["exits"]["IO"] > 0
assert 0 < s["time_to_first_run_ms"] <= s["time_to_first_output_ms"] <= s["total_ms"]
assert s["memory"]["bytes_populated"] > 0
# KVM's own counters (KVM_GET_STATS_FD): it counts at least the exits
# that reached cvmm, plus those it handled itself.
kvm = s["kvm"]
assert "pages_4k" in kvm["vm"], kvm["vm"]
assert kvm["vcpus"]["exits"] >= s["exits"]["total"] > 0, kvm["vcpus"]
PY
then ok stats-json; else bad stats-json "stats JSON lacks keys or values"; fi

# A CC mode this host's KVM lacks (`cvmm caps`) is refused with exit 3
# naming the VM type; where it has sw (the rig), --cc sw runs.
caps=$("$cvmm" caps)
runs() { grep -Eq "^$1 +yes\$" <<<"$caps"; }
if runs sw; then
	expect cc-sw-runs 0 "confidential mode: sw" -- --cc sw
	expect cc-sw-runs-restart 0 "confidential mode: sw" -- --cc sw --on-reboot restart
else
	expect cc-sw-refused 3 "KVM_X86_SW_PROTECTED_VM" -- --cc sw
	expect cc-sw-refused-restart 3 "KVM_X86_SW_PROTECTED_VM" -- --cc sw --on-reboot restart
fi
for mode in snp tdx; do
	if runs $mode; then
		echo "skip cc-$mode-refused: this host runs $mode"
	else
		expect cc-$mode-refused 3 "KVM_X86_${mode^^}_VM" -- --cc $mode
	fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
