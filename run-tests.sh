#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# run-tests.sh: install what npfct needs (Debian 12), then
#   1. build a debug tree (build-test) and run the unit tests;
#   2. build an AddressSanitizer + UBSan tree (build-asan) and run the
#      unit and stress tests in it;
#   3. run the demo once in the ASan tree (smoke test);
#   4. build the libFuzzer targets with clang (build-fuzz) and run each
#      for 30 s.
# Prints "N passed, N failed" (tests, plus any setup or build step that
# failed) and exits non-zero if anything failed.
#
# Usage: sudo ./run-tests.sh
#
# BUILD_SUFFIX=S puts the trees in build-testS and build-asanS (the Debian 13
# chroot of tests/ci/trixie.sh uses -trixie).  The builds treat warnings as
# errors (-Dwerror=true: zero warnings with Debian 12's gcc 12 and Debian
# 13's gcc 14); WERROR=false turns that off for another compiler.
#
# Root is needed to install missing packages and for l3fwd-npf's
# end-to-end test (network namespaces, veths, af_packet), which is skipped
# without it; the other tests run on the DPDK EAL without hugepages or NICs
# (--no-huge --no-pci --no-shconf).

set -uo pipefail

cd "$(dirname "$(readlink -f "$0")")" || exit 1

PACKAGES=(meson ninja-build pkg-config gcc libdpdk-dev dpdk-dev liburcu-dev
	libcmocka-dev libpcap-dev
	# the libFuzzer targets (tests/fuzz)
	clang libclang-rt-dev
	# l3fwd-npf's end-to-end and pcap tests
	iproute2 ethtool curl python3 python3-scapy iputils-ping procps)
DEMO_EAL=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry
	--log-level=lib.eal:error)

# DPDK's own libraries are not instrumented; report every error of ours,
# leaks included.  An ASAN_OPTIONS from the environment wins.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1:print_summary=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
failures=()

note_fail() {
	failed=$((failed + 1))
	failures+=("$1")
	echo "--- FAIL: $1"
}

# run_meson_test NAME BUILDDIR ARGS...: run meson test, count its results.
run_meson_test() {
	local name=$1 dir=$2 log ok fail
	shift 2
	log=$(mktemp)
	echo "==> $name"
	meson test -C "$dir" --print-errorlogs "$@" 2>&1 | tee "$log"
	ok=$(awk '/^Ok:/ { print $2 }' "$log")
	fail=$(awk '/^(Fail|Unexpected Pass|Timeout):/ { n += $NF }
	    END { print n + 0 }' "$log")
	rm -f "$log"
	if [ -z "$ok" ]; then
		note_fail "$name: meson test did not run"
		return
	fi
	passed=$((passed + ok))
	failed=$((failed + fail))
	if [ "$fail" -ne 0 ]; then
		failures+=("$name: $fail failed")
	fi
}

# build NAME BUILDDIR MESON-OPTIONS...: configure (or reuse) and build.
build() {
	local name=$1 dir=$2
	shift 2
	echo "==> Building $dir ($name)"
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null ||
		    { note_fail "$name: meson configure"; return 1; }
	else
		meson setup "$dir" "$@" ||
		    { note_fail "$name: meson setup"; return 1; }
	fi
	ninja -C "$dir" || { note_fail "$name: build"; return 1; }
}

install_deps() {
	local p missing=()
	for p in "${PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "run-tests.sh needs root to install: ${missing[*]}" >&2
		echo "Run: sudo ./run-tests.sh" >&2
		return 1
	fi
	echo "==> Installing ${missing[*]}"
	apt-get update &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y "${PACKAGES[@]}"
}

start=$(date +%s)
BUILD_TEST=build-test${BUILD_SUFFIX:-}
BUILD_ASAN=build-asan${BUILD_SUFFIX:-}
BUILD_FUZZ=build-fuzz${BUILD_SUFFIX:-}
WERROR=${WERROR:-true}

if ! install_deps; then
	echo "0 passed, 1 failed"
	exit 1
fi

dpdk_version=$(pkg-config --modversion libdpdk 2>/dev/null || echo unknown)
echo "==> DPDK $dpdk_version, $(gcc --version | head -n1)," \
    "liburcu $(pkg-config --modversion liburcu-qsbr 2>/dev/null || echo unknown)"

# 1. Debug build, unit tests.
if build "debug" "$BUILD_TEST" -Dbuildtype=debug -Dtests=enabled \
    -Dwerror="$WERROR"; then
	run_meson_test "unit tests (debug)" "$BUILD_TEST" --suite unit
fi

# 2. AddressSanitizer and UndefinedBehaviorSanitizer build, unit and
#    stress tests.  -Db_lundef=false: the sanitizer runtime resolves
#    symbols at load time; -fno-sanitize-recover: undefined behaviour
#    stops the test like an ASan report.
if build "asan" "$BUILD_ASAN" -Dbuildtype=debug \
    -Db_sanitize=address,undefined -Dc_args=-fno-sanitize-recover=undefined \
    -Db_lundef=false -Dtests=enabled -Dwerror="$WERROR"; then
	run_meson_test "unit and stress tests (asan)" "$BUILD_ASAN" \
	    --suite unit --suite stress

	# 3. The demo, once, with two lcores if there are two CPUs.
	lcores=0
	[ "$(nproc)" -ge 2 ] && lcores=0-1
	echo "==> demo (asan, -l $lcores)"
	if timeout 120 "$BUILD_ASAN"/examples/npfct-demo/npfct-demo \
	    "${DEMO_EAL[@]}" -l "$lcores" -- --flows 600 --rounds 12; then
		passed=$((passed + 1))
	else
		note_fail "demo (asan)"
	fi
fi

# 4. The libFuzzer targets (clang, ASan + UBSan), 30 s each, so that they
#    cannot rot; long runs: meson test -C build-fuzz --suite fuzz.
if CC=clang build "fuzz" "$BUILD_FUZZ" -Dbuildtype=debug \
    -Db_sanitize=address,undefined -Dc_args=-fno-sanitize-recover=undefined \
    -Db_lundef=false -Dtests=enabled -Dfuzz=enabled -Dwerror="$WERROR"; then
	run_meson_test "fuzz targets, 30 s each (asan)" "$BUILD_FUZZ" \
	    --suite fuzz-smoke
fi

echo
echo "==> Summary ($(($(date +%s) - start)) s, DPDK $dpdk_version)"
for f in "${failures[@]}"; do
	echo "    FAIL: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
