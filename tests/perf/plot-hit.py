#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# plot-hit.py: plot the hit scenario of an npfct-perf run: throughput per
# lcore and time per packet against the number of connections, npfct and
# the raw rte_hash baseline.
#
#   /usr/bin/python3 tests/perf/plot-hit.py RESULTS.jsonl OUT.png
#
# RESULTS.jsonl is the --json output of npfct-perf (run-perf.sh writes it
# next to the executable).  Needs Debian's python3-matplotlib.

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SERIES = [
    # (variant, impl, label, style)
    ("udp4", "npfct", "npfct UDP/IPv4", "o-"),
    ("tcp4", "npfct", "npfct TCP/IPv4", "s-"),
    ("tcp6", "npfct", "npfct TCP/IPv6", "^-"),
    ("udp4", "raw", "raw rte_hash bulk lookup (16-byte keys)", "o--"),
    ("udp4", "raw+touch", "raw + one object line (16-byte keys)", "o:"),
    ("tcp6", "raw", "raw rte_hash bulk lookup (48-byte keys)", "^--"),
]


def load(path):
    env, hit = {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            r = json.loads(line)
            if r.get("scenario") == "env" and not env:
                env = r
            if r.get("scenario") == "hit" and "ns" in r:
                hit[(r["variant"], r["impl"], r["n"])] = r
    return env, hit


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: plot-hit.py RESULTS.jsonl OUT.png")
    env, hit = load(sys.argv[1])
    if not hit:
        sys.exit("no hit results in " + sys.argv[1])
    fig, (ax_mpps, ax_ns) = plt.subplots(1, 2, figsize=(12, 5))
    for variant, impl, label, style in SERIES:
        pts = sorted((n, r["ns"]) for (v, i, n), r in hit.items()
                     if v == variant and i == impl)
        if not pts:
            continue
        xs = [n for n, _ in pts]
        ax_mpps.plot(xs, [1e3 / ns for _, ns in pts], style, label=label)
        ax_ns.plot(xs, [ns for _, ns in pts], style, label=label)
    for ax in (ax_mpps, ax_ns):
        ax.set_xscale("log")
        ax.set_xlabel("established connections")
        ax.grid(True, which="both", alpha=0.3)
    ax_mpps.set_ylabel("Mpps per lcore (bursts of 32)")
    ax_mpps.set_ylim(bottom=0)
    ax_ns.set_ylabel("ns per packet")
    ax_ns.set_ylim(bottom=0)
    ax_ns.legend(fontsize=8)
    huge = "2 MB hugepages" if env.get("hugepages", True) else \
        "NO HUGEPAGES (--no-huge)"
    fig.suptitle("npfct hit: random connection and direction, one lcore - "
                 "%s, TSC %.1f GHz, %s" % (env.get("cpu", "?"),
                                            env.get("tsc_hz", 0) / 1e9,
                                            huge))
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)


if __name__ == "__main__":
    main()
