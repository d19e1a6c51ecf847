#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# expect_asan.sh EXE REGEX: run a program that must fail with a report
# matching REGEX (grep -E), e.g. one of the AddressSanitizer report kinds
# a premature free can produce; pass only if it fails that way.  Used to
# prove that the stress test catches a premature free (tests/meson.build
# lists the report kinds and why each is one).
#
# On success prints the report's first line; on failure, the program's
# exit status, the first line of any sanitizer or cmocka report, and the
# end of its output.
set -u
exe=$1
want=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$exe" >"$log" 2>&1
rc=$?

first_report() {
	grep -m1 -E 'ERROR: AddressSanitizer|runtime error:|\[  FAILED  \]|\[   LINE   \]' "$log"
}

if [ "$rc" -eq 0 ]; then
	echo "FAIL: $exe exited 0; expected a report matching: $want"
	tail -5 "$log"
	exit 1
fi
if ! grep -q -E "$want" "$log"; then
	echo "FAIL: $exe failed (rc $rc) without a report matching: $want"
	echo "first report: $(first_report || echo none)"
	tail -20 "$log"
	exit 1
fi
echo "OK: $exe was stopped as expected:"
grep -m1 -E "$want" "$log"
exit 0
