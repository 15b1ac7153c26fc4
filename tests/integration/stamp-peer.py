#!/usr/bin/python3
# stamp-peer.py — an independent STAMP Session-Reflector for the interop tests, built on
# the packet classes Debian's python3-scapy ships (scapy.contrib.stamp), not on netlab's
# codec. netlab-ping --stamp measures it and the test compares netlab-ping's figures with
# the count this reflector writes on exit.
#
#   stamp-peer.py reflector --mode stateless|stateful [--loss P --seed S --count N]
#                           --port-file F --report F
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("role", choices=["reflector"])
    ap.add_argument("--mode", choices=["stateless", "stateful"], required=True)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--report", required=True)
    args = ap.parse_args()

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
