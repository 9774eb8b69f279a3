#!/usr/bin/env bash
# Run a libFuzzer target for a bounded time, starting from its seeds.
# Usage: run-fuzz.sh TARGET CORPUS [DICT]; CVMM_FUZZ_SECONDS (default 20).
# What it finds grows in a scratch directory, never in the committed
# corpus. A crash, leak, timeout or sanitizer report fails the test; the
# input is kept as fuzz-artifacts/NAME-* in the build directory, and
# 'TARGET FILE' replays it.
set -uo pipefail
target=${1:?usage: run-fuzz.sh TARGET CORPUS [DICT]}
corpus=${2:?usage: run-fuzz.sh TARGET CORPUS [DICT]}
dict=${3:-}
name=$(basename "$target")
seconds=${CVMM_FUZZ_SECONDS:-20}
artifacts=$PWD/fuzz-artifacts
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
      -max_len=4096 -close_fd_mask=3 -print_final_stats=1
      -artifact_prefix="$artifacts/$name-")
[[ -n $dict && -f $dict ]] && args+=(-dict="$dict")

"$target" "${args[@]}" "$scratch" "$corpus" </dev/null 2>"$scratch.log"
status=$?
grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::new_units_added|Done [0-9]+ runs)" "$scratch.log"
if [[ $status -ne 0 ]]; then
	# The report from its first line: sanitizer, broken property or signal.
	sed -n '/ERROR: \|property broken\|deadly signal\|==ABORTING/,$p' \
		"$scratch.log" | head -n 80
	echo "FAIL $name: exit status $status; reproduce with: $target $artifacts/$name-*"
fi
rm -f "$scratch.log"
exit $status
