#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# run-l3fwd-bench.sh: forwarding throughput of examples/l3fwd-npf on this
# machine, with its baselines measured in the same run
# (docs/performance.md, "Benchmarking examples/l3fwd-npf").
#
#   sudo tests/perf/run-l3fwd-bench.sh [--seconds N] [--flows N]
#        [--build-dir DIR]
#
# 1. Builds BUILD (default build-perf, buildtype=release), writes a pcap of
#    --flows (default 128) outbound UDP flows (tests/perf/mkflows.py,
#    64-byte frames, 4096 packets) and reserves 2 MB hugepages (given back
#    on exit, like run-perf.sh).
# 2. pcap: l3fwd-npf, forwarding lcore alone on CPU 1, main lcore (and the
#    G/C, run from the main loop: no service lcore) on CPU 0; inside port
#    net_pcap replaying the file from memory (infinite_rx), outside port
#    net_null.  Baseline: dpdk-testpmd "io" forwarding on the same two
#    devices and CPU: the cost of the PMDs alone.
# 3. testpmd: dpdk-testpmd txonly (multi-flow, 64 bytes) on CPU 0 as the
#    generator, through net_memif into l3fwd-npf (worker on CPU 1), out to
#    net_null.  The generator shares CPU 0 with l3fwd-npf's main lcore; a
#    figure below its offered rate with TX drops at the generator means
#    the firewall is the bottleneck.
# Each run lasts --seconds (default 10); the figure is the median of the
# per-second rates after the first two.  Every process is stopped by PID.

set -uo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
HP_DIR=/sys/kernel/mm/hugepages/hugepages-2048kB
MOUNT_POINT=/dev/hugepages
build_dir=$ROOT/build-perf
seconds=10
flows=128
pages_wanted=1024

while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--flows) flows=$2; shift 2 ;;
	--build-dir) build_dir=$2; shift 2 ;;
	*) echo "usage: $0 [--seconds N] [--flows N] [--build-dir DIR]" >&2
	   exit 2 ;;
	esac
done
[ "$(id -u)" = 0 ] || { echo "$0: needs root (hugepages, memif)" >&2; exit 2; }

work=$(mktemp -d /tmp/npfct-l3fwd-bench.XXXXXX)
added_pages=0
mounted=0
pids=()

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -f "$MOUNT_POINT"/npfbench*map_* 2>/dev/null
	if [ "$added_pages" -gt 0 ]; then
		echo $(($(cat $HP_DIR/nr_hugepages) - added_pages)) \
		    > $HP_DIR/nr_hugepages
	fi
	[ "$mounted" = 1 ] && umount "$MOUNT_POINT"
	rm -rf "$work" /run/npfct-l3fwd-bench.sock
}
trap cleanup EXIT

if [ ! -x "$build_dir/examples/l3fwd-npf/l3fwd-npf" ]; then
	[ -d "$build_dir" ] || meson setup "$build_dir" "$ROOT" \
	    -Dbuildtype=release >/dev/null || exit 1
fi
ninja -C "$build_dir" examples/l3fwd-npf/l3fwd-npf >/dev/null || exit 1
L3FWD=$build_dir/examples/l3fwd-npf/l3fwd-npf
TESTPMD=$(command -v dpdk-testpmd || true)

if ! grep -qs " $MOUNT_POINT hugetlbfs " /proc/mounts; then
	mkdir -p "$MOUNT_POINT"
	mount -t hugetlbfs -o pagesize=2M nodev "$MOUNT_POINT" && mounted=1
fi
have=$(cat $HP_DIR/free_hugepages)
if [ "$have" -lt "$pages_wanted" ]; then
	cur=$(cat $HP_DIR/nr_hugepages)
	echo $((cur + pages_wanted - have)) > $HP_DIR/nr_hugepages
	added_pages=$(($(cat $HP_DIR/nr_hugepages) - cur))
fi

printf 'pass out proto udp stateful\n' > "$work/fw.rules"
# 4096 packets: l3fwd-npf's mbuf pool (8192) holds net_pcap's copy.
repeat=$(( (4096 + flows - 1) / flows ))
/usr/bin/python3 "$ROOT/tests/perf/mkflows.py" "$work/flows.pcap" \
    "$flows" "$repeat" >/dev/null || exit 1

# median FILE AWK-FIELD-PROGRAM: median of the per-second values printed by
# the program, skipping the first two.
median() {
	awk "$2" "$1" | tail -n +3 | sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) print "nan"
		else if (NR % 2) printf "%.0f\n", v[(NR + 1) / 2]
		else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# run NAME CMD...: run CMD for $seconds, then stop it by PID.
run() {
	local name=$1 p
	shift
	"$@" > "$work/$name.log" 2>&1 &
	p=$!
	pids+=("$p")
	sleep "$seconds"
	kill -INT "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	pids=("${pids[@]/$p}")
}

FW_ARGS=(-- --port 0:inside --port 1:outside
	--addr 0:10.99.1.254/24 --addr 1:10.99.2.254/24
	--neigh 10.99.2.1:02:00:0a:63:02:01 --rules "$work/fw.rules"
	--stats-period 1)
PCAP_VDEVS=(--vdev=net_pcap0,rx_pcap=$work/flows.pcap,infinite_rx=1
	--vdev=net_null0,no-rx=1)
FW_RX='/ p0 rx / { for (i = 1; i <= NF; i++) if ($i == "p0") print $(i + 2) }'
TP_RX='/Rx-pps:/ { if ($2 > 0) print $2 }'
TP_TX='/Tx-pps:/ { if ($2 > 0) print $2 }'

echo "== l3fwd-npf benchmark: $flows flows, ${seconds} s per run, $(uptime)"
grep -m1 "model name" /proc/cpuinfo

run pcap-fw "$L3FWD" --lcores 0@0,1@1 --no-pci --file-prefix npfbench \
    "${PCAP_VDEVS[@]}" "${FW_ARGS[@]}"
fw=$(median "$work/pcap-fw.log" "$FW_RX")
conns=$(grep -o "conns [0-9]*" "$work/pcap-fw.log" | tail -1)
echo "pcap     l3fwd-npf (net_pcap -> firewall -> net_null): $fw pps ($conns)"

if [ -n "$TESTPMD" ]; then
	run pcap-io "$TESTPMD" --lcores 0@0,1@1 --no-pci --file-prefix npfbench \
	    "${PCAP_VDEVS[@]}" -- --forward-mode=io --port-topology=paired \
	    --nb-cores=1 --burst=32 --stats-period=1 --auto-start
	io=$(median "$work/pcap-io.log" "$TP_RX")
	echo "pcap     baseline testpmd io (same devices, same CPU):  $io pps"
	awk -v a="$fw" -v b="$io" 'BEGIN { if (a > 0 && b > 0)
	    printf "pcap     firewall per packet: %.1f ns, of which the PMDs " \
		"(testpmd io) %.1f ns\n", 1e9 / a, 1e9 / b }'

	sock=/run/npfct-l3fwd-bench.sock
	"$L3FWD" --lcores 0@0,1@1 --no-pci --file-prefix npfbench \
	    --vdev=net_memif0,role=server,id=0,socket=$sock,socket-abstract=no,rsize=14,mac=02:fe:00:00:00:00 \
	    --vdev=net_null0,no-rx=1 "${FW_ARGS[@]}" > "$work/memif-fw.log" 2>&1 &
	fwpid=$!
	pids+=("$fwpid")
	sleep 2
	run memif-gen "$TESTPMD" --lcores 0@0,1@0 --no-pci \
	    --file-prefix npfbench-gen \
	    --vdev=net_memif0,role=client,id=0,socket=$sock,socket-abstract=no,rsize=14,mac=02:00:0a:63:01:01 \
	    -- --port-topology=loop --forward-mode=txonly \
	    --eth-peer=0,02:fe:00:00:00:00 --tx-ip=10.99.1.1,10.99.2.1 \
	    --txonly-multi-flow --txpkts=64 --burst=32 --nb-cores=1 \
	    --stats-period=1 --auto-start
	kill -INT "$fwpid"
	wait "$fwpid"
	pids=("${pids[@]/$fwpid}")
	gen=$(median "$work/memif-gen.log" "$TP_TX")
	fw=$(median "$work/memif-fw.log" "$FW_RX")
	echo "testpmd  generator txonly (CPU 0) -> memif -> l3fwd-npf (CPU 1) -> net_null:"
	drops=$(grep -o "TX-dropped: *[0-9]*" "$work/memif-gen.log" | tail -1 |
	    awk '{ print $2 }')
	echo "testpmd  generator sent $gen pps (${drops:-?} dropped at the" \
	    "full memif ring), l3fwd-npf forwarded $fw pps"
else
	echo "dpdk-testpmd not found (apt-get install dpdk): testpmd runs skipped"
fi
echo "== end: $(uptime)"
