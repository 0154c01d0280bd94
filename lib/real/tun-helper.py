#!/usr/bin/env python3
"""Open a TUN device and run a program with it as file descriptor 3.

    tun-helper.py --dev NAME --addr CIDR [--mtu N] -- PROGRAM [ARG...]

Node cannot issue the TUNSETIFF ioctl, so this does it: open /dev/net/tun non-blocking, attach it
to a new TUN device NAME (IFF_TUN | IFF_NO_PI: bare IPv4 packets, no 4-byte packet-info header),
turn IPv6 off on it (a fresh device otherwise sends router solicitations and MLD reports), give it
the kernel's address CIDR, bring it and lo up, then exec PROGRAM with the device open as fd 3.
lib/link/tun.ts reads and writes one packet per read()/write() on that descriptor.

Non-blocking on purpose: a blocking read() waiting in a libuv threadpool thread cannot be cancelled,
and Node then hangs at exit (even process.exit() waits for that thread); lib/link/tun.ts polls.

The device lives as long as the descriptor: when PROGRAM exits, the kernel deletes it. Run this
inside the network namespace the device belongs in (`ip netns exec NS tun-helper.py ...`); it needs
CAP_NET_ADMIN there. Exit status 2 for bad usage, 3 when the device cannot be set up (one line on
stderr saying why); otherwise the status is PROGRAM's own.
"""
import fcntl
import os
import struct
import subprocess
import sys

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
FD = 3


def fail(code, message):
    sys.stderr.write(f"tun-helper: {message}\n")
    sys.exit(code)


def parse(argv):
    if "--" not in argv:
        fail(2, "usage: tun-helper.py --dev NAME --addr CIDR [--mtu N] -- PROGRAM [ARG...]")
    cut = argv.index("--")
    opts, program = argv[:cut], argv[cut + 1:]
    values = {"--dev": None, "--addr": None, "--mtu": None}
    i = 0
    while i < len(opts):
        if opts[i] not in values or i + 1 >= len(opts):
            fail(2, f"unknown or incomplete option {opts[i]!r}")
        values[opts[i]] = opts[i + 1]
        i += 2
    if not values["--dev"] or not values["--addr"] or not program:
        fail(2, "--dev NAME, --addr CIDR and a PROGRAM after -- are required")
    if len(values["--dev"].encode()) > 15:
        fail(2, f"device name {values['--dev']!r} is longer than 15 bytes")
    return values, program


def ip(*args):
    r = subprocess.run(["ip", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        fail(3, f"ip {' '.join(args)} failed: {r.stderr.strip()}")


def main():
    values, program = parse(sys.argv[1:])
    dev = values["--dev"]
    try:
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    except OSError as e:
        fail(3, f"cannot open /dev/net/tun: {e.strerror}")
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", dev.encode(), IFF_TUN | IFF_NO_PI))
    except OSError as e:
        fail(3, f"cannot create TUN device {dev} (TUNSETIFF): {e.strerror}")
    v6 = f"/proc/sys/net/ipv6/conf/{dev}/disable_ipv6"
    if os.path.exists(v6):
        with open(v6, "w") as f:
            f.write("1")
    ip("link", "set", "lo", "up")
    if values["--mtu"]:
        ip("link", "set", "dev", dev, "mtu", values["--mtu"])
    ip("addr", "add", values["--addr"], "dev", dev)
    ip("link", "set", "dev", dev, "up")
    if fd != FD:
        os.dup2(fd, FD)
        os.close(fd)
    os.set_inheritable(FD, True)
    try:
        os.execvp(program[0], program)
    except OSError as e:
        fail(3, f"cannot run {program[0]}: {e.strerror}")


main()
