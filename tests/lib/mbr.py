#!/usr/bin/env python3
"""Write an MBR-shaped partition table (an MBR or an extended boot record).

    tests/lib/mbr.py FILE SECTOR TYPE:START:COUNT [...]

At 512-byte sector SECTOR of FILE (made if it is not there): up to four
entries (TYPE in hex, START and COUNT in sectors, as the entry holds them:
an extended boot record's relative to whatever the reader makes them
relative to) and the 0x55 0xaa signature. The 446 bytes before the table
are zeros. For the block-device tests (tests/blockdev.sh, tests/sysfs.sh).
"""
import os
import struct
import sys


def main():
    path, sector, entries = sys.argv[1], int(sys.argv[2], 0), sys.argv[3:]
    if len(entries) > 4:
        sys.exit("mbr.py: at most four entries")
    m = bytearray(512)
    for i, e in enumerate(entries):
        typ, start, count = (int(v, 16 if k == 0 else 0) for k, v in enumerate(e.split(":")))
        m[446 + 16 * i:462 + 16 * i] = struct.pack('<B3sB3sII', 0, b'\0\0\0', typ, b'\0\0\0', start, count)
    m[510:512] = b'\x55\xaa'
    with open(path, 'r+b' if os.path.exists(path) else 'wb') as f:
        f.seek(sector * 512)
        f.write(m)


main()
