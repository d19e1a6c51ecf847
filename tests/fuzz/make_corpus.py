#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# make_corpus.py DATA_DIR OUT_DIR: the seed corpora of the libFuzzer
# targets (tests/fuzz), from the captures in tests/data:
#
#   OUT_DIR/parse/  every packet, in one segment and in 7-byte segments
#                   (fuzz_parse: segmentation byte, port byte, frame);
#   OUT_DIR/burst/  each capture as bursts of up to 8 packets, inbound
#                   when not from the capture's first source, with a G/C
#                   pass and a clock step now and then (fuzz_burst's
#                   commands);
#   OUT_DIR/nat/    each capture as fuzz_nat's packets (inbound when not
#                   from the capture's first source; the second copy in
#                   segments of 10 bytes every third packet), the
#                   addresses of the NAT capture both ways;
#   OUT_DIR/frag/   the captures with IP fragments as fuzz_frag's bursts:
#                   in order, each datagram's fragments reversed, three
#                   packets per burst, every packet twice, and with the
#                   application dropping the first fragments;
#   OUT_DIR/tcp/    TCP exchanges in fuzz_tcp's step encoding: handshake,
#                   data and close, an RST, a simultaneous open, a refused
#                   SYN, a re-open, a spoofed SYN-ACK before the real one.
#
# Only the standard library: pcap files are read by hand.

import os
import struct
import sys


def pcap_frames(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        end = ">"
    else:
        raise ValueError("%s: not a pcap file" % path)
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + caplen]
        off += caplen


def src_of(frame):
    """The frame's source address bytes (IPv4 or IPv6), or None."""
    if len(frame) < 14:
        return None
    etype = struct.unpack(">H", frame[12:14])[0]
    if etype == 0x0800 and len(frame) >= 34:
        return frame[26:30]
    if etype == 0x86dd and len(frame) >= 54:
        return frame[22:38]
    return None


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def parse_corpus(captures, out):
    os.makedirs(out, exist_ok=True)
    for name, frames in captures:
        for i, fr in enumerate(frames):
            write(os.path.join(out, "%s-%03d" % (name, i)),
                  b"\x00\x00" + fr)
            if i < 4:
                write(os.path.join(out, "%s-%03d-seg7" % (name, i)),
                      b"\x07\x01" + fr)


def burst_corpus(captures, out):
    os.makedirs(out, exist_ok=True)
    for name, frames in captures:
        first = None
        cmds = bytearray()
        for i, fr in enumerate(frames):
            fr = fr[:2047]
            src = src_of(fr)
            if first is None:
                first = src
            op = 0x01 if src is not None and src != first else 0x00
            cmds += bytes([op]) + struct.pack(">H", len(fr)) + fr
            if i % 8 == 7:
                cmds += b"\x80"
            if i % 32 == 31:
                cmds += b"\x81\x05\x82"
        cmds += b"\x80\x81\x3c\x82"
        write(os.path.join(out, name), bytes(cmds))


def nat_corpus(captures, out):
    os.makedirs(out, exist_ok=True)
    for name, frames in captures:
        first = None
        cmds = bytearray()
        for i, fr in enumerate(frames):
            fr = fr[:2047]
            src = src_of(fr)
            if first is None:
                first = src
            op = 0x01 if src is not None and src != first else 0x00
            if i % 3 == 2:
                op |= 0x02
            cmds += bytes([op]) + struct.pack(">H", len(fr)) + fr
            if i % 32 == 31:
                cmds += b"\xff\x05"
        write(os.path.join(out, name), bytes(cmds))


def is_frag(fr):
    """Whether an Ethernet frame is an IPv4 or IPv6 fragment."""
    if len(fr) >= 22 and fr[12:14] == b"\x08\x00":
        return struct.unpack(">H", fr[20:22])[0] & 0x3fff != 0
    return len(fr) >= 54 and fr[12:14] == b"\x86\xdd" and fr[20] == 44


def frag_bursts(frames, per_burst, passbits, first):
    cmds = bytearray()
    for i in range(0, len(frames), per_burst):
        group = frames[i:i + per_burst]
        src = src_of(group[0])
        op = 0x01 if src is not None and src != first else 0x00
        op |= (len(group) - 1) << 1
        cmds += bytes([op, passbits])
        for fr in group:
            cmds += struct.pack(">H", len(fr)) + fr
    return bytes(cmds)


def frag_corpus(captures, out):
    os.makedirs(out, exist_ok=True)
    for name, frames in captures:
        if not any(is_frag(fr) for fr in frames):
            continue
        frames = [fr[:2047] for fr in frames]
        first = src_of(frames[0])
        rev, run = [], []
        for fr in frames + [None]:
            if fr is not None and is_frag(fr):
                run.append(fr)
                continue
            rev += run[::-1]
            run = []
            if fr is not None:
                rev.append(fr)
        dup = [fr for fr in frames for _ in (0, 1)]
        for tag, fl, per, pb in (("", frames, 1, 0xff),
                                 ("-rev", rev, 1, 0xff),
                                 ("-burst3", frames, 3, 0xff),
                                 ("-dup", dup, 2, 0xff),
                                 ("-drop", frames, 1, 0x00)):
            write(os.path.join(out, name + tag),
                  frag_bursts(fl, per, pb, first) + b"\xff\x14")


# fuzz_tcp steps: dir, flags, dseq, dack, win, wscale nibble, len/16.
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def step(back, flags, dseq=0, dack=0, win=65000, ws=15, len16=0):
    return struct.pack(">BBhhHBB", 1 if back else 0, flags, dseq, dack,
                       win, ws, len16)


TCP_SEEDS = {
    "handshake-close": [
        step(0, SYN, ws=7), step(1, SYN | ACK, ws=7), step(0, ACK),
        step(0, ACK | PSH, len16=8), step(1, ACK, len16=60),
        step(0, ACK), step(0, FIN | ACK), step(1, FIN | ACK),
        step(0, ACK), step(0, ACK)],
    "rst": [step(0, SYN), step(1, SYN | ACK), step(0, ACK),
            step(1, RST | ACK)],
    "simultaneous": [step(0, SYN, ws=3), step(1, SYN, ws=3),
                     step(0, SYN | ACK), step(1, SYN | ACK),
                     step(0, ACK)],
    "refused": [step(0, SYN), step(1, RST | ACK, dseq=-5000)],
    "blind-rst": [step(0, SYN), step(1, RST, dseq=1234),
                  step(1, SYN | ACK)],
    "reopen": [step(0, SYN), step(1, SYN | ACK), step(0, ACK),
               step(0, FIN | ACK), step(1, FIN | ACK), step(0, ACK),
               step(0, SYN, dseq=20000), step(1, SYN | ACK, dseq=3000)],
    "spoofed-synack": [step(0, SYN, ws=7),
                       step(1, SYN | ACK, dack=5000, ws=14),
                       step(1, SYN | ACK, ws=7), step(0, ACK)],
    "dup-synack": [step(0, SYN), step(1, SYN | ACK), step(0, ACK),
                   step(1, SYN | ACK, dseq=-1), step(0, ACK, len16=4)],
}


def tcp_corpus(out):
    os.makedirs(out, exist_ok=True)
    for name, steps in TCP_SEEDS.items():
        for mode in range(4):
            write(os.path.join(out, "%s-%d" % (name, mode)),
                  bytes([mode]) + b"".join(steps))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: make_corpus.py DATA_DIR OUT_DIR")
    data, out = sys.argv[1], sys.argv[2]
    captures = []
    for sub in ("", "l3fwd"):
        d = os.path.join(data, sub)
        for f in sorted(os.listdir(d)):
            if f.endswith(".pcap"):
                name = (sub + "-" if sub else "") + f[:-5]
                captures.append((name, list(pcap_frames(
                    os.path.join(d, f)))))
    parse_corpus(captures, os.path.join(out, "parse"))
    burst_corpus(captures, os.path.join(out, "burst"))
    tcp_corpus(os.path.join(out, "tcp"))
    nat_corpus(captures, os.path.join(out, "nat"))
    frag_corpus(captures, os.path.join(out, "frag"))


if __name__ == "__main__":
    main()
