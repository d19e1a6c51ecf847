#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# run_fuzz.sh FUZZER NAME SECONDS WORKDIR DATADIR MAKE_CORPUS [SEEDGEN]:
# run one libFuzzer target for SECONDS on its seed corpus.
#
#   WORKDIR/seeds/NAME   seeds: made once from tests/data by
#                        make_corpus.py (parse, burst, tcp), or by SEEDGEN
#                        (import: real export images)
#   WORKDIR/corpus/NAME  what the fuzzer finds, kept between runs
#   WORKDIR/artifacts/   crashes and timeouts (NAME-crash-..., to
#                        reproduce: FUZZER FILE)
#
# Fails when the fuzzer does (a crash, a broken invariant, a leak, a
# timeout); prints libFuzzer's final statistics either way.
set -u
fuzzer=$1 name=$2 seconds=$3 work=$4 data=$5 make_corpus=$6
seedgen=${7:-}

seeds=$work/seeds/$name
corpus=$work/corpus/$name
artifacts=$work/artifacts
mkdir -p "$corpus" "$artifacts"
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds" 2>/dev/null)" ]; then
	mkdir -p "$seeds"
	if [ -n "$seedgen" ]; then
		"$seedgen" "$seeds" >/dev/null || {
			echo "run_fuzz.sh: $seedgen failed"; exit 1; }
	else
		tmp=$(mktemp -d)
		python3 "$make_corpus" "$data" "$tmp" &&
		    cp "$tmp/$name"/* "$seeds"/ || {
			echo "run_fuzz.sh: make_corpus.py failed"; exit 1; }
		rm -rf "$tmp"
	fi
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name-" \
    "$corpus" "$seeds" >"$log" 2>&1
rc=$?
grep -E '^(#[0-9]+.*(DONE|INITED)|stat::|Done [0-9]+ runs)' "$log"
if [ "$rc" -ne 0 ]; then
	echo "run_fuzz.sh: $name failed (rc $rc):"
	grep -m1 -B2 -A30 -E 'ERROR:|invariant broken|runtime error' "$log" ||
	    tail -40 "$log"
	exit 1
fi
echo "run_fuzz.sh: $name ran clean for $seconds s"
