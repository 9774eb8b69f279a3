#!/usr/bin/env bash
# cvmm on a host without a usable KVM, made real in a mount namespace whose
# /dev is a fresh tmpfs (so this runs the same on hosts with and without
# /dev/kvm): no device node, a node the user may not open (mode 000, cvmm
# run as nobody), a node that is not KVM (the null device's numbers).
# `cvmm run` must exit 3 with one line naming what is missing and what to
# do; `cvmm caps` must exit 0 saying so, and `caps --json` must be valid
# JSON with "kvm": false, the errno name and the same reason.
# Usage: test-no-kvm.sh CVMM
set -uo pipefail
cvmm=${1:?usage: test-no-kvm.sh CVMM}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A copy that any user can run, wherever the build tree is.
chmod 755 "$tmp"
cp "$cvmm" "$tmp/cvmm"
cvmm=$tmp/cvmm

# Root makes device nodes; anyone else gets a user namespace (no mknod).
if [[ $(id -u) -eq 0 ]]; then
	ns=(unshare --mount)
else
	ns=(unshare --user --map-root-user --mount)
fi
if ! "${ns[@]}" sh -c 'mount -t tmpfs none /dev' 2>"$tmp/err"; then
	echo "skipped: no mount namespace with a fresh /dev here: $(head -n1 "$tmp/err")"
	exit 77
fi

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
	sed 's/^/    | /' "$tmp/out" "$tmp/err"
}

# nodev SETUP USER ARGS...: cvmm ARGS as USER (root: as is) in a namespace
# whose /dev is a tmpfs prepared by the shell commands SETUP; stdout,
# stderr and status to $tmp/out, $tmp/err and $status.
nodev() {
	local setup=$1 user=$2
	shift 2
	local as=()
	[[ $user != root ]] && as=(setpriv --reuid="$user" --regid=nogroup --clear-groups)
	"${ns[@]}" sh -c 'mount -t tmpfs -o mode=755 none /dev && '"$setup"' &&
		exec "$@"' sh "${as[@]}" "$cvmm" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

# expect_run NAME REASON: status 3, stdout empty, stderr the one line
# "cvmm: error: no KVM: REASON" (REASON a grep -E pattern).
expect_run() {
	local line="cvmm: error: no KVM: $2"
	if [[ $status -ne 3 ]]; then
		bad "$1" "exit status $status, expected 3"
	elif [[ $(wc -l <"$tmp/err") -ne 1 ]] || ! grep -Eqx -- "$line" "$tmp/err"; then
		bad "$1" "stderr is not the one line /$line/"
	elif [[ -s $tmp/out ]]; then
		bad "$1" "stdout not empty"
	else
		ok "$1"
	fi
}

# expect_caps NAME REASON: `caps` exits 0, says "KVM no: REASON", and no
# CC mode runs.
expect_caps() {
	if [[ $status -ne 0 ]]; then
		bad "$1" "exit status $status, expected 0"
	elif ! grep -Eqx -- "KVM +no: $2" "$tmp/out"; then
		bad "$1" "no line 'KVM  no: $2'"
	elif [[ $(grep -Ec '^(none|sw|snp|tdx) +no: no KVM$' "$tmp/out") -ne 4 ]]; then
		bad "$1" "not every CC mode says 'no: no KVM'"
	elif [[ -s $tmp/err ]]; then
		bad "$1" "stderr not empty"
	else
		ok "$1"
	fi
}

# expect_json NAME ERRNO REASON: `caps --json` exits 0 with one object
# holding exactly kvm (false), kvm_error (ERRNO), kvm_reason (REASON) and
# cc_modes, every mode unsupported.
expect_json() {
	if [[ $status -ne 0 ]]; then
		bad "$1" "exit status $status, expected 0"
		return
	fi
	if python3 - "$tmp/out" "$2" "$3" >"$tmp/why" 2>&1 <<'PY'
import json, re, sys
out = json.load(open(sys.argv[1]))
want = {"kvm", "kvm_error", "kvm_reason", "cc_modes"}
assert set(out) == want, "keys %s, expected %s" % (sorted(out), sorted(want))
assert out["kvm"] is False, "kvm is %r" % out["kvm"]
assert out["kvm_error"] == sys.argv[2], "kvm_error is %r" % out["kvm_error"]
assert re.fullmatch(sys.argv[3], out["kvm_reason"]), out["kvm_reason"]
modes = out["cc_modes"]
assert sorted(modes) == ["none", "snp", "sw", "tdx"], sorted(modes)
for name, m in modes.items():
    assert m["supported"] is False and m["reason"] == "no KVM", (name, m)
PY
	then ok "$1"; else bad "$1" "$(tail -n1 "$tmp/why")"; fi
}

hint='load the kvm_intel or kvm_amd module, enable virtualization \(VT-x/AMD-V\) in the firmware, or nested virtualization if this host is itself a VM'

# --- no /dev/kvm at all
missing="/dev/kvm does not exist \(ENOENT\): $hint"
nodev true root run
expect_run no-device-run "$missing"
nodev true root run --cc sw --vcpus 2
expect_run no-device-run-cc-sw "$missing"
nodev true root caps
expect_caps no-device-caps "$missing"
nodev true root caps --json
expect_json no-device-caps-json ENOENT "$missing"

# --- a /dev/kvm this user may not open
if [[ $(id -u) -ne 0 ]]; then
	echo "skip permission-denied, not-kvm: mknod and setpriv need root"
else
	node='mknod /dev/kvm c 10 232 && chmod 000 /dev/kvm'
	denied='no permission to open /dev/kvm \(EACCES\): join the group that owns it \(usually kvm\) or run as root'
	nodev "$node" nobody run
	expect_run permission-denied-run "$denied"
	nodev "$node" nobody caps
	expect_caps permission-denied-caps "$denied"
	nodev "$node" nobody caps --json
	expect_json permission-denied-caps-json EACCES "$denied"

	# --- a /dev/kvm that is some other device (the null device, 1:3)
	nodev 'mknod -m 666 /dev/kvm c 1 3' root run
	expect_run not-kvm-run "/dev/kvm is not a KVM device \(KVM_GET_API_VERSION: ENOTTY\): $hint"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
