#!/usr/bin/python3
# stamp-peer.py — an independent STAMP Session-Reflector and Session-Sender for the
# interop tests, built on the packet classes Debian's python3-scapy ships
# (scapy.contrib.stamp), not on netlab's codec. netlab-ping --stamp measures the
# reflector and the test compares netlab-ping's figures with the count this reflector
# writes on exit; the sender checks netlabd's reflector packet by packet.
#
#   stamp-peer.py reflector --mode stateless|stateful [--loss P --seed S --count N]
#                           --port-file F --report F
#   stamp-peer.py sender --mode stateless|stateful --port P --count N [--dm] [--ttl T]
#                        [--size S] [--ssid I] --report F
#   stamp-peer.py malformed --port P --seed S --count N --report F
#
# The sender sends N Session-Sender packets to 127.0.0.1:P (one at a time, each waits for
# its reply up to 2 s) and checks every reply with scapy: it parses, is as long as the
# request, echoes the sender's sequence number, timestamp and error estimate, has
# receive timestamp <= timestamp, MBZ zero, the TTL it was sent with, the SSID, and per
# mode the reflector's sequence number (stateless: the sender's; stateful: 0, 1, ...)
# and, with --dm, the Direct Measurement counters. It exits 1 at the first wrong reply.
# The malformed role sends random bytes (0..200 octets), TLVs with lengths wrong for
# their type and TLV chains running past the datagram, and checks that no reply is
# larger than its request; its report counts what it sent and got back.
#
# Binds 127.0.0.1 on an ephemeral port (written to --port-file), answers every request
# until SIGTERM, then writes {"received", "sent", "dropped", "sessions"} as JSON to
# --report. Stateful: per (address, port, SSID) it numbers its own replies and fills the
# Direct Measurement TLV (R_RxC, R_TxC, RFC 8972 §4.5); with --loss it drops that share of
# requests (seeded, never request COUNT-1, so the last reply carries the final counters).
# Stateless: the sender's sequence number comes back and DM counters stay 0.
import argparse
import json
import random
import signal
import socket
import struct
import sys
import time

from scapy.contrib.stamp import (ErrorEstimate, STAMPSessionReflectorTestUnauthenticated,
                                 STAMPSessionSenderTestUnauthenticated, STAMPTestTLV)
from scapy.layers.inet import UDP
from scapy.packet import Raw, bind_layers

NTP_UNIX = 2208988800
TLV_U = 0x80          # RFC 8972 §4: the high bit. (scapy 2.5's FlagsField names the
                      # bits LSB first, so its "U" is 0x01; we use the integer.)
TLV_DM = 5
IP_RECVTTL = 12      # <linux/in.h>; Python's socket module does not export it
IP_TTL = 2

# scapy 2.5.0: the TLV list's length_from reads pkt.parent, which is unset while a packet
# is being dissected; the enclosing UDP header is pkt.underlayer then.
for cls in (STAMPSessionSenderTestUnauthenticated, STAMPSessionReflectorTestUnauthenticated):
    cls.fields_desc[-1].length_from = lambda pkt: (pkt.underlayer.len or 0) - 8 - 44


def parse_request(data, port):
    """Dissects a Session-Sender packet with scapy (inside a UDP header, as on the wire)."""
    raw = bytes(UDP(sport=1, dport=port, len=8 + len(data), chksum=0) / Raw(data))
    pkt = UDP(raw)
    if STAMPSessionSenderTestUnauthenticated not in pkt:
        return None
    return pkt[STAMPSessionSenderTestUnauthenticated]


def fail(msg):
    sys.stderr.write("stamp-peer: %s\n" % msg)
    sys.exit(1)


def sender_packet(seq, ssid, dm_count, size):
    """A Session-Sender packet built by scapy: NTP timestamp now, optional DM TLV, padding."""
    tlvs = []
    if dm_count is not None:
        tlvs.append(STAMPTestTLV(flags=TLV_U, type=TLV_DM, len=12, value=struct.pack(">III", dm_count, 0, 0)))
    used = 44 + sum(4 + len(t.value) for t in tlvs)
    if size > used:
        pad = size - used - 4
        if pad < 0:
            fail("size %d does not fit" % size)
        tlvs.append(STAMPTestTLV(flags=TLV_U, type=1, len=pad, value=b"\x00" * pad))
    pkt = STAMPSessionSenderTestUnauthenticated(
        seq=seq, ts=time.time_ns() / 1e9 + NTP_UNIX,
        err_estimate=ErrorEstimate(S=0, Z=0, scale=30, multiplier=1), ssid=ssid, tlv_objects=tlvs)
    return bytes(pkt)


def parse_reply(data):
    raw = bytes(UDP(sport=862, dport=1, len=8 + len(data), chksum=0) / Raw(data))
    pkt = UDP(raw)
    if STAMPSessionReflectorTestUnauthenticated not in pkt:
        return None
    return pkt[STAMPSessionReflectorTestUnauthenticated]


def run_sender(args):
    bind_layers(UDP, STAMPSessionReflectorTestUnauthenticated, sport=862)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, IP_TTL, args.ttl)
    sock.settimeout(2.0)
    sock.bind(("127.0.0.1", 0))
    dest = ("127.0.0.1", args.port)
    got = 0
    for i in range(args.count):
        req = sender_packet(i, args.ssid, i + 1 if args.dm else None, args.size)
        sock.sendto(req, dest)
        try:
            data = sock.recv(65535)
        except socket.timeout:
            fail("no reply to request %d" % i)
        got += 1
        if len(data) != len(req):
            fail("reply %d is %d octets for a %d-octet request" % (i, len(data), len(req)))
        rep = parse_reply(data)
        if rep is None:
            fail("reply %d does not parse" % i)
        if (rep.seq_sender, bytes(data[28:36]), bytes(data[36:38])) != (i, req[4:12], req[12:14]):
            fail("reply %d does not echo the sender's fields: %r" % (i, rep.show(dump=True)))
        ts, ts_rx = struct.unpack(">Q", data[4:12])[0], struct.unpack(">Q", data[16:24])[0]
        if not 0 < ts_rx <= ts:
            fail("reply %d: receive timestamp %x after timestamp %x" % (i, ts_rx, ts))
        if rep.mbz1 != 0 or data[41:44] != b"\0\0\0":
            fail("reply %d: MBZ not zero" % i)
        if rep.ttl_sender != args.ttl:
            fail("reply %d: TTL %d, sent with %d" % (i, rep.ttl_sender, args.ttl))
        if rep.ssid != args.ssid:
            fail("reply %d: SSID %d, sent %d" % (i, rep.ssid, args.ssid))
        if rep.seq != i:            # stateless: the sender's; stateful: the reflector's from 0
            fail("reply %d: reflector sequence number %d" % (i, rep.seq))
        if args.dm:
            dm = [t for t in rep.tlv_objects if t.type == TLV_DM]
            if len(dm) != 1 or int(dm[0].flags) != 0:
                fail("reply %d: DM TLV missing or flagged: %r" % (i, dm))
            s_txc, r_rxc, r_txc = struct.unpack(">III", bytes(dm[0].value))
            want = (i + 1, i + 1, i + 1) if args.mode == "stateful" else (i + 1, 0, 0)
            if (s_txc, r_rxc, r_txc) != want:
                fail("reply %d: DM %r, want %r" % (i, (s_txc, r_rxc, r_txc), want))
    with open(args.report, "w") as f:
        json.dump({"sent": args.count, "received": got}, f)
    return 0


def malformed_inputs(rng, count):
    """Random datagrams, TLVs with wrong lengths, TLV chains running past the end."""
    out = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            out.append(bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 201))))
            continue
        base = bytearray(rng.getrandbits(8) for _ in range(44))
        if kind == 1:       # a known type with a length wrong for it
            t = rng.choice([3, 4, 5])
            ln = rng.choice([0, 1, 3, 5, 8, 11, 13])
            out.append(bytes(base) + struct.pack(">BBH", TLV_U, t, ln) + bytes(ln))
        elif kind == 2:     # a chain whose last TLV claims more than the datagram holds
            tail = struct.pack(">BBH", TLV_U, 1, 8) + bytes(8)
            tail += struct.pack(">BBH", TLV_U, rng.randrange(256), rng.randrange(1, 65536))
            tail += bytes(rng.randrange(0, 20))
            out.append(bytes(base) + tail)
        else:               # 1..3 stray octets after the base or after a TLV
            extra = struct.pack(">BBH", TLV_U, 1, 0) if rng.random() < 0.5 else b""
            out.append(bytes(base) + extra + bytes(rng.randrange(1, 4)))
    return out


def run_malformed(args):
    rng = random.Random(args.seed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(0.3)
    sock.bind(("127.0.0.1", 0))
    dest = ("127.0.0.1", args.port)
    totals = {"sent": 0, "short": 0, "replies": 0, "larger": 0}
    for data in malformed_inputs(rng, args.count):
        sock.sendto(data, dest)
        totals["sent"] += 1
        if len(data) < 44:
            totals["short"] += 1
        try:
            reply = sock.recv(65535)
        except socket.timeout:
            continue
        totals["replies"] += 1
        if len(reply) > len(data):
            totals["larger"] += 1
        elif len(data) < 44:
            fail("a %d-octet datagram was answered" % len(data))
    with open(args.report, "w") as f:
        json.dump(totals, f)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["reflector", "sender", "malformed"])
    ap.add_argument("--mode", choices=["stateless", "stateful"])
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--report", required=True)
    ap.add_argument("--port", type=int)
    ap.add_argument("--dm", action="store_true")
    ap.add_argument("--ttl", type=int, default=64)
    ap.add_argument("--size", type=int, default=44)
    ap.add_argument("--ssid", type=int, default=0)
    args = ap.parse_args()
    if args.role == "sender":
        return run_sender(args)
    if args.role == "malformed":
        return run_malformed(args)

    rng = random.Random(args.seed)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    # A deep receive queue: scapy builds a reply in about a millisecond, slower under ASan
    # builds and a loaded machine, and a request dropped by a full queue would show as
    # upstream loss. SO_RCVBUFFORCE (root) passes net.core.rmem_max.
    for opt in (33, socket.SO_RCVBUF):     # 33 = SO_RCVBUFFORCE
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, 8 << 20)
            break
        except OSError:
            pass
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    bind_layers(UDP, STAMPSessionSenderTestUnauthenticated, dport=port)

    totals = {"received": 0, "sent": 0, "dropped": 0, "invalid": 0, "sessions": 0}
    sessions = {}
    running = [True]

    def stop(*_):
        running[0] = False
    signal.signal(signal.SIGTERM, stop)
    sock.settimeout(0.2)

    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    import os
    os.rename(args.port_file + ".tmp", args.port_file)

    while running[0]:
        try:
            data, anc, _, peer = sock.recvmsg(65535, socket.CMSG_SPACE(4))
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        t2 = time.time_ns()
        ttl = 0
        for level, kind, value in anc:
            if level == socket.IPPROTO_IP and kind == IP_TTL:
                ttl = struct.unpack("i", value[:4])[0]

        req = parse_request(data, port) if len(data) >= 44 else None
        if req is None:
            totals["invalid"] += 1
            continue
        totals["received"] += 1

        key = (peer, req.ssid)
        if key not in sessions:
            sessions[key] = {"rx": 0, "tx": 0, "seq": 0}
        st = sessions[key]
        st["rx"] += 1
        if args.mode == "stateful" and args.loss > 0 and req.seq != args.count - 1 and rng.random() < args.loss:
            totals["dropped"] += 1
            continue

        ptp = req.err_estimate.Z == 1
        tlvs = []
        for t in req.tlv_objects:
            flags, value = 0, bytes(t.value)
            if t.type == TLV_DM and len(value) == 12 and args.mode == "stateful":
                value = value[:4] + struct.pack(">II", st["rx"], st["tx"] + 1)
            elif t.type == TLV_DM and len(value) == 12:
                pass                    # stateless: no per-session counts
            elif t.type not in (1, TLV_DM):
                flags = TLV_U           # RFC 8972 §4: not understood
            tlvs.append(STAMPTestTLV(flags=flags, type=t.type, len=len(value), value=value))

        def ts(ns):
            return ns / 1e9 + (0 if ptp else NTP_UNIX)
        seq = st["seq"] if args.mode == "stateful" else req.seq
        reply = STAMPSessionReflectorTestUnauthenticated(
            seq=seq, ts=ts(time.time_ns()),
            err_estimate=ErrorEstimate(S=0, Z=1 if ptp else 0, scale=29, multiplier=128),
            ssid=req.ssid, ts_rx=ts(t2),
            seq_sender=req.seq, ts_sender=req.ts, err_estimate_sender=req.err_estimate,
            ttl_sender=ttl, tlv_objects=tlvs)
        out = bytes(reply)
        assert len(out) == len(data), (len(out), len(data))
        sock.sendto(out, peer)
        st["tx"] += 1
        st["seq"] += 1
        totals["sent"] += 1

    totals["sessions"] = len(sessions)
    with open(args.report, "w") as f:
        json.dump(totals, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
