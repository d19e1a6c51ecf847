#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
"""A small client of DPDK's telemetry socket, for l3fwd-npf.

Usage: telemetry.py [-f FILE_PREFIX | -s SOCKET] COMMAND [COMMAND...]

COMMAND is one of:

  /some/command[,params]   print the reply as JSON (one line)
  conns                    the npfct connection table, one connection a
                           line (every page of /npfct/conns)
  get CMD KEY              print one value of the reply of CMD, e.g.
                           get /l3fwd_npf/stats block_default

The socket is <runtime dir>/dpdk_telemetry.v2, the runtime dir being
/var/run/dpdk/FILE_PREFIX for root and $XDG_RUNTIME_DIR/dpdk/FILE_PREFIX
(or /tmp/dpdk/FILE_PREFIX) otherwise, as in DPDK's dpdk-telemetry.py
(Debian package "dpdk"), which is the interactive client.

Standard library only.  Exit status: 0, or 1 if the socket cannot be
reached or a reply is not what was asked for.
"""

import argparse
import json
import os
import socket
import sys


def runtime_dir(prefix):
    if os.getuid() == 0:
        base = "/var/run"
    else:
        base = os.environ.get("XDG_RUNTIME_DIR", "/tmp")
    return os.path.join(base, "dpdk", prefix)


class Telemetry:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.connect(path)
        hello = json.loads(self.sock.recv(16384).decode())
        self.max_len = int(hello.get("max_output_len", 16384))

    def query(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(self.max_len).decode())
        # The reply is {"/cmd": value}: the command without its params.
        return reply.get(cmd.split(",")[0])


def print_conns(tel):
    cursor, total = 0, 0
    print("%-6s %-44s %-44s %-12s %s" % ("proto", "forwards",
                                          "backwards", "state",
                                          "idle flags zone"))
    while True:
        # Each reply's "next" is the cursor of the following page.
        r = tel.query("/npfct/conns,,%d" % cursor)
        if r is None:
            return False
        total = r["total"]
        for key in sorted((k for k in r if k.startswith("c")),
                          key=lambda k: int(k[1:])):
            c = r[key]
            # zone=N was added last (npfct 0.2): absent from older ones.
            print("%-6s %-44s %-44s %-12s %s %s %s" % (
                c[0], c[1], c[2], c[3], c[4], c[8],
                c[9] if len(c) > 9 else "zone=0"))
        cursor = r["next"]
        if cursor == 0:
            break
    print("%d connections" % total)
    return True


def main():
    ap = argparse.ArgumentParser(
        description="Query l3fwd-npf and npfct over DPDK telemetry.")
    ap.add_argument("-f", "--file-prefix", default="rte",
                    help="EAL --file-prefix of the application")
    ap.add_argument("-s", "--socket", help="the socket path itself")
    ap.add_argument("commands", nargs="+")
    args = ap.parse_args()
    path = args.socket or os.path.join(runtime_dir(args.file_prefix),
                                       "dpdk_telemetry.v2")
    try:
        tel = Telemetry(path)
    except OSError as e:
        sys.exit("telemetry.py: %s: %s" % (path, e))

    words, ok = args.commands, True
    while words:
        w = words.pop(0)
        if w == "conns":
            ok = print_conns(tel) and ok
        elif w == "get":
            if len(words) < 2:
                sys.exit("telemetry.py: get CMD KEY")
            cmd, key = words.pop(0), words.pop(0)
            r = tel.query(cmd)
            if not isinstance(r, dict) or key not in r:
                print("telemetry.py: %s: no %s" % (cmd, key),
                      file=sys.stderr)
                ok = False
                continue
            print(r[key])
        else:
            r = tel.query(w)
            if r is None:
                ok = False
            print(json.dumps({w.split(",")[0]: r}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
