#!/usr/bin/env python3
"""A lossy wire between two QEMU guests' socket netdevs.

    tools/net-relay.py --a-in PORT --a-out QPORT --b-in PORT --b-out QPORT
                       [--drop 0.05] [--reorder 0.02] [--seed N] [--time-limit S]

Guest A runs -netdev socket,udp=127.0.0.1:A_IN,localaddr=127.0.0.1:A_OUT
(it sends its frames to A_IN and takes frames arriving at A_OUT); guest B
likewise with B_IN and B_OUT. Every frame A sends goes to B and the other
way round, except that each is dropped with probability --drop, and with
probability --reorder held back until the next frame in that direction
has gone (so the two swap places). Prints its counts on SIGTERM or when
the time limit passes. Loopback only.
"""
import argparse
import random
import selectors
import signal
import socket
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a-in", type=int, required=True)
    ap.add_argument("--a-out", type=int, required=True)
    ap.add_argument("--b-in", type=int, required=True)
    ap.add_argument("--b-out", type=int, required=True)
    ap.add_argument("--drop", type=float, default=0.05)
    ap.add_argument("--reorder", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--time-limit", type=float, default=1800)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    sel = selectors.DefaultSelector()
    socks = {}
    for name, port, dest in (("a", a.a_in, a.b_out), ("b", a.b_in, a.a_out)):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind(("127.0.0.1", port))
        s.setblocking(False)
        socks[name] = (s, ("127.0.0.1", dest))
        sel.register(s, selectors.EVENT_READ, name)
    held = {"a": None, "b": None}
    count = {"passed": 0, "dropped": 0, "reordered": 0}
    out = socks["a"][0]  # any socket may send

    def finish(*_):
        print("net-relay: %(passed)d frames passed, %(dropped)d dropped, %(reordered)d reordered" % count,
              flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, finish)
    end = time.time() + a.time_limit
    while time.time() < end:
        for key, _ in sel.select(timeout=1.0):
            name = key.data
            s, dest = socks[name]
            while True:
                try:
                    f = s.recv(65536)
                except BlockingIOError:
                    break
                if not f:
                    continue  # an empty datagram would stop QEMU reading: never pass one on
                if rng.random() < a.drop:
                    count["dropped"] += 1
                    continue
                if held[name] is None and rng.random() < a.reorder:
                    held[name] = f
                    count["reordered"] += 1
                    continue
                out.sendto(f, dest)
                count["passed"] += 1
                if held[name] is not None:
                    out.sendto(held[name], dest)
                    held[name] = None
                    count["passed"] += 1
    finish()


if __name__ == "__main__":
    main()
