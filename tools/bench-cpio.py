#!/usr/bin/env python3
"""Write a cpio archive in the "newc" format that Linux's initramfs (and
Ferry's RAM file system) unpack, from a directory tree plus extra entries
given on the command line, so that device nodes need no root privileges.

    tools/bench-cpio.py OUT DIR [--node PATH:c|b:MAJOR:MINOR]...

Every entry is owned by root, with mtime 0, in sorted order: the same
inputs give the same bytes."""
import os
import stat
import sys

def header(ino, mode, size, nlink, rdev, name):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0,
              os.major(rdev), os.minor(rdev), len(name) + 1, 0]
    return b"070701" + b"".join(b"%08x" % f for f in fields)

def pad4(n):
    return b"\0" * (-n % 4)

class Writer:
    def __init__(self, out):
        self.out = out
        self.ino = 1

    def entry(self, name, mode, data=b"", rdev=0):
        nb = name.encode()
        nlink = 2 if stat.S_ISDIR(mode) else 1
        h = header(self.ino, mode, len(data), nlink, rdev, nb) + nb + b"\0"
        self.out.write(h + pad4(len(h)) + data + pad4(len(data)))
        self.ino += 1

    def trailer(self):
        self.ino = 0
        self.entry("TRAILER!!!", 0)

def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, top = sys.argv[1], sys.argv[2]
    nodes = []
    args = sys.argv[3:]
    while args:
        if args[0] != "--node" or len(args) < 2:
            sys.exit("bench-cpio: bad argument %r" % args[0])
        path, kind, major, minor = args[1].split(":")
        fmt = stat.S_IFCHR if kind == "c" else stat.S_IFBLK
        nodes.append((path.strip("/"), fmt | 0o600, os.makedev(int(major), int(minor))))
        args = args[2:]

    entries = []
    for root, dirs, files in os.walk(top):
        for n in dirs + files:
            full = os.path.join(root, n)
            entries.append((os.path.relpath(full, top), full))
    with open(out, "wb") as f:
        w = Writer(f)
        for rel, full in sorted(entries):
            st = os.lstat(full)
            perm = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                w.entry(rel, stat.S_IFDIR | perm)
            elif stat.S_ISLNK(st.st_mode):
                w.entry(rel, stat.S_IFLNK | 0o777, os.readlink(full).encode())
            elif stat.S_ISREG(st.st_mode):
                with open(full, "rb") as src:
                    w.entry(rel, stat.S_IFREG | perm, src.read())
            else:
                sys.exit("bench-cpio: %s: unsupported file type" % full)
        for path, mode, rdev in nodes:
            w.entry(path, mode, rdev=rdev)
        w.trailer()

if __name__ == "__main__":
    main()
