#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# run-perf.sh: build and run npfct-perf on 2 MB hugepages.
#
#   sudo tests/perf/run-perf.sh [--quick] [--no-huge] [--hugepages-mb MB]
#        [--nice N] [--build-dir DIR] [--exe PATH] [--json FILE]
#        [-- npfct-perf options]
#
# 1. Builds BUILD (default build-perf, buildtype=release) unless --exe
#    names an npfct-perf already built (meson benchmark() does that).
# 2. Mounts hugetlbfs on /dev/hugepages if no hugetlbfs is mounted, and
#    reserves the 2 MB pages that are missing for MB (default 10240; 2048
#    with --quick).  On exit it gives back exactly the pages it added and
#    unmounts only what it mounted.
# 3. Runs npfct-perf with the lcore layout of docs/performance.md: the
#    measured worker (lcore 2) on CPU 1; the main lcore 0, the G/C service
#    lcore 1 (-s 0x2) and the second worker (lcore 3) on CPU 0.
#    Everything after "--" goes to npfct-perf
#    (e.g. -- --scenarios hit,new --hit-sizes 1000000).
#
# --no-huge runs on 4 KB pages (no root needed); every result is then
# labelled "hugepages":false.  As root npfct-perf runs in a session of its
# own whose scheduler autogroup gets nice -20 (--nice N to change, 0 to
# leave it), so that other work on a shared machine preempts the measured
# lcore less; each timing also reports its on-CPU share.  Prints the load
# average before and after.

set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
HP_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB
MOUNT_POINT=/dev/hugepages

build_dir=$ROOT/build-perf
exe=
json=
quick=0
nohuge=0
hp_mb=
nice_level=-20
perf_args=()

usage() {
	sed -n '4,28p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1; perf_args+=(--quick) ;;
	--no-huge) nohuge=1 ;;
	--hugepages-mb) hp_mb=$2; shift ;;
	--nice) nice_level=$2; shift ;;
	--build-dir) build_dir=$2; shift ;;
	--exe) exe=$2; shift ;;
	--json) json=$2; shift ;;
	--help|-h) usage ;;
	--) shift; perf_args+=("$@"); break ;;
	*) perf_args+=("$1") ;;
	esac
	shift
done
[ -n "$hp_mb" ] || hp_mb=$([ $quick -eq 1 ] && echo 2048 || echo 10240)

# 1. Build.
if [ -z "$exe" ]; then
	if [ ! -f "$build_dir/build.ninja" ]; then
		meson setup "$build_dir" "$ROOT" -Dbuildtype=release \
		    -Dtests=enabled || exit 1
	fi
	ninja -C "$build_dir" tests/perf/npfct-perf || exit 1
	exe=$build_dir/tests/perf/npfct-perf
fi
[ -x "$exe" ] || { echo "run-perf.sh: no executable $exe" >&2; exit 1; }
[ -n "$json" ] || json=$(dirname "$exe")/npfct-perf.jsonl

# 2. Hugepages.
mounted=0
added=0
child=
prefix=

cleanup() {
	local cur
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill "$child"
		wait "$child"
	fi
	if [ "$added" -gt 0 ]; then
		cur=$(cat "$HP_DIR/nr_hugepages")
		echo $((cur - added)) > "$HP_DIR/nr_hugepages"
		echo "run-perf.sh: released $added hugepages" \
		    "(now $(cat "$HP_DIR/nr_hugepages"))"
	fi
	# The EAL's (empty) runtime directory of this run.
	[ -n "$prefix" ] && rmdir "/var/run/dpdk/$prefix" 2>/dev/null
	if [ "$mounted" -eq 1 ]; then
		umount "$MOUNT_POINT" &&
		    echo "run-perf.sh: unmounted $MOUNT_POINT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ $nohuge -eq 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "run-perf.sh: hugepages need root (sudo)," \
		    "or use --no-huge" >&2
		exit 1
	fi
	if ! awk '$3 == "hugetlbfs" { f = 1 } END { exit !f }' \
	    /proc/mounts; then
		mkdir -p "$MOUNT_POINT"
		mount -t hugetlbfs -o pagesize=2M nodev "$MOUNT_POINT" || exit 1
		mounted=1
		echo "run-perf.sh: mounted hugetlbfs on $MOUNT_POINT"
	fi
	need=$(( (hp_mb + 1) / 2 ))
	free=$(cat "$HP_DIR/free_hugepages")
	if [ "$free" -lt "$need" ]; then
		orig=$(cat "$HP_DIR/nr_hugepages")
		# Defragment first so that the kernel finds 2 MB blocks.
		echo 1 > /proc/sys/vm/compact_memory 2>/dev/null
		echo $((orig + need - free)) > "$HP_DIR/nr_hugepages"
		added=$(( $(cat "$HP_DIR/nr_hugepages") - orig ))
		echo "run-perf.sh: reserved $added hugepages of 2 MB"
	fi
	free=$(cat "$HP_DIR/free_hugepages")
	if [ "$free" -lt "$need" ]; then
		echo "run-perf.sh: WARNING: only $free free hugepages" \
		    "of $need wanted; the largest tables may not fit" >&2
	fi
fi

# 3. Run.  Lcore 0: main, CPU 0; lcore 1: G/C service lcore, CPU 0 (the
# EAL wants a service lcore id that is also a CPU id); lcore 2: the
# measured worker, CPU 1; lcore 3: the second worker, CPU 0.
if [ "$(nproc)" -ge 2 ]; then
	eal=(--lcores 0@0,1@0,2@1,3@0 -s 0x2)
else
	# One CPU: npfct-perf makes lcore 3 its service lcore itself.
	eal=(--lcores 0@0,1@0,2@0,3@0)
fi
prefix=npfct-perf-$$
eal+=(--no-pci --no-telemetry --iova-mode=va --log-level=lib.eal:notice
	--file-prefix "$prefix")
if [ $nohuge -eq 1 ]; then
	# --in-memory needs dynamic memory, which --no-huge is not.
	eal+=(--no-huge -m "$hp_mb" --no-shconf)
else
	eal+=(--in-memory --single-file-segments)
fi
# Memory segments may each keep a file descriptor.
ulimit -n 65536 2>/dev/null

echo "run-perf.sh: before: $(uptime)"
echo "run-perf.sh: $exe ${eal[*]} -- --json $json ${perf_args[*]}"
if [ "$(id -u)" -eq 0 ] && [ "$nice_level" != 0 ]; then
	# CFS weighs autogroups (sessions) against each other, not threads:
	# start a new session whose shell renices its own, new autogroup and
	# then becomes npfct-perf.
	setsid -w sh -c 'echo "$0" > /proc/self/autogroup ||
	    echo "run-perf.sh: cannot renice the autogroup" >&2
	    exec "$@"' "$nice_level" \
	    "$exe" "${eal[@]}" -- --json "$json" "${perf_args[@]}" &
	child=$!
	wait "$child"
	rc=$?
	child=
else
	"$exe" "${eal[@]}" -- --json "$json" "${perf_args[@]}"
	rc=$?
fi
echo "run-perf.sh: after: $(uptime)"
echo "run-perf.sh: JSON lines in $json"
exit $rc
