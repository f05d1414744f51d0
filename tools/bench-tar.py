#!/usr/bin/env python3
"""Write the small-files archive of the untar benchmark (bench/untar.c):
2,000 files of 100 to 3,000 bytes in 20 directories of 100, a plain ustar
archive. The same bytes every time (fixed seed, owner root, fixed mtime).

    tools/bench-tar.py OUT.tar"""
import io
import random
import sys
import tarfile

DIRS, PER_DIR = 20, 100


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rng = random.Random(17)
    words = b"the kernel page table of a process maps frame into user space".split()
    with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as tar:
        top = tarfile.TarInfo("files")
        top.type, top.mode, top.mtime = tarfile.DIRTYPE, 0o755, 1700000000
        tar.addfile(top)
        for d in range(DIRS):
            info = tarfile.TarInfo("files/d%02d" % d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, 1700000000
            tar.addfile(info)
            for f in range(PER_DIR):
                size = rng.randint(100, 3000)
                data = b" ".join(rng.choice(words) for _ in range(size // 4 + 1))[:size]
                info = tarfile.TarInfo("files/d%02d/f%03d.txt" % (d, f))
                info.size, info.mode, info.mtime = len(data), 0o644, 1700000000
                tar.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
