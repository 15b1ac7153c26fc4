#!/usr/bin/python3
"""Test client for tests/systemd/run.sh, run inside the container's network
namespace (nsenter -n) with the host's python3. Standard library only.

  client.py udp PORT COUNT TIMEOUT [SRC]    send COUNT datagrams (from address SRC), print
                                            the number of replies received
  client.py stream PORT COUNT INTERVAL WAIT send COUNT datagrams INTERVAL s apart while
                                            reading replies; WAIT s for stragglers;
                                            prints "sent N received M duplicates D"
  client.py http PORT PATH [SRC [TIMEOUT]]  one GET (from SRC, connect TIMEOUT s, default 10);
                                            prints the status line, then the body, or ERROR
"""
import socket
import sys
import time


def udp_socket(timeout, src=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    return s


def cmd_udp(port, count, timeout, src=None):
    s = udp_socket(float(timeout), src)
    port, count = int(port), int(count)
    for i in range(count):
        s.sendto(b"netlab-sdtest seq=%d" % i, ("127.0.0.1", port))
    got = set()
    deadline = time.monotonic() + float(timeout)
    while len(got) < count and time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        if data.startswith(b"netlab-sdtest seq="):
            got.add(data)
    print(len(got))


def cmd_stream(port, count, interval, wait):
    port, count, interval = int(port), int(count), float(interval)
    s = udp_socket(0.001)
    got, dups = set(), 0
    start = time.monotonic()

    def drain(until):
        nonlocal dups
        while len(got) < count:
            left = until - time.monotonic()
            if left <= 0:
                return
            s.settimeout(left)
            try:
                data = s.recv(65535)
            except socket.timeout:
                return
            if data in got:
                dups += 1
            got.add(data)

    for i in range(count):
        s.sendto(b"netlab-sdtest seq=%d" % i, ("127.0.0.1", port))
        drain(start + (i + 1) * interval)
    drain(time.monotonic() + float(wait))
    print("sent %d received %d duplicates %d" % (count, len(got), dups))


def cmd_http(port, path, src=None, timeout="10"):
    buf = b""
    try:
        c = socket.create_connection(("127.0.0.1", int(port)), timeout=float(timeout),
                                     source_address=(src, 0) if src else None)
        c.sendall(b"GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n" % path.encode())
        while True:
            d = c.recv(65536)
            if not d:
                break
            buf += d
    except OSError as e:
        if not buf:
            print("ERROR %s" % e)
            return
    head, _, body = buf.partition(b"\r\n\r\n")
    print(head.split(b"\r\n")[0].decode("latin-1"))
    sys.stdout.write(body.decode("latin-1"))


if __name__ == "__main__":
    cmds = {"udp": cmd_udp, "stream": cmd_stream, "http": cmd_http}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
