#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# trixie.sh: run npfct's test suite and demo on Debian 13 (trixie: DPDK
# 24.11, liburcu 0.15, gcc 14) inside a chroot, on a Debian 12 host.
#
#   1. Make the chroot with debootstrap (minbase) from Debian's archive,
#      or reuse the one already there; refresh its packages when they are
#      older than a week.
#   2. Mount what the tests need: the chroot root bind-mounted onto itself
#      (so that "ip netns add" can make /run/netns a shared mount), proc,
#      sys, dev, dev/pts, dev/shm, and this source tree at /npfct.
#   3. Run ./run-tests.sh (which installs its packages with apt-get inside
#      the chroot on the first run) and ./demo.sh in the chroot, in their
#      own build directories (build-*-trixie), so that the host's build
#      trees are left alone.
#   4. Unmount everything, also on failure or interruption.
#
# Usage: sudo tests/ci/trixie.sh [-r DIR] [-m MIRROR] [--no-demo] [--shell]
#                                [-- COMMAND [ARG...]]
#   -r DIR      the chroot (default $NPFCT_TRIXIE_ROOT or
#               /var/tmp/npfct-trixie/root)
#   -m MIRROR   Debian mirror (default http://deb.debian.org/debian)
#   --no-demo   run the tests only
#   --shell     open a shell in the mounted chroot instead of running
#               anything (the mounts go when it exits)
#   -- COMMAND  run COMMAND in /npfct inside the chroot instead of the
#               tests (e.g. -- ninja -C build-test-trixie)
#
# Exits with the status of the first command that failed inside.  The first
# run takes about 5 minutes more than later ones (debootstrap and apt-get:
# about 1.2 GB).  Needs root: chroot, mounts, namespaces.

set -euo pipefail

SRC=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
ROOT=${NPFCT_TRIXIE_ROOT:-/var/tmp/npfct-trixie/root}
MIRROR=http://deb.debian.org/debian
RUN_DEMO=1
SHELL_ONLY=0
COMMAND=()
REFRESH_DAYS=7

usage() {
	sed -n '/^# Usage:/,/^# Exits/p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case $1 in
	-r) [ $# -ge 2 ] || usage; ROOT=$2; shift 2 ;;
	-m) [ $# -ge 2 ] || usage; MIRROR=$2; shift 2 ;;
	--no-demo) RUN_DEMO=0; shift ;;
	--shell) SHELL_ONLY=1; shift ;;
	-h|--help) usage ;;
	--) shift; COMMAND=("$@"); break ;;
	*) echo "trixie.sh: unknown argument '$1'" >&2; usage ;;
	esac
done

if [ "$(id -u)" -ne 0 ]; then
	echo "trixie.sh needs root (debootstrap, chroot, mounts, namespaces)." >&2
	echo "Run: sudo $0" >&2
	exit 1
fi
case $ROOT in
/*) ;;
*) echo "trixie.sh: -r needs an absolute path" >&2; exit 2 ;;
esac
if [ "$ROOT" = / ]; then
	echo "trixie.sh: refusing to use / as the chroot" >&2
	exit 2
fi

MOUNTED=()	# mount points, in the order they were mounted

# mount_at TARGET MOUNT-ARGS...: mount and remember it for cleanup.
mount_at() {
	local target=$1
	shift
	mkdir -p "$target"
	mount "$@" "$target"
	MOUNTED+=("$target")
}

# Unmount in reverse order.  Anything a test mounted below the chroot and
# left behind (a network namespace under /run/netns) goes first, lazily,
# so that the chroot root can always be unmounted; nothing is ever deleted
# below ROOT while it may still have mounts.
cleanup() {
	local i m
	set +e
	while read -r m; do
		case $m in
		"$ROOT"/*) umount -l "$m" 2>/dev/null ;;
		esac
	done < <(awk '{ print $5 }' /proc/self/mountinfo | sort -r)
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		m=${MOUNTED[i]}
		mountpoint -q "$m" && { umount "$m" 2>/dev/null ||
		    umount -l "$m"; }
	done
	MOUNTED=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Only chroots this script made are reused; anything else at ROOT is left
# alone.
STAMP=$ROOT/etc/npfct-trixie
if [ ! -f "$STAMP" ]; then
	if [ -e "$ROOT" ] && [ -n "$(ls -A "$ROOT" 2>/dev/null)" ]; then
		echo "trixie.sh: $ROOT exists but was not made by this script;" \
		    "remove it or choose another with -r" >&2
		exit 1
	fi
	command -v debootstrap >/dev/null || {
		echo "==> Installing debootstrap"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
	}
	echo "==> debootstrap trixie into $ROOT ($MIRROR)"
	mkdir -p "$ROOT"
	debootstrap --variant=minbase trixie "$ROOT" "$MIRROR"
	echo "deb $MIRROR trixie main" > "$ROOT/etc/apt/sources.list"
	date +%s > "$STAMP"
	FRESH=1
else
	FRESH=0
fi

# The chroot's root bound onto itself: "ip netns add" makes /run/netns a
# shared mount point, which needs the root it sits on to be a mount.
mount_at "$ROOT" --bind "$ROOT"
mount_at "$ROOT/proc" -t proc proc
mount_at "$ROOT/sys" --rbind /sys
mount --make-rslave "$ROOT/sys"
mount_at "$ROOT/dev" --bind /dev
mount_at "$ROOT/dev/pts" --bind /dev/pts
mount_at "$ROOT/dev/shm" -t tmpfs -o mode=1777 tmpfs
mount_at "$ROOT/npfct" --bind "$SRC"

cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# A host name that does not resolve makes servers that look it up (python's
# http.server) take seconds to start.
host=$(hostname)
if ! grep -qw -- "$host" "$ROOT/etc/hosts" 2>/dev/null; then
	printf '127.0.1.1\t%s\n' "$host" >> "$ROOT/etc/hosts"
fi

in_chroot() {
	chroot "$ROOT" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
	    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    LANG=C.UTF-8 ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} "$@"
}

# Refresh the packages once a week (trixie point releases carry DPDK and
# compiler fixes); run-tests.sh and demo.sh install what is missing.
last=$(head -n1 "$STAMP")
if [ "$FRESH" -eq 0 ] &&
    [ $(($(date +%s) - last)) -gt $((REFRESH_DAYS * 86400)) ]; then
	echo "==> Refreshing the chroot's packages"
	in_chroot apt-get update -qq
	in_chroot env DEBIAN_FRONTEND=noninteractive apt-get -y -qq upgrade
	date +%s > "$STAMP"
fi

if [ "$SHELL_ONLY" -eq 1 ]; then
	echo "==> Shell in $ROOT (source tree at /npfct); exit to unmount"
	in_chroot /bin/bash -c 'cd /npfct && exec bash -i'
	exit 0
fi

if [ "${#COMMAND[@]}" -gt 0 ]; then
	in_chroot /bin/bash -c 'cd /npfct && exec "$@"' command "${COMMAND[@]}"
	exit
fi

status=0
echo "==> Tests in the Debian $(cat "$ROOT/etc/debian_version") chroot"
in_chroot env BUILD_SUFFIX=-trixie /npfct/run-tests.sh || status=$?
if [ "$RUN_DEMO" -eq 1 ]; then
	echo "==> Demo in the chroot"
	if in_chroot env BUILD_DIR=build-trixie /npfct/demo.sh; then
		echo "==> Demo: OK"
	else
		status=$?
		echo "==> Demo: FAILED ($status)"
	fi
fi
echo "==> Debian $(cat "$ROOT/etc/debian_version") chroot, DPDK" \
    "$(in_chroot pkg-config --modversion libdpdk): $([ "$status" -eq 0 ] &&
    echo passed || echo "FAILED ($status)")"
exit "$status"
