# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# TAP-style checks for the bash tests (sourced): "ok N - ..." and
# "not ok N - ..." lines, then "N checks, N failed" from tap_done, whose
# status is the test's exit status.

NCHECK=0
NFAIL=0

pass() {
	NCHECK=$((NCHECK + 1))
	echo "ok $NCHECK - $*"
}

fail() {
	NCHECK=$((NCHECK + 1))
	NFAIL=$((NFAIL + 1))
	echo "not ok $NCHECK - $*"
}

# check DESC CMD...: pass if CMD succeeds.
check() {
	local desc=$1

	shift
	if "$@"; then
		pass "$desc"
	else
		fail "$desc"
	fi
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then
		pass "$1 ($3)"
	else
		fail "$1: expected '$2', got '$3'"
	fi
}

# tap_done: the summary line; fails if any check failed.
tap_done() {
	echo "$NCHECK checks, $NFAIL failed"
	[ "$NFAIL" -eq 0 ]
}
