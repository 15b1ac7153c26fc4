#!/usr/bin/env python3
"""Stands in for systemd's notification socket in the tests: binds the AF_UNIX
datagram socket named on the command line and appends every sd_notify() message
to a file, one message per line (newlines inside a message become '|')."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(120)
with open(out, "a", buffering=1) as f:
    f.write("listening\n")
    while True:
        try:
            data = s.recv(4096)
        except socket.timeout:
            break
        f.write(data.decode(errors="replace").replace("\n", "|") + "\n")
