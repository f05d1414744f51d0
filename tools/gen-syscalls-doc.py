#!/usr/bin/env python3
"""Write docs/syscalls.md from a linked kernel's .syscalls entries.

Each SYSCALL() entry in the kernel is {u32 nr, const char *name, fn}; the
handler's address goes through addr2line to the file and line of its
SYSCALL() line, so "where is kill(2)?" is one lookup. Usage:

    tools/gen-syscalls-doc.py build/ferry.elf docs/syscalls.md

The output file is rewritten only when its content changes.
"""
import os
import struct
import subprocess
import sys


def sections(data):
    """name -> (addr, offset, size) for every section of an ELF-64 file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = heads[shstrndx][4]
    out = {}
    for h in heads:
        name_off, addr, off, size = h[0], h[3], h[4], h[5]
        end = data.index(b"\0", strtab_off + name_off)
        out[data[strtab_off + name_off:end].decode()] = (addr, off, size)
    return out


def file_offset(secs, addr):
    """Where the byte at a (loaded, non-bss) virtual address sits in the file."""
    for addr0, off, size in secs.values():
        if addr0 and addr0 <= addr < addr0 + size:
            return off + (addr - addr0)
    raise SystemExit("gen-syscalls-doc: address 0x%x is in no section" % addr)


def read_cstring(data, secs, addr):
    start = file_offset(secs, addr)
    return data[start:data.index(b"\0", start)].decode()


def main():
    elf, out = sys.argv[1], sys.argv[2]
    data = open(elf, "rb").read()
    secs = sections(data)
    syms = {}
    for line in subprocess.run(["nm", elf], capture_output=True, text=True, check=True).stdout.split("\n"):
        f = line.split()
        if len(f) == 3:
            syms[f[2]] = int(f[0], 16)
    start, end = syms["__syscalls_start"], syms["__syscalls_end"]
    entries = []
    for a in range(start, end, 24):
        nr, _pad, name_ptr, fn = struct.unpack_from("<IIQQ", data, file_offset(secs, a))
        entries.append((nr, read_cstring(data, secs, name_ptr), fn))
    where = subprocess.run(["addr2line", "-e", elf] + ["0x%x" % e[2] for e in entries],
                           capture_output=True, text=True, check=True).stdout.split("\n")
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    rows = []
    for (nr, name, _fn), loc in sorted(zip(entries, where), key=lambda x: x[0][0]):
        path, _, line = loc.partition(":")
        path = os.path.relpath(path, top) if os.path.isabs(path) else path
        line = int(line.split(" ")[0])
        # addr2line names the handler's first line; the SYSCALL() line is just above.
        try:
            src = open(os.path.join(top, path)).read().split("\n")
            for back in range(0, 4):
                if line - 1 - back >= 0 and "SYSCALL(" in src[line - 1 - back]:
                    line -= back
                    break
        except OSError:
            pass
        kind = "Ferry" if nr >= 1024 else "Linux"
        rows.append("| %d | `%s` | %s | [%s:%s](../%s#L%s) |" % (nr, name, kind, path, line, path, line))
    text = "\n".join([
        "# System calls",
        "",
        "Every system call Ferry implements, with the file and line of its handler.",
        "Generated at build time from the kernel's `.syscalls` section by",
        "`tools/gen-syscalls-doc.py` (do not edit by hand). Linux numbers are the",
        "x86-64 ABI's; Ferry's own start at 1024 (`include/uapi/ferry.h`). A number",
        "not listed returns `ENOSYS`, and the kernel logs it once.",
        "",
        "%d calls." % len(rows),
        "",
        "| number | name | ABI | handler |",
        "| ---: | --- | --- | --- |",
    ] + rows) + "\n"
    try:
        if open(out).read() == text:
            return
    except FileNotFoundError:
        pass
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
