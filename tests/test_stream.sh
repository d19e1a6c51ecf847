#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The npfct authors
#
# test_stream.sh: end-to-end test of npfct-stream on the captures in
# tests/data (real traffic from capture.sh, generated traffic from
# make_forged.py).
#
# Usage: test_stream.sh NPFCT_STREAM DATADIR
#
# Every check runs, and prints "ok" or "not ok" with what it compared; the
# script fails if any check failed.  Checks:
#
#   - the command line: --help (exit 0, every option, reason and timeout
#     name documented), usage errors (exit 2 with a message, nothing on
#     stdout);
#   - corrupt files: empty, truncated header or record, bad magic, pcapng,
#     caplen over the snapshot length or 256 KiB, unknown link type or
#     version (exit 2 with a message, nothing on stdout);
#   - the output format of every capture: line syntax, INDEX sequence,
#     one line per record, a summary line that adds up;
#   - legitimate flows (tcp4-http, tcp6-http, tcp4-large, udp4, icmp4/6-ping,
#     udp4/6-unreach): no packet blocked, the expected states (TCP:
#     syn-sent, syn-received, established, a FIN state, time-wait or
#     closed at the end; ICMP errors related to their flow);
#   - unsolicited.pcap, forged.pcap and policy.pcap: the exact verdict of
#     every packet (tables below);
#   - nat.pcap with --map: masquerade and a port forward, the exact
#     verdict and translated tuple of every packet;
#   - zones.pcap with --zone-vlan: two tenants with the same addresses on
#     two VLANs have their own connections;
#   - timeouts: with --timeout generic.new=1 a late UDP answer is blocked;
#   - the reader: the same capture in every supported byte order,
#     timestamp resolution and link type gives the same verdicts.
#
# Policy decisions the tables encode (see npfct-stream --help):
#   - a packet from outside without a connection is blocked (no-conn);
#   - a reply from inside to such a packet cannot open a connection: a
#     SYN-ACK or RST is blocked as no-syn, an echo reply as no-request;
#   - an ICMP error from inside that relates to no connection (the port
#     unreachable answering an unsolicited datagram) is not trackable and
#     outbound: it passes without state (stateless).

set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 NPFCT_STREAM DATADIR" >&2
	exit 2
fi
STREAM=$1
DATA=$2
PYTHON=${PYTHON:-python3}
INSIDE=(--inside 10.99.0.1/32 --inside fd99::1/128)

TMP=$(mktemp -d /tmp/test_stream.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# shellcheck disable=SC1091  # (tests/tap.sh)
source "$(dirname "$(readlink -f "$0")")/tap.sh"

# run NAME ARGS...: run the tool; stdout in $TMP/NAME.out, stderr in
# $TMP/NAME.err, exit status in RC.
run() {
	local name=$1

	shift
	"$STREAM" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	RC=$?
}

# Helper for pcap files: count records, read SYN options, write variants
# and corrupt copies.  Standard library only.
cat >"$TMP/pcaptool.py" <<'EOF'
import struct
import sys


def read(path):
    data = open(path, "rb").read()
    magic = data[:4]
    for order in ("<", ">"):
        m = struct.unpack(order + "I", magic)[0]
        if m in (0xa1b2c3d4, 0xa1b23c4d):
            break
    else:
        sys.exit("%s: not a pcap file" % path)
    nsec = m == 0xa1b23c4d
    _, _, _, _, _, snaplen, linktype = struct.unpack(order + "IHHiIII",
                                                     data[:24])
    recs, off = [], 24
    while off < len(data):
        sec, frac, caplen, origlen = struct.unpack(order + "IIII",
                                                   data[off:off + 16])
        ns = sec * 10**9 + (frac if nsec else frac * 1000)
        recs.append([ns, origlen, data[off + 16:off + 16 + caplen]])
        off += 16 + caplen
    return linktype, snaplen, recs


def write(path, recs, linktype=1, order="<", nsec=False, snaplen=262144,
          version=(2, 4)):
    out = [struct.pack(order + "IHHiIII",
                       0xa1b23c4d if nsec else 0xa1b2c3d4, version[0],
                       version[1], 0, 0, snaplen, linktype)]
    for ns, origlen, frame in recs:
        frac = ns % 10**9 if nsec else ns % 10**9 // 1000
        out.append(struct.pack(order + "IIII", ns // 10**9, frac,
                               len(frame), origlen) + frame)
    open(path, "wb").write(b"".join(out))


def sll(frame, v2):
    etype = frame[12:14]
    # Outgoing (4) if the source MAC is the inside host's, else host (0).
    ptype = 4 if frame[6:12] == bytes.fromhex("02000a630001") else 0
    addr = frame[6:12] + b"\0\0"
    if v2:
        hdr = etype + b"\0\0" + struct.pack(">IHBB", 2, 1, ptype, 6) + addr
    else:
        hdr = struct.pack(">HHH", ptype, 1, 6) + addr + etype
    return hdr + frame[14:]


def fix_cksum(f, off, old, new):
    """Update the checksum at off for 32 bits old replaced by new."""
    c = ~struct.unpack(">H", f[off:off + 2])[0] & 0xffff
    for i in (0, 2):
        c += (~struct.unpack(">H", old[i:i + 2])[0] & 0xffff)
        c += struct.unpack(">H", new[i:i + 2])[0]
    while c >> 16:
        c = (c & 0xffff) + (c >> 16)
    f[off:off + 2] = struct.pack(">H", ~c & 0xffff)


def frag_id(f):
    """(source, destination, id) of a fragment over Ethernet, or None."""
    if f[12:14] == b"\x08\x00" and struct.unpack(">H", f[20:22])[0] & 0x3fff:
        return (f[26:30], f[30:34], f[18:20])
    if f[12:14] == b"\x86\xdd" and f[20] == 44:
        return (f[22:38], f[38:54], f[58:62])
    return None


def convert(src, dst, mode):
    linktype, _, recs = read(src)
    assert linktype == 1
    if mode == "be":
        write(dst, recs, order=">")
    elif mode == "ns":
        write(dst, recs, nsec=True)
    elif mode == "ns-be":
        write(dst, recs, order=">", nsec=True)
    elif mode in ("raw101", "raw12", "ipv4", "ipv6"):
        lt = {"raw101": 101, "raw12": 12, "ipv4": 228, "ipv6": 229}[mode]
        write(dst, [[ns, o - 14, f[14:]] for ns, o, f in recs], lt)
    elif mode in ("sll", "sll2"):
        v2 = mode == "sll2"
        write(dst, [[ns, o + (6 if v2 else 2), sll(f, v2)]
                    for ns, o, f in recs], 276 if v2 else 113)
    elif mode == "frag-reverse":
        # Every datagram's fragments in reverse order (later first).
        out, group = [], []
        for r in recs + [None]:
            k = r is not None and frag_id(r[2])
            if group and (not k or k != frag_id(group[0][2])):
                out += group[::-1]
                group = []
            if k:
                group.append(r)
            elif r is not None:
                out.append(r)
        write(dst, [[recs[i][0], o, f] for i, (_, o, f) in enumerate(out)])
    elif mode == "nat-answers":
        # IPv4 packets to 10.99.0.1 sent to 198.51.100.7 instead, the IP
        # and (first fragment) UDP checksums updated (RFC 1624).
        old, new = bytes([10, 99, 0, 1]), bytes([198, 51, 100, 7])
        out = []
        for ns, o, f in recs:
            f = bytearray(f)
            if f[12:14] == b"\x08\x00" and f[30:34] == old:
                f[30:34] = new
                fix_cksum(f, 24, old, new)
                frag = struct.unpack(">H", f[20:22])[0]
                ihl = (f[14] & 15) * 4
                if f[23] == 17 and frag & 0x1fff == 0:
                    fix_cksum(f, 14 + ihl + 6, old, new)
            out.append([ns, o, bytes(f)])
        write(dst, out)
    elif mode == "late-first":
        # The first record 40 s after the last one.
        last = recs[-1][0] + 40 * 10**9
        write(dst, recs[1:] + [[last, recs[0][1], recs[0][2]]])
    elif mode == "backwards":
        # Every other timestamp thrown far into the past.
        write(dst, [[ns if i % 2 == 0 else ns - 3600 * 10**9, o, f]
                    for i, (ns, o, f) in enumerate(recs)])
    else:
        sys.exit("unknown mode " + mode)


def corrupt(src, dst, kind):
    data = open(src, "rb").read()
    _, _, recs = read(src)
    if kind == "empty":
        out = b""
    elif kind == "short-header":
        out = data[:10]
    elif kind == "magic":
        out = b"\xde\xad\xbe\xef" + data[4:]
    elif kind == "pcapng":
        # Section header block (byte-order magic, version 1.0, no
        # options), as written by tcpdump or dumpcap.
        shb = struct.pack("<IIIHHq", 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0, -1)
        out = shb + struct.pack("<I", 28)
    elif kind == "trunc-record":
        out = data[:-5]
    elif kind == "trunc-rechdr":
        out = data[:24 + 16 + len(recs[0][2]) + 7]
    elif kind == "version":
        out = data[:4] + struct.pack("<HH", 1, 0) + data[8:]
    elif kind == "linktype":
        out = data[:20] + struct.pack("<I", 105) + data[24:]
    elif kind == "snaplen":
        out = data[:16] + struct.pack("<I", 40) + data[20:]
    elif kind == "huge":
        # snaplen 1 MiB, first record claims 300000 bytes.
        out = (data[:16] + struct.pack("<I", 1 << 20) + data[20:32] +
               struct.pack("<I", 300000) + data[36:])
    else:
        sys.exit("unknown kind " + kind)
    open(dst, "wb").write(out)


def wscale(src):
    """Window scale option of each SYN (IPv4 over Ethernet)."""
    _, _, recs = read(src)
    for _, _, f in recs:
        if f[12:14] != b"\x08\x00" or f[23] != 6:
            continue
        tcp = f[14 + (f[14] & 15) * 4:]
        if not tcp[13] & 2:
            continue
        opts, i, ws = tcp[20:(tcp[12] >> 4) * 4], 0, "none"
        while i < len(opts) and opts[i] != 0:
            if opts[i] == 1:
                i += 1
                continue
            if opts[i] == 3:
                ws = str(opts[i + 2])
            i += max(opts[i + 1], 2)
        print(ws)


cmd = sys.argv[1]
if cmd == "count":
    print(len(read(sys.argv[2])[2]))
elif cmd == "convert":
    convert(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "corrupt":
    corrupt(sys.argv[2], sys.argv[3], sys.argv[4])
elif cmd == "wscale":
    wscale(sys.argv[2])
EOF
pcaptool() { "$PYTHON" "$TMP/pcaptool.py" "$@"; }

LINE_RE='^[0-9]+ (in|out) (pass|block) (established|related|new|stateless|no-conn|invalid|not-trackable|parse-error|no-syn|no-request|table-full|nat-exhausted|state-refused|error|fragment|frag-refused|frag-dropped) (tcp|udp|icmp|icmp6|other) ([a-z-]+)( (-|[][0-9a-f.:]+:[0-9]+>[][0-9a-f.:]+:[0-9]+|[0-9a-f.:]+>[0-9a-f.:]+))?$'
TCP_STATES=" closed syn-sent simsyn-sent syn-received established fin-sent fin-received close-wait fin-wait closing last-ack time-wait "

# check_format NAME FILE: the output of run NAME on FILE is well formed.
check_format() {
	local name=$1 file=$2 out="$TMP/$1.out" n nrec i bad
	local npass nblock

	expect_eq "$name: exit status" 0 "$RC"
	check "$name: nothing on stderr" test ! -s "$TMP/$name.err"
	n=$(($(wc -l <"$out") - 1))
	nrec=$(pcaptool count "$file")
	expect_eq "$name: one line per record" "$nrec" "$n"
	bad=$(head -n "$n" "$out" | grep -Evc "$LINE_RE")
	expect_eq "$name: every line matches INDEX DIR VERDICT REASON PROTO STATE" \
	    0 "$bad"
	i=$(head -n "$n" "$out" | awk '$1 != NR { print NR; exit }')
	expect_eq "$name: INDEX runs from 1 without gaps" "" "$i"
	npass=$(head -n "$n" "$out" | grep -c '^[0-9]* [a-z]* pass ')
	nblock=$(head -n "$n" "$out" | grep -c '^[0-9]* [a-z]* block ')
	expect_eq "$name: summary line" \
	    "$n packets: $npass pass, $nblock block" "$(tail -n 1 "$out")"
}

# replay NAME FILE [ARGS...]: run the tool on DATADIR/FILE and check the
# format.
replay() {
	local name=$1 file=$2

	shift 2
	run "$name" "${INSIDE[@]}" "$@" "$DATA/$file"
	check_format "$name" "$DATA/$file"
}

# line NAME N: fields 2- of line N of the output of NAME.
line() {
	sed -n "${2}p" "$TMP/$1.out" | cut -d' ' -f2-
}

# expect_lines NAME: the output of NAME, without INDEX and summary, equals
# the table on stdin.
expect_lines() {
	local name=$1 n want got

	n=$(($(wc -l <"$TMP/$name.out") - 1))
	head -n "$n" "$TMP/$name.out" | cut -d' ' -f2- >"$TMP/$name.got"
	grep -v '^#' >"$TMP/$name.want"
	if diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/$name.diff"; then
		pass "$name: every verdict as expected"
	else
		fail "$name: verdicts differ from the expected table:"
		sed 's/^/#   /' "$TMP/$name.diff"
	fi
}

# expect_no_block NAME
expect_no_block() {
	local blocked

	blocked=$(grep -c '^[0-9]* [a-z]* block ' "$TMP/$1.out")
	expect_eq "$1: no packet of a legitimate flow blocked" 0 "$blocked"
	if [ "$blocked" != 0 ]; then
		grep '^[0-9]* [a-z]* block ' "$TMP/$1.out" | head -5 |
		    sed 's/^/#   /'
	fi
}

##
## The command line.
##

run help --help
expect_eq "--help: exit status" 0 "$RC"
for word in --inside --timeout --loose --zone-vlan --map --quiet --help CIDR \
    NAME=SECONDS "INDEX DIR VERDICT REASON PROTO STATE [TUPLE]" \
    "N packets: P pass, B block" TUPLE \
    "Exit status" Example established related new stateless no-conn \
    invalid not-trackable parse-error no-syn no-request table-full \
    nat-exhausted fragment frag-refused frag-dropped --no-frag \
    state-refused error generic.closed generic.new generic.established \
    tcp.new tcp.established tcp.half_close tcp.close tcp.time_wait; do
	check "--help mentions '$word'" grep -qF -- "$word" "$TMP/help.out"
done

# usage_error DESC ARGS...: exit 2, a message on stderr, nothing on stdout.
usage_error() {
	local desc=$1

	shift
	run usage "$@"
	if [ "$RC" == 2 ] && [ -s "$TMP/usage.err" ] &&
	    [ ! -s "$TMP/usage.out" ]; then
		pass "usage error ($desc): exit 2, $(head -n 1 "$TMP/usage.err")"
	else
		fail "usage error ($desc): exit $RC, stderr" \
		    "'$(head -n 1 "$TMP/usage.err")'"
	fi
}

UDP4="$DATA/udp4.pcap"
usage_error "no arguments"
usage_error "no --inside" "$UDP4"
usage_error "no file" "${INSIDE[@]}"
usage_error "two files" "${INSIDE[@]}" "$UDP4" "$UDP4"
usage_error "missing file" "${INSIDE[@]}" "$TMP/does-not-exist.pcap"
usage_error "directory" "${INSIDE[@]}" "$TMP"
usage_error "unknown long option" --bogus "${INSIDE[@]}" "$UDP4"
usage_error "unknown short option" -x "${INSIDE[@]}" "$UDP4"
usage_error "EAL option" -l 0 "${INSIDE[@]}" "$UDP4"
usage_error "--inside without argument" "$UDP4" --inside
usage_error "bad CIDR address" --inside 10.0.0.300/8 "$UDP4"
usage_error "bad CIDR word" --inside inside "$UDP4"
usage_error "IPv4 prefix too long" --inside 10.0.0.0/33 "$UDP4"
usage_error "IPv6 prefix too long" --inside fd00::/129 "$UDP4"
usage_error "negative prefix" --inside 10.0.0.0/-1 "$UDP4"
usage_error "empty prefix" --inside 10.0.0.0/ "$UDP4"
usage_error "unknown timeout name" "${INSIDE[@]}" --timeout bogus=1 "$UDP4"
usage_error "--map without argument" "${INSIDE[@]}" "$UDP4" --map
usage_error "--map: no address" "${INSIDE[@]}" --map "dynamic 10.0.0.0/8 ->" \
    "$UDP4"
usage_error "--map: families mixed" "${INSIDE[@]}" \
    --map "dynamic 10.0.0.0/8 -> fd00::1" "$UDP4"
usage_error "--map: unknown type" "${INSIDE[@]}" --map "masquerade 10.0.0.0/8" \
    "$UDP4"
usage_error "timeout without =" "${INSIDE[@]}" --timeout generic.new "$UDP4"
usage_error "timeout without name" "${INSIDE[@]}" --timeout =5 "$UDP4"
usage_error "timeout not a number" "${INSIDE[@]}" --timeout generic.new=abc \
    "$UDP4"
usage_error "timeout empty number" "${INSIDE[@]}" --timeout generic.new= \
    "$UDP4"
usage_error "timeout negative" "${INSIDE[@]}" --timeout generic.new=-1 "$UDP4"
usage_error "timeout trailing junk" "${INSIDE[@]}" --timeout tcp.new=5s \
    "$UDP4"
usage_error "timeout over 30 days" "${INSIDE[@]}" \
    --timeout tcp.established=2592001 "$UDP4"

##
## Corrupt and unsupported files.
##

# file_error KIND PATTERN: the corrupt copy KIND of udp4.pcap is refused
# with exit 2 and a message matching PATTERN, before any verdict.
file_error() {
	local kind=$1 pattern=$2 f="$TMP/corrupt-$1.pcap"

	pcaptool corrupt "$DATA/udp4.pcap" "$f" "$kind"
	run corrupt "${INSIDE[@]}" "$f"
	if [ "$RC" == 2 ] && grep -qiE -- "$pattern" "$TMP/corrupt.err" &&
	    [ ! -s "$TMP/corrupt.out" ]; then
		pass "corrupt file ($kind): exit 2, $(head -n 1 "$TMP/corrupt.err")"
	else
		fail "corrupt file ($kind): exit $RC, stdout" \
		    "$(wc -l <"$TMP/corrupt.out") lines, stderr" \
		    "'$(head -n 1 "$TMP/corrupt.err")', expected /$pattern/"
	fi
}

file_error empty "truncated file header"
file_error short-header "truncated file header"
file_error magic "bad magic"
file_error pcapng "pcapng"
file_error trunc-record "truncated record"
file_error trunc-rechdr "truncated record header"
file_error version "version"
file_error linktype "link type"
file_error snaplen "snapshot length"
file_error huge "limit"

##
## Legitimate flows: nothing blocked, the expected states.
##

for cap in tcp4-http tcp6-http tcp4-large udp4 icmp4-ping icmp6-ping \
    udp4-unreach udp6-unreach; do
	replay "$cap" "$cap.pcap"
	expect_no_block "$cap"
done

# The window scale option is in both SYNs of the large transfer.
expect_eq "tcp4-large: both SYNs carry a window scale" "yes" \
    "$(pcaptool wscale "$DATA/tcp4-large.pcap" |
    awk '$1 != "none" { n++ } END { print (NR == 2 && n == 2) ? "yes" : "no" }')"

for cap in tcp4-http tcp6-http tcp4-large; do
	expect_eq "$cap: SYN opens, state syn-sent" "out pass new tcp syn-sent" \
	    "$(line "$cap" 1)"
	expect_eq "$cap: SYN-ACK, state syn-received" \
	    "in pass established tcp syn-received" "$(line "$cap" 2)"
	expect_eq "$cap: handshake ACK, state established" \
	    "out pass established tcp established" "$(line "$cap" 3)"
	n=$(($(wc -l <"$TMP/$cap.out") - 1))
	other=$(head -n "$n" "$TMP/$cap.out" | awk -v s="$TCP_STATES" \
	    'NR > 1 && ($4 != "established" || $5 != "tcp" ||
	     index(s, " " $6 " ") == 0) { print; exit }')
	expect_eq "$cap: every later packet matches, with a TCP state name" \
	    "" "$other"
	check "$cap: a FIN moves the state to fin-sent or fin-received" \
	    grep -qE ' (fin-sent|fin-received)$' "$TMP/$cap.out"
	last=$(sed -n "${n}p" "$TMP/$cap.out" | cut -d' ' -f6)
	check "$cap: after the full close the state is time-wait or closed (last packet: $last)" \
	    test "$last" == time-wait -o "$last" == closed
done

for cap in udp4 icmp4-ping icmp6-ping; do
	proto=$(line "$cap" 1 | cut -d' ' -f4)
	expect_eq "$cap: first packet opens, state new" "out pass new $proto new" \
	    "$(line "$cap" 1)"
	n=$(($(wc -l <"$TMP/$cap.out") - 1))
	other=$(head -n "$n" "$TMP/$cap.out" | awk -v p="$proto" \
	    'NR > 1 && ($4 != "established" || $5 != p || $6 != "established")')
	expect_eq "$cap: every answer and later packet established" "" "$other"
done

expect_lines udp4-unreach <<'EOF'
out pass new udp new
in pass related icmp new
EOF
expect_lines udp6-unreach <<'EOF'
out pass new udp new
in pass related icmp6 new
EOF

##
## Fragmented traffic (frag*.pcap, real captures: ping -s 3000 and 4000-byte
## UDP datagrams, each in three fragments).
##

# expect_frag_flow NAME PROTO: two requests and two answers, each a first
# fragment then two later ones that follow it.
expect_frag_flow() {
	local name=$1 p=$2

	expect_lines "$name" <<EOF
out pass new $p new
out pass fragment $p new
out pass fragment $p new
in pass established $p established
in pass fragment $p established
in pass fragment $p established
out pass established $p established
out pass fragment $p established
out pass fragment $p established
in pass established $p established
in pass fragment $p established
in pass fragment $p established
EOF
}

for cap in frag4-ping:icmp frag6-ping:icmp6 frag4-udp:udp frag6-udp:udp; do
	name=${cap%:*}
	replay "$name" "$name.pcap"
	expect_no_block "$name"
	expect_frag_flow "$name" "${cap#*:}"

	# The same with every datagram's fragments in reverse order: the
	# later fragments wait for the first and then pass, at their INDEX.
	pcaptool convert "$DATA/$name.pcap" "$TMP/$name-rev.pcap" frag-reverse
	run "$name-rev" "${INSIDE[@]}" "$TMP/$name-rev.pcap"
	check_format "$name-rev" "$TMP/$name-rev.pcap"
	expect_no_block "$name-rev"
	expect_eq "$name reversed: later fragments held, then passed" \
	    "out pass fragment ${cap#*:} new|out pass fragment ${cap#*:} new|out pass new ${cap#*:} new" \
	    "$(head -n 3 "$TMP/$name-rev.out" | cut -d' ' -f2- | paste -sd'|')"

	# Without the handler the later fragments are stateless out and
	# blocked in: the answers never get through whole.
	replay "$name-nofrag" "$name.pcap" --no-frag
	expect_eq "$name --no-frag: inbound later fragments blocked" \
	    "in block not-trackable" "$(line "$name-nofrag" 5 | cut -d' ' -f1-3)"
done

# A first fragment 40 s after its later fragments (IPv4 timeout 30 s):
# the held fragments are dropped; the late first fragment is a datagram of
# its own, on the connection the second request opened.
pcaptool convert "$DATA/frag4-udp.pcap" "$TMP/frag4-late.pcap" late-first
run frag4-late "${INSIDE[@]}" "$TMP/frag4-late.pcap"
check_format frag4-late "$TMP/frag4-late.pcap"
expect_eq "frag4-udp, first fragment 40 s late: its fragments dropped on timeout" \
    "out block frag-dropped udp -|out block frag-dropped udp -" \
    "$(head -n 2 "$TMP/frag4-late.out" | cut -d' ' -f2- | paste -sd'|')"
expect_eq "frag4-udp, first fragment 40 s late: it passes alone" \
    "out pass established udp established" "$(line frag4-late 12)"
expect_eq "frag4-udp, first fragment 40 s late: nothing else dropped" 2 \
    "$(grep -c ' frag-dropped ' "$TMP/frag4-late.out")"

# Through masquerade: every fragment translated, the later ones without
# ports.  The capture as the NAT would receive it: the answers addressed
# to the translated address.
pcaptool convert "$DATA/frag4-udp.pcap" "$TMP/frag4-nat.pcap" nat-answers
run frag4-nat "${INSIDE[@]}" --map "dynamic 10.99.0.0/24 -> 198.51.100.7" \
    "$TMP/frag4-nat.pcap"
check_format frag4-nat "$TMP/frag4-nat.pcap"
expect_lines frag4-nat <<'EOF'
out pass new udp new 198.51.100.7:40001>10.99.0.2:7778
out pass fragment udp new 198.51.100.7>10.99.0.2
out pass fragment udp new 198.51.100.7>10.99.0.2
in pass established udp established 10.99.0.2:7778>10.99.0.1:40001
in pass fragment udp established 10.99.0.2>10.99.0.1
in pass fragment udp established 10.99.0.2>10.99.0.1
out pass established udp established 198.51.100.7:40001>10.99.0.2:7778
out pass fragment udp established 198.51.100.7>10.99.0.2
out pass fragment udp established 198.51.100.7>10.99.0.2
in pass established udp established 10.99.0.2:7778>10.99.0.1:40001
in pass fragment udp established 10.99.0.2>10.99.0.1
in pass fragment udp established 10.99.0.2>10.99.0.1
EOF

# Attacks with fragments (frag-attacks.pcap, generated).
replay frag-attacks frag-attacks.pcap
expect_lines frag-attacks <<'EOF'
# The UDP flow from inside, in two fragments.
out pass new udp new
out pass fragment udp new
# A fragmented router advertisement (no layer 4 ids) from outside: its
# first fragment is decided by the policy, and the later one follows.
in block not-trackable icmp -
in block fragment icmp -
# The same from inside.
out pass stateless icmp -
out pass fragment icmp -
# An answer whose later fragment overlaps the first with other data.
in pass established udp established
in block fragment udp -
in block fragment udp -
# A middle fragment twice: the copy alone is dropped.
in pass established udp established
in pass fragment udp established
in block fragment udp -
in pass fragment udp established
# Second fragment first (held, then released), the first again with other
# data (refused), the third (refused with its datagram).
in pass fragment udp established
in pass established udp established
in block frag-refused udp established
in block fragment udp -
# A tiny first TCP fragment from inside and the rest at offset 8.
out block parse-error other -
out block fragment tcp -
# Lone later fragments from outside.
in block frag-dropped udp -
in block frag-dropped udp -
# An IPv6 atomic fragment answers an IPv6 flow: not a fragment.
out pass new udp new
in pass established udp established
EOF

# Reversed: the held fragments are translated when their first one comes.
pcaptool convert "$TMP/frag4-nat.pcap" "$TMP/frag4-nat-rev.pcap" frag-reverse
run frag4-nat-rev "${INSIDE[@]}" --map "dynamic 10.99.0.0/24 -> 198.51.100.7" \
    "$TMP/frag4-nat-rev.pcap"
check_format frag4-nat-rev "$TMP/frag4-nat-rev.pcap"
expect_no_block frag4-nat-rev
expect_eq "frag4-udp reversed through masquerade: held fragments translated" \
    "out pass fragment udp new 198.51.100.7>10.99.0.2|in pass fragment udp established 10.99.0.2>10.99.0.1" \
    "$(sed -n '1p;4p' "$TMP/frag4-nat-rev.out" | cut -d' ' -f2- | paste -sd'|')"

##
## Traffic opened from outside (unsolicited.pcap).
##

replay unsolicited unsolicited.pcap
expect_lines unsolicited <<'EOF'
# TCP connect to closed port 9 of the inside host: SYN, RST-ACK.
in block no-conn tcp -
out block no-syn tcp -
# HTTP fetch from the server inside: handshake, request, answer, close.
in block no-conn tcp -
out block no-syn tcp -
in block no-conn tcp -
in block no-conn tcp -
out block no-syn tcp -
out block no-syn tcp -
in block no-conn tcp -
out block no-syn tcp -
in block no-conn tcp -
in block no-conn tcp -
out block no-syn tcp -
in block no-conn tcp -
out block no-syn tcp -
# UDP to closed port 9, port unreachable from inside (no connection).
in block no-conn udp -
out pass stateless icmp -
# ping -c 3 from outside: requests and replies.
in block no-conn icmp -
out block no-request icmp -
in block no-conn icmp -
out block no-request icmp -
in block no-conn icmp -
out block no-request icmp -
EOF

##
## Forged packets on a legitimate connection (forged.pcap).
##

replay forged forged.pcap
expect_lines forged <<'EOF'
# Handshake with window scaling, request, answer, ACK.
out pass new tcp syn-sent
in pass established tcp syn-received
out pass established tcp established
out pass established tcp established
in pass established tcp established
out pass established tcp established
# ACK 1 GiB beyond the window, RST out of window, SYN|FIN, unsolicited UDP.
in block invalid tcp established
in block invalid tcp established
in block invalid tcp established
in block no-conn udp -
# The connection survived: data in, ACK out.
in pass established tcp established
out pass established tcp established
EOF

##
## NAT (nat.pcap, --map): every packet's verdict and its translated tuple.
##

NAT_MAPS=(--map "dynamic 10.99.0.0/24 -> 198.51.100.7"
    --map "dynamic proto tcp 10.99.0.1 port 80 <- 198.51.100.7 port 8080")
replay nat nat.pcap "${NAT_MAPS[@]}"
expect_lines nat <<'EOF'
# UDP out (masqueraded, port kept), the answer to the translated address;
# an answer to the inside address itself is not the connection's.
out pass new udp new 198.51.100.7:5000>10.99.0.2:53
in pass established udp established 10.99.0.2:53>10.99.0.1:5000
in block no-conn udp - -
# ping: the id is translated like a port (kept here).
out pass new icmp new 198.51.100.7:77>10.99.0.2:77
in pass established icmp established 10.99.0.2:77>10.99.0.1:77
# A port unreachable about a translated datagram goes to the inside host.
out pass new udp new 198.51.100.7:5001>10.99.0.2:9
in pass related icmp new 10.99.0.2:0>10.99.0.1:0
# The port forward: 198.51.100.7:8080 is 10.99.0.1:80, both ways.
in pass new tcp syn-sent 10.99.0.2:40000>10.99.0.1:80
out pass established tcp syn-received 198.51.100.7:8080>10.99.0.2:40000
in pass established tcp established 10.99.0.2:40000>10.99.0.1:80
# A port nothing forwards.
in block no-conn tcp - -
EOF
# Without --map the same capture has no translation and no tuple column.
replay nat-off nat.pcap
expect_eq "nat.pcap without --map: the port forward's SYN is blocked" \
    "in block no-conn tcp -" "$(line nat-off 8)"

##
## One packet per policy rule (policy.pcap), with and without --loose.
##

replay policy policy.pcap
expect_lines policy <<'EOF'
# ARP request from inside, reply from outside.
out pass stateless other -
in block not-trackable other -
# UDP in two fragments from inside: the first opens, the second follows it.
out pass new udp new
out pass fragment udp new
# A later fragment from outside: held, its first fragment never comes.
in block frag-dropped udp -
# Echo reply and TCP ACK from inside without a connection.
out block no-request icmp -
out block no-syn tcp -
# TCP header cut short (from inside), bad IP version (no address: in).
out block parse-error other -
in block parse-error other -
# Neighbour solicitations.
out pass stateless icmp6 -
in block not-trackable icmp6 -
# Jumbo UDP both ways (mbuf chains).
out pass new udp new
in pass established udp established
# GRE both ways.
out pass new other new
in pass established other established
# ICMP error quoting no known flow.
in block not-trackable icmp -
EOF

replay policy-nofrag policy.pcap --no-frag
expect_eq "policy --no-frag: a later fragment from inside is stateless" \
    "out pass stateless udp -" "$(line policy-nofrag 4)"
expect_eq "policy --no-frag: a later fragment from outside is not trackable" \
    "in block not-trackable udp -" "$(line policy-nofrag 5)"

replay policy-loose policy.pcap --loose
expect_eq "policy --loose: a TCP ACK from inside opens a connection" \
    "out pass new tcp established" "$(line policy-loose 7)"

run policy-quiet "${INSIDE[@]}" --quiet "$DATA/policy.pcap"
expect_eq "--quiet: exit status" 0 "$RC"
expect_eq "--quiet: only the summary line" "$(tail -n 1 "$TMP/policy.out")" \
    "$(cat "$TMP/policy-quiet.out")"

##
## Zones (zones.pcap): two tenants with the same addresses on VLANs 10, 20.
##

replay zones zones.pcap --zone-vlan
expect_lines zones <<'EOF'
# The same UDP flow from both tenants: two connections.
out pass new udp new
out pass new udp new
in pass established udp established
in pass established udp established
# An answer on VLAN 30 and one untagged: neither tenant's.
in block no-conn udp -
in block no-conn udp -
# Tenant 10's SYN-ACK on VLAN 20 is blocked, on VLAN 10 it passes.
out pass new tcp syn-sent
in block no-conn tcp -
in pass established tcp syn-received
out pass established tcp established
# Tenant 20's connection is its own, from its SYN.
out pass new tcp syn-sent
in pass established tcp syn-received
out pass established tcp established
EOF

# Without --zone-vlan the tenants share connections (the reason for zones).
replay zones-none zones.pcap
expect_eq "zones without --zone-vlan: tenant 20 uses tenant 10's flow" \
    "out pass established udp new" "$(line zones-none 2)"
expect_eq "zones without --zone-vlan: an answer on VLAN 30 passes" \
    "in pass established udp established" "$(line zones-none 5)"
expect_eq "zones without --zone-vlan: the SYN-ACK on VLAN 20 passes" \
    "in pass established tcp syn-received" "$(line zones-none 8)"

##
## Timeouts (udp4-timeout.pcap): a UDP answer 2.5 s after the request.
##

replay timeout-default udp4-timeout.pcap
expect_eq "default timeouts: the late answer passes" \
    "in pass established udp established" "$(line timeout-default 6)"
replay timeout-new udp4-timeout.pcap --timeout generic.new=1
expect_lines timeout-new <<'EOF'
out pass new udp new
in pass established udp established
out pass established udp established
in pass established udp established
out pass new udp new
# generic.new=1: the unanswered flow expired before its late answer.
in block no-conn udp -
# The established flow (generic.established, 60 s) still passes.
in pass established udp established
EOF
replay timeout-both udp4-timeout.pcap --timeout generic.new=1 \
    --timeout generic.established=1
expect_eq "generic.established=1: the established flow expired too" \
    "in block no-conn udp -" "$(line timeout-both 7)"

##
## The reader: byte orders, resolutions and link types.
##

# same_verdicts SRC MODE: the MODE variant of SRC gives SRC's output.
same_verdicts() {
	local src=$1 mode=$2 name="variant-$1-$2"

	pcaptool convert "$DATA/$src.pcap" "$TMP/$name.pcap" "$mode"
	run "$name" "${INSIDE[@]}" "$TMP/$name.pcap"
	check_format "$name" "$TMP/$name.pcap"
	if cmp -s "$TMP/$src.out" "$TMP/$name.out"; then
		pass "$src as $mode: same verdicts"
	else
		fail "$src as $mode: verdicts differ"
		diff "$TMP/$src.out" "$TMP/$name.out" | head -5 | sed 's/^/#   /'
	fi
}

for mode in be ns ns-be raw101 raw12 ipv4 sll sll2; do
	same_verdicts tcp4-http "$mode"
done
for mode in be raw101 ipv6 sll2; do
	same_verdicts tcp6-http "$mode"
done
for mode in sll sll2; do
	same_verdicts policy "$mode"
done
same_verdicts udp4 backwards

tap_done
