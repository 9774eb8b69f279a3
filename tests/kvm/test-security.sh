#!/usr/bin/env bash
# Hardening on this host's /dev/kvm (docs/security.md): a guest throwing
# junk at every device, the seccomp filters of the vCPU and main threads
# in kill, log and off modes (the forbidden-syscall cases need a build
# with -Ddebug_hooks=true), and a running cvmm's capabilities, identity
# and file descriptors.
# Usage: test-security.sh CVMM
set -uo pipefail
cvmm=${1:?usage: test-security.sh CVMM}
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -KILL $pid 2>/dev/null; rm -rf "$tmp"' EXIT

if ! [[ -r /dev/kvm && -w /dev/kvm ]]; then
	echo "skipped: /dev/kvm is not accessible"
	exit 77
fi

passed=0 failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
	sed 's/^/    /' "$tmp/out" "$tmp/err" 2>/dev/null
}
check() { if eval "$2"; then ok "$1"; else bad "$1" "${3:-$2}"; fi; }

# run ARGS: cvmm run, stdout and stderr to $tmp/out and $tmp/err, status
# in $status. A cvmm killed by a signal gives 128 + the signal.
# (In the background: bash reports a foreground job's death by signal.)
run() {
	timeout 120 "$cvmm" run "$@" >"$tmp/out" 2>"$tmp/err" &
	{ wait $!; } 2>/dev/null
	status=$?
}

# --- a hostile guest: junk to every device, then cvmm must still serve
run --scenario hostile-io --seed 1
check hostile-io '[[ $status -eq 0 ]] && grep -q "cvmm still serves" "$tmp/out"' \
	"exit status $status, or the guest found cvmm broken"
check hostile-io-rejected 'grep -q "result: hostile-io-rejected 9 of 9" "$tmp/out"'
check hostile-io-quiet '[[ ! -s $tmp/err ]]' "stderr not empty"
run --scenario hostile-io --seed 7 --vcpus 2 --backing memfd
check hostile-io-smp '[[ $status -eq 0 ]]' "exit status $status"

# --- seccomp: a vCPU thread calls socket() through the debug hook
sigsys=$((128 + $(kill -l SYS)))
run --scenario forbidden-syscall --seccomp off
if [[ $status -eq 77 ]]; then
	echo "skip seccomp-hook: cvmm built without -Ddebug_hooks=true"
else
	check seccomp-off '[[ $status -eq 0 ]] && grep -q "still serves" "$tmp/out"' \
		"exit status $status"

	# Scenario argument 0: the vCPU thread makes the call; 1: main.
	for role in vcpu main; do
		arg=$([[ $role == vcpu ]] && echo 0 || echo 1)
		run --scenario forbidden-syscall --scenario-arg $arg
		check seccomp-kill-$role-sigsys '[[ $status -eq $sigsys ]]' \
			"exit status $status, expected $sigsys (SIGSYS)"
		check seccomp-kill-$role-report \
			'grep -qx "cvmm: error: seccomp: $role thread made forbidden syscall socket (nr 41)" "$tmp/err"' \
			"no reporter line naming the role and the call"
		check seccomp-kill-$role-stops-guest \
			'! grep -q "still serves" "$tmp/out"' \
			"the guest went on after the forbidden call"
	done

	logged() { dmesg 2>/dev/null | grep "type=1326" | grep -c "syscall=41 "; }
	before=$(logged)
	run --scenario forbidden-syscall --seccomp log
	check seccomp-log-continues '[[ $status -eq 0 ]] && grep -q "still serves" "$tmp/out"' \
		"exit status $status"
	check seccomp-log-no-report '! grep -q "seccomp" "$tmp/err"'
	run --scenario forbidden-syscall --scenario-arg 1 --seccomp log
	check seccomp-log-main-continues '[[ $status -eq 0 ]] && grep -q "still serves" "$tmp/out"' \
		"exit status $status"
	# The kernel logs it (audit type 1326), rate-limited: try twice.
	if dmesg >/dev/null 2>&1; then
		[[ $(logged) -gt $before ]] || { sleep 6; before=$(logged);
			run --scenario forbidden-syscall --seccomp log; }
		check seccomp-log-kernel '[[ $(logged) -gt $before ]]' \
			"no audit line for syscall 41 in dmesg"
	fi
fi

# --- a running cvmm: every thread without capabilities, filtered
# start ARGS: cvmm run --scenario hold in the background, until it holds.
start() {
	"$cvmm" run --scenario hold "$@" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q "holding until killed" "$tmp/out" && return 0
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

stop() {
	kill -TERM $pid 2>/dev/null
	wait $pid 2>/dev/null
	pid=
}

# field TASK NAME: a /proc status field, whitespace squeezed.
field() { awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' "$1/status"; }

# every_task NAME VALUE: NAME is VALUE in every thread of $pid.
every_task() {
	local t
	for t in /proc/$pid/task/*; do
		[[ $(field "$t" "$1") == "$2" ]] || return 1
	done
}

# Descriptors cvmm opened itself (not inherited from us) are O_CLOEXEC.
cloexec_fds() {
	local f fd flags
	for f in /proc/$pid/fdinfo/*; do
		fd=${f##*/}
		[[ -e /proc/$$/fd/$fd ]] && continue
		flags=$(awk '$1 == "flags:" { print $2 }' "$f")
		(( 8#$flags & 8#2000000 )) || { echo "fd $fd -> $(readlink /proc/$pid/fd/$fd)"; return 1; }
	done
}

zero=0000000000000000
if [[ $(id -u) -ne 0 ]]; then
	echo "skip capabilities: not started as root"
elif ! start; then
	bad hold-start "cvmm did not reach the hold scenario"
	stop
else
	for c in CapEff CapPrm CapBnd CapInh CapAmb; do
		check "caps-$c-zero" "every_task $c $zero" \
			"$c not zero: $(grep -h $c /proc/$pid/task/*/status | sort -u | tr '\n' ' ')"
	done
	check no-new-privs 'every_task NoNewPrivs 1'
	check seccomp-every-thread 'every_task Seccomp 2' \
		"$(grep -h '^Seccomp:' /proc/$pid/task/*/status | sort | uniq -c | tr '\n' ' ')"
	cloexec_fds >"$tmp/fds"
	check fds-cloexec '[[ ! -s $tmp/fds ]]' "$(cat "$tmp/fds")"
	stop

	if getent passwd nobody >/dev/null && getent group nogroup >/dev/null; then
		nobody=$(id -u nobody) nogroup=$(getent group nogroup | cut -d: -f3)
		if start --user nobody --group nogroup; then
			check user-switched "every_task Uid '$nobody $nobody $nobody $nobody'" \
				"$(field /proc/$pid Uid)"
			check group-switched "every_task Gid '$nogroup $nogroup $nogroup $nogroup'" \
				"$(field /proc/$pid Gid)"
			check groups-dropped 'every_task Groups ""' "$(field /proc/$pid Groups)"
			check user-caps-zero "every_task CapBnd $zero && every_task CapPrm $zero"
		else
			bad user-start "cvmm --user nobody did not reach the hold scenario"
		fi
		stop
	fi

	check seccomp-off-unfiltered 'start --seccomp off && every_task Seccomp 0'
	stop
fi

run --user no-such-cvmm-user
check unknown-user '[[ $status -eq 2 ]] && grep -q "user .no-such-cvmm-user. does not exist" "$tmp/err"' \
	"exit status $status"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
