#!/usr/bin/env python3
"""Send bad frames into Ferry's network card and check it lives.

    tools/net-fuzz.py --port PORT --qemu-port QPORT [--frames N] [--seed S]
                      [--guest-ip A] [--guest-mac M] [--tcp-port P]

QEMU runs the guest's card on a socket netdev
(-netdev socket,udp=127.0.0.1:PORT,localaddr=127.0.0.1:QPORT): every
frame the guest sends arrives here as a UDP datagram on PORT, and every
datagram sent to QPORT enters the guest's card as a frame. This script
pretends to be the guest's neighbour 10.0.3.2 (it answers ARP), sends N
frames of every kind the issue names -- garbage and truncated frames,
oversized ones, bad checksums and header lengths, overlapping fragments
and fragment floods, TCP segments with absurd windows, sequence numbers
and options, SYN floods, RSTs with wrong sequence numbers -- and then
checks that the guest still answers a ping. Exit status 0 if it does.
Bounded in frames and in time; nothing leaves the loopback interface.
"""
import argparse
import random
import socket
import struct
import sys
import time

ME_MAC = bytes.fromhex("525400aabbcc")
ME_IP = socket.inet_aton("10.0.3.2")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, typ, payload, src=ME_MAC):
    return dst + src + struct.pack("!H", typ) + payload


def ip(dst, proto, payload, src=ME_IP, ident=0, frag=0, ttl=64, ihl=5, tot=None, bad_csum=False,
       options=b""):
    tot = 20 + len(options) + len(payload) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot & 0xFFFF, ident & 0xFFFF, frag & 0xFFFF,
                    ttl, proto, 0, src, dst) + options
    c = csum(h)
    if bad_csum:
        c ^= 0x5A5A
    h = h[:10] + struct.pack("!H", c) + h[12:]
    return h + payload


def tcp(src_ip, dst_ip, sport, dport, seq, ack, flags, win, options=b"", data=b"", off=None,
        bad_csum=False):
    hl = 20 + len(options)
    off = hl // 4 if off is None else off
    h = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, (off & 15) << 4,
                    flags, win & 0xFFFF, 0, 0) + options
    seg = h + data
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 6, len(seg))
    c = csum(pseudo + seg)
    if bad_csum:
        c ^= 0x1234
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src_ip, dst_ip, sport, dport, data, length=None):
    length = 8 + len(data) if length is None else length
    h = struct.pack("!HHHH", sport, dport, length & 0xFFFF, 0)
    pseudo = src_ip + dst_ip + struct.pack("!BBH", 0, 17, 8 + len(data))
    c = csum(pseudo + h + data) or 0xFFFF
    return h[:6] + struct.pack("!H", c) + data


def icmp_echo(ident, seq, data=b"ferry-fuzz"):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def arp(op, sha, spa, tha, tpa, hlen=6, plen=4):
    return struct.pack("!HHBBH", 1, 0x0800, hlen, plen, op) + sha + spa + tha + tpa


class Fuzzer:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.gmac = bytes.fromhex(a.guest_mac.replace(":", ""))
        self.gip = socket.inet_aton(a.guest_ip)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", a.port))
        self.sock.setblocking(False)
        self.dest = ("127.0.0.1", a.qemu_port)
        self.sent = 0
        self.seen = {"arp": 0, "icmp-reply": 0, "icmp-error": 0, "rst": 0, "synack": 0, "other": 0}

    def send(self, frame):
        self.sock.sendto(frame, self.dest)
        self.sent += 1
        if self.sent % 64 == 0:
            time.sleep(0.002)  # pace: the guest is emulated and slow
            self.drain()

    def drain(self):
        """Read what the guest sent; answer its ARP requests for our address."""
        while True:
            try:
                f = self.sock.recv(65536)
            except BlockingIOError:
                return
            if len(f) < 14:
                continue
            typ = struct.unpack("!H", f[12:14])[0]
            if typ == 0x0806 and len(f) >= 42:
                self.seen["arp"] += 1
                op = struct.unpack("!H", f[20:22])[0]
                if op == 1 and f[38:42] == ME_IP:
                    self.sock.sendto(eth(f[6:12], 0x0806, arp(2, ME_MAC, ME_IP, f[22:28], f[28:32])),
                                     self.dest)
            elif typ == 0x0800 and len(f) >= 34:
                proto = f[23]
                ihl = (f[14] & 15) * 4
                body = f[14 + ihl:]
                if proto == 1 and body[:1] == b"\0":
                    self.seen["icmp-reply"] += 1
                elif proto == 1:
                    self.seen["icmp-error"] += 1
                elif proto == 6 and len(body) >= 14:
                    fl = body[13]
                    if fl & 4:
                        self.seen["rst"] += 1
                    elif fl & 0x12 == 0x12:
                        self.seen["synack"] += 1
                else:
                    self.seen["other"] += 1

    def rand_bytes(self, n):
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def to_guest(self, proto, payload, **kw):
        return eth(self.gmac, 0x0800, ip(self.gip, proto, payload, **kw))

    # --- the kinds of bad input ---
    def garbage(self):
        # Never 0 bytes: QEMU's socket netdev takes an empty datagram for the end of the
        # connection and stops reading (its artefact, not the guest's).
        return self.rand_bytes(self.rng.choice([1, 13, 14, 15, 33, 60, 200, 1514, 1600, 4000]))

    def truncated(self):
        f = self.to_guest(6, tcp(ME_IP, self.gip, 1234, 80, 1, 0, 0x02, 1000))
        return f[:self.rng.randrange(1, len(f))]

    def bad_ip(self):
        r = self.rng
        k = r.randrange(6)
        p = icmp_echo(r.getrandbits(16), 1)
        if k == 0:
            return self.to_guest(1, p, bad_csum=True)
        if k == 1:
            return self.to_guest(1, p, ihl=r.choice([0, 1, 4, 15]))
        if k == 2:
            return self.to_guest(1, p, tot=r.choice([0, 19, 21, 65535, len(p) + 500]))
        if k == 3:
            f = self.to_guest(1, p)
            return f[:14] + bytes([r.choice([0x05, 0x65, 0xF5])]) + f[15:]  # not version 4
        if k == 4:
            return self.to_guest(r.randrange(256), self.rand_bytes(r.randrange(64)))
        return self.to_guest(1, p, options=self.rand_bytes(4 * r.randrange(1, 11)),
                             ihl=5 + r.randrange(1, 11))

    def fragments(self):
        """A burst of fragments: overlapping, duplicated, past 64 KiB, never finished."""
        r = self.rng
        ident = r.getrandbits(16)
        out = []
        kind = r.randrange(5)
        if kind == 0:  # overlaps and repeats (offsets in 8-byte units)
            for unit, n, more in ((0, 24, 1), (1, 24, 1), (0, 16, 1), (0, 24, 1), (2, 8, 0)):
                out.append(self.to_guest(17, self.rand_bytes(n), ident=ident,
                                         frag=(0x2000 if more else 0) | unit))
        elif kind == 1:  # a flood of first fragments, each its own datagram
            for i in range(20):
                out.append(self.to_guest(17, self.rand_bytes(512), ident=ident + i, frag=0x2000))
        elif kind == 2:  # the end past 64 KiB
            out.append(self.to_guest(17, self.rand_bytes(1000), ident=ident, frag=0x1FFF))
        elif kind == 3:  # tiny middle pieces with MF, never the last
            for off in range(1, 40):
                out.append(self.to_guest(6, self.rand_bytes(8), ident=ident, frag=0x2000 | off))
        else:  # a whole ping in two overlapping-free pieces (should be answered)
            p = icmp_echo(0x4242, r.getrandbits(16), self.rand_bytes(64))
            out.append(self.to_guest(1, p[:40], ident=ident, frag=0x2000))
            out.append(self.to_guest(1, p[40:], ident=ident, frag=5))
        return out

    def tcp_bad(self):
        r = self.rng
        port = r.choice([self.a.tcp_port, r.randrange(1, 65536)])
        sport = r.randrange(1024, 65536)
        k = r.randrange(7)
        if k == 0:  # SYN flood from many "hosts" (our address, many ports)
            return [self.to_guest(6, tcp(ME_IP, self.gip, r.randrange(1024, 65536), port,
                                         r.getrandbits(32), 0, 0x02, 65535,
                                         options=b"\x02\x04\x05\xb4")) for _ in range(16)]
        if k == 1:  # RSTs with wrong sequence numbers
            return [self.to_guest(6, tcp(ME_IP, self.gip, sport, port, r.getrandbits(32),
                                         r.getrandbits(32), r.choice([0x04, 0x14]), 0))]
        if k == 2:  # absurd options
            opts = r.choice([b"\x02\x00\x00\x00", b"\x02\x04\x00\x00", b"\x03\x03\xff\x01",
                             b"\x08\xff", b"\x05\x01", b"\x01" * 3 + b"\x02",
                             self.rand_bytes(4 * r.randrange(1, 11))])
            opts += b"\0" * (-len(opts) % 4)
            return [self.to_guest(6, tcp(ME_IP, self.gip, sport, port, r.getrandbits(32), 0, 0x02,
                                         r.getrandbits(16), options=opts[:40]))]
        if k == 3:  # data offset beyond the segment, or below 5
            return [self.to_guest(6, tcp(ME_IP, self.gip, sport, port, 1, 1, 0x18, 100,
                                         data=b"x" * 10, off=r.choice([0, 1, 4, 15])))]
        if k == 4:  # every flag at once, absurd window and urgent data
            return [self.to_guest(6, tcp(ME_IP, self.gip, sport, port, r.getrandbits(32),
                                         r.getrandbits(32), r.getrandbits(8), r.getrandbits(16),
                                         data=self.rand_bytes(r.randrange(100))))]
        if k == 5:  # bad checksum
            return [self.to_guest(6, tcp(ME_IP, self.gip, sport, port, 1, 0, 0x02, 1000,
                                         bad_csum=True))]
        # ACKs of nothing, data for no connection
        return [self.to_guest(6, tcp(ME_IP, self.gip, sport, port, r.getrandbits(32),
                                     r.getrandbits(32), 0x10, 0, data=b"hello"))]

    def udp_bad(self):
        r = self.rng
        data = self.rand_bytes(r.randrange(40))
        length = r.choice([None, 0, 7, 9, 65535])
        return self.to_guest(17, udp(ME_IP, self.gip, r.randrange(1, 65536), r.randrange(1, 65536),
                                     data, length))

    def arp_bad(self):
        r = self.rng
        k = r.randrange(4)
        if k == 0:
            return eth(b"\xff" * 6, 0x0806, arp(1, ME_MAC, ME_IP, b"\0" * 6, self.gip, hlen=r.choice([0, 5, 255])))
        if k == 1:
            return eth(b"\xff" * 6, 0x0806, arp(r.randrange(65536), self.rand_bytes(6), self.rand_bytes(4),
                                                 self.rand_bytes(6), self.rand_bytes(4)))
        if k == 2:  # many senders: the cache fills and must evict
            return eth(self.gmac, 0x0806, arp(2, self.rand_bytes(6), socket.inet_aton("10.0.3.%d" % r.randrange(3, 255)),
                                               self.gmac, self.gip))
        return eth(b"\xff" * 6, 0x0806, b"\0\1")  # an ARP header cut short

    def alive(self, tries=20):
        """Does the guest answer a ping (after ARP)?"""
        before = self.seen["icmp-reply"]
        for i in range(tries):
            self.send(self.to_guest(1, icmp_echo(0x7777, i)))
            t = time.time() + 1.0
            while time.time() < t:
                self.drain()
                if self.seen["icmp-reply"] > before:
                    return True
                time.sleep(0.05)
        return False

    def listener_alive(self, tries=10):
        """Does the listening port still answer a SYN (its backlog survived the floods)?"""
        before = self.seen["synack"]
        for i in range(tries):
            self.send(self.to_guest(6, tcp(ME_IP, self.gip, 40000 + i, self.a.tcp_port,
                                           1000 + i, 0, 0x02, 65535, options=b"\x02\x04\x05\xb4")))
            t = time.time() + 1.0
            while time.time() < t:
                self.drain()
                if self.seen["synack"] > before:
                    return True
                time.sleep(0.05)
        return False

    def run(self):
        if not self.alive(60):
            print("net-fuzz: the guest does not answer a ping before fuzzing")
            return 1
        kinds = [self.garbage, self.truncated, self.bad_ip, self.fragments, self.tcp_bad,
                 self.udp_bad, self.arp_bad]
        if self.a.kinds:
            kinds = [getattr(self, k) for k in self.a.kinds.split(",")]
        deadline = time.time() + self.a.time_limit
        while self.sent < self.a.frames and time.time() < deadline:
            f = self.rng.choice(kinds)()
            for fr in f if isinstance(f, list) else [f]:
                self.send(fr)
        self.drain()
        ok = self.alive(30)
        listening = self.listener_alive() if self.a.check_listener else True
        print("net-fuzz: sent %d frames; the guest sent ARP %d, ICMP replies %d, ICMP errors %d, "
              "RSTs %d, SYN-ACKs %d; answers a ping after: %s; its listener answers a SYN: %s" % (
                  self.sent, self.seen["arp"], self.seen["icmp-reply"], self.seen["icmp-error"],
                  self.seen["rst"], self.seen["synack"], "yes" if ok else "NO",
                  "yes" if listening else "NO"))
        return 0 if ok and listening else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--qemu-port", type=int, required=True)
    ap.add_argument("--frames", type=int, default=20000)
    ap.add_argument("--time-limit", type=float, default=240)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--guest-ip", default="10.0.3.15")
    ap.add_argument("--guest-mac", default="52:54:00:12:34:56")
    ap.add_argument("--tcp-port", type=int, default=80)
    ap.add_argument("--check-listener", action="store_true",
                    help="also require a SYN-ACK from --tcp-port at the end")
    ap.add_argument("--kinds", default="", help="only these kinds, comma-separated (garbage,...)")
    sys.exit(Fuzzer(ap.parse_args()).run())


if __name__ == "__main__":
    main()
