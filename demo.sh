#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# demo.sh: install what npfct needs (Debian 12), build it into ./build and
# run the demo (examples/npfct-demo): generated IPv4/IPv6 TCP, UDP and ICMP
# flows through a stateful firewall built on npfct, on the DPDK EAL without
# hugepages or NICs.
#
# Usage: sudo ./demo.sh [-- demo options, e.g. --flows 1000 --rounds 20]
#
# Root is needed to install missing packages with apt-get; the demo itself
# runs unprivileged (--no-huge --no-pci --no-shconf).

set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

PACKAGES=(meson ninja-build pkg-config gcc libdpdk-dev dpdk-dev liburcu-dev
	libcmocka-dev libpcap-dev)
BUILD=build
DEMO=$BUILD/examples/npfct-demo/npfct-demo

missing_packages() {
	local p
	for p in "${PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed'; then
			echo "$p"
		fi
	done
}

if ! command -v dpkg-query >/dev/null; then
	echo "demo.sh: this script installs Debian packages; it needs" \
	    "Debian 12 (bookworm) or a derivative." >&2
	exit 1
fi

mapfile -t missing < <(missing_packages)
if [ "${#missing[@]}" -ne 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		cat >&2 <<EOF
demo.sh needs root to install the packages that npfct needs and that are
missing here:

    ${missing[*]}

(it runs "apt-get update" and "apt-get install -y ...", which only root can
do).  The build and the demo themselves need no privileges.  Run either:

    sudo ./demo.sh

or install the packages yourself and run ./demo.sh again:

    sudo apt-get install -y ${PACKAGES[*]}
EOF
		exit 1
	fi
	echo "==> Installing ${missing[*]}"
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y "${PACKAGES[@]}"
fi

# The demo does not need the tests: keep them out of its build.
if [ -f "$BUILD/build.ninja" ]; then
	echo "==> Reusing $BUILD"
else
	echo "==> Configuring $BUILD"
	meson setup "$BUILD" --buildtype=release -Dtests=disabled
fi
echo "==> Building"
ninja -C "$BUILD"

# Two lcores if we have two CPUs: lcore 1 plays the traffic, lcore 0 runs
# the G/C.  net_ring0 loops the packets that pass back to the demo.
if [ "$(nproc)" -ge 2 ]; then
	LCORES=0-1
else
	LCORES=0
fi
if [ "${1:-}" = "--" ]; then
	shift
fi
EAL=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry -l "$LCORES"
	--vdev=net_ring0 --log-level=lib.eal:error)

echo "==> $DEMO ${EAL[*]} -- $*"
echo
exec "$DEMO" "${EAL[@]}" -- "$@"
