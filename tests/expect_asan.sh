#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
#
# Run a program that must be stopped by AddressSanitizer with a given
# report kind (e.g. use-after-poison): pass only if it fails that way.
# Used to prove that the stress test catches a premature free.
set -u
exe=$1
kind=$2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$exe" >"$log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
	echo "FAIL: $exe exited 0; expected an AddressSanitizer $kind report"
	tail -5 "$log"
	exit 1
fi
if ! grep -q "AddressSanitizer: $kind" "$log"; then
	echo "FAIL: $exe failed (rc $rc) without an AddressSanitizer $kind report"
	tail -20 "$log"
	exit 1
fi
echo "OK: $exe was stopped as expected:"
grep -m1 "SUMMARY: AddressSanitizer" "$log"
exit 0
