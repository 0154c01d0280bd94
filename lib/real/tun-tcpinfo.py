#!/usr/bin/env python3
"""Print a TCP socket's tcp_info as it changes, as `ss -ti` reads it: through the inet_diag netlink interface.

    tun-tcpinfo.py PORT [INTERVAL_MS]

Every INTERVAL_MS (default 1) it asks the kernel (NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY with
INET_DIAG_INFO, the request `ss -ti` makes) for the IPv4 TCP sockets of its network namespace, takes
the one whose remote port is PORT, and prints a line when its congestion state changed:

    EPOCH_MS SND_CWND SND_SSTHRESH CA_STATE TOTAL_RETRANS UNACKED LOST

(EPOCH_MS: wall time of the read, ms since 1970, with microseconds; the rest are struct tcp_info's
tcpi_snd_cwnd, tcpi_snd_ssthresh, tcpi_ca_state, tcpi_total_retrans, tcpi_unacked, tcpi_lost, from
include/uapi/linux/tcp.h). Spawning `ss` for each read took 50 ms on a busy machine, too slow to see a
window change in a round trip of tens of ms; this loop reads in well under a millisecond. It runs until
stdin closes (its parent gone) or it is killed. Its first line is `ready`, once the netlink socket is open. lib/real/tun-bulk.ts starts it inside the namespace.
"""
import os
import select
import socket
import struct
import sys
import time

NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_DONE = 3
NLMSG_ERROR = 2
INET_DIAG_INFO = 2
# Every state but LISTEN (1 << TCP_LISTEN, 10) and TIME-WAIT, which carry no tcp_info of interest.
STATES = 0xFFF & ~(1 << 10) & ~(1 << 6)


def request(seq):
    # struct inet_diag_req_v2: family, protocol, ext (1 << (INET_DIAG_INFO - 1)), pad, states, then a zero inet_diag_sockid (48 bytes).
    body = struct.pack("=BBBxI", socket.AF_INET, socket.IPPROTO_TCP, 1 << (INET_DIAG_INFO - 1), STATES) + bytes(48)
    return struct.pack("=IHHII", 16 + len(body), SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, 0) + body


def read_info(sock, seq, port):
    sock.send(request(seq))
    found = None
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
            if length < 16:
                return found
            if kind == NLMSG_DONE or kind == NLMSG_ERROR:
                return found
            msg = off + 16
            # struct inet_diag_msg: family, state, timer, retrans, then the sockid: sport, dport (big-endian) ...; 72 bytes.
            dport = struct.unpack_from(">H", data, msg + 6)[0]
            if dport == port and found is None:
                attr = msg + 72
                end = off + length
                while attr + 4 <= end:
                    alen, atype = struct.unpack_from("=HH", data, attr)
                    if alen < 4:
                        break
                    if atype == INET_DIAG_INFO and alen >= 4 + 104:
                        info = data[attr + 4: attr + alen]
                        ca_state = info[1]
                        unacked, _sacked, lost = struct.unpack_from("=III", info, 24)
                        ssthresh, cwnd = struct.unpack_from("=II", info, 76)
                        total_retrans = struct.unpack_from("=I", info, 100)[0]
                        found = (cwnd, ssthresh, ca_state, total_retrans, unacked, lost)
                    attr += (alen + 3) & ~3
            off += (length + 3) & ~3


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: tun-tcpinfo.py PORT [INTERVAL_MS]\n")
        sys.exit(2)
    port = int(sys.argv[1])
    interval = (float(sys.argv[2]) if len(sys.argv) > 2 else 1.0) / 1000
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG)
    last = None
    seq = 0
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while True:
        seq += 1
        t = time.time() * 1000
        info = read_info(sock, seq, port)
        if info is not None and info != last:
            sys.stdout.write("%.3f %d %d %d %d %d %d\n" % ((t,) + info))
            sys.stdout.flush()
            last = info
        ready, _, _ = select.select([sys.stdin], [], [], interval)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            return


try:
    main()
except (BrokenPipeError, KeyboardInterrupt):
    pass
