/*
 * ELF-64 loader (System V ABI, AMD64 supplement). Each PT_LOAD becomes
 * regions with its own permissions (text R+X, rodata R, data and bss R+W,
 * never W+X: Brian OS's read-only text and W^X). A segment's whole pages
 * are a private mapping of the file's page cache, as mmap(MAP_PRIVATE)
 * makes them: every process running the program shares one copy of its
 * text and read-only data, from any file system, and a write (to data)
 * copies the page. The page where the file bytes end is a private copy
 * (zeros follow them), bss beyond it anonymous memory, zero-filled on
 * first touch. Every header field is checked: a malformed file gets
 * -ENOEXEC, never a crash (invariant 6).
 *
 * A dynamically linked program names its interpreter (PT_INTERP: ld.so);
 * the program and then its interpreter are loaded, each at a place of its
 * own in the program's slot (invariant 5), and the interpreter runs first.
 */
#include "exec/exec.h"
#include "fs/abi.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4

#define MAX_PHNUM 64
#define MAX_SEGMENT (1UL << 32) /* no sane static program has a 4 GiB segment */
#define PIE_IMAGE_OFFSET (2UL << 20) /* where a PIE lands in its slot */

struct elf64_ehdr {
	u8 e_ident[EI_NIDENT];
	u16 e_type, e_machine;
	u32 e_version;
	u64 e_entry, e_phoff, e_shoff;
	u32 e_flags;
	u16 e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx;
};

struct elf64_phdr {
	u32 p_type, p_flags;
	u64 p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
};

static int bad(const char *why)
{
	pr_info("exec: not a loadable program: %s\n", why);
	return -ENOEXEC;
}

/*
 * A file system on a disk may return less than asked (a block not yet in
 * the cache after some bytes) or -ERESTART_PARK (the thread is parked on
 * the block: exec runs again from the start, invariant 3): pass that up.
 */
static int read_exact(struct inode *ip, u64 off, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = inode_read_kernel(ip, off + got, (u8 *)buf + got, len - got);
		if (n == -ERESTART_PARK)
			return (int)n;
		if (n <= 0)
			return -ENOEXEC;
		got += (size_t)n;
	}
	return 0;
}

/* Read a segment's file bytes straight into the domain's pages, a page at a time. */
static int load_bytes(struct inode *ip, struct domain *d, vaddr_t va, u64 off, u64 len)
{
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		int r;
		void *dst = domain_fill(d, va, chunk, &r);
		if (!dst)
			return r;
		r = read_exact(ip, off, dst, chunk);
		if (r < 0) {
			memset(dst, 0, chunk); /* no half-read bytes stay behind */
			return r == -ERESTART_PARK ? r : bad("a segment runs past the end of the file");
		}
		va += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

/*
 * PT_INTERP: the interpreter's path, a NUL-terminated string inside the
 * file (Linux's checks: at least two bytes, at most PATH_MAX, the last
 * one NUL and no earlier one). interp NULL: no interpreter is allowed here.
 */
static int read_interp(struct inode *ip, const struct elf64_phdr *p, u64 size, char *interp)
{
	if (!interp)
		return bad("a second PT_INTERP");
	if (interp[0])
		return bad("two PT_INTERP headers");
	if (p->p_filesz < 2 || p->p_filesz > PATH_MAX || p->p_offset > size ||
	    p->p_filesz > size - p->p_offset)
		return bad("PT_INTERP has an impossible size or offset");
	int r = read_exact(ip, p->p_offset, interp, p->p_filesz);
	if (r < 0) {
		interp[0] = 0;
		return r == -ERESTART_PARK ? r : bad("PT_INTERP past the end of the file");
	}
	if (interp[p->p_filesz - 1] || strlen(interp) != p->p_filesz - 1) {
		interp[0] = 0;
		return bad("PT_INTERP's path is not one NUL-terminated string");
	}
	return 0;
}

/*
 * What loading one ELF file gives: where it went and what the loader and
 * the stack need to know of it.
 */
struct loaded {
	vaddr_t entry, phdr, bias, end;
	u32 phnum;
	bool dyn;
};

/*
 * Load the ELF file ip into d. dyn_base: where a position-independent
 * file's lowest page goes, or 0 for the program's own place in its slot.
 * interp (PATH_MAX bytes, or NULL when a PT_INTERP is not allowed): the
 * interpreter's path, "" if there is none.
 */
static int load_image(struct inode *ip, struct domain *d, vaddr_t dyn_base, char *interp,
		      struct loaded *out)
{
	struct elf64_ehdr eh;
	int e = read_exact(ip, 0, &eh, sizeof eh);
	if (e == -ERESTART_PARK)
		return e;
	if (e < 0)
		return bad("shorter than an ELF header");
	if (memcmp(eh.e_ident, "\x7f" "ELF", 4))
		return bad("no ELF magic");
	if (eh.e_ident[4] != ELFCLASS64 || eh.e_ident[5] != ELFDATA2LSB)
		return bad("not 64-bit little-endian");
	if (eh.e_machine != EM_X86_64)
		return bad("not an x86-64 program");
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		return bad("neither an executable nor a position-independent executable");
	if (eh.e_phentsize != sizeof(struct elf64_phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHNUM)
		return bad("bad program header table size");

	struct elf64_phdr *ph = kmalloc(eh.e_phnum * sizeof *ph);
	if (!ph)
		return -ENOMEM;
	int r = 0;
	if ((r = read_exact(ip, eh.e_phoff, ph, eh.e_phnum * sizeof *ph)) < 0) {
		if (r != -ERESTART_PARK)
			r = bad("program headers past the end of the file");
		goto out;
	}

	/* First pass: check every segment and find the image's extent. */
	u64 lo = ~0UL, hi = 0, prev_end = 0;
	u64 size = __atomic_load_n(&ip->size, __ATOMIC_RELAXED);
	vaddr_t phdr_vaddr = 0;
	if (interp)
		interp[0] = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr *p = &ph[i];
		if (p->p_type == PT_INTERP) {
			r = read_interp(ip, p, size, interp);
			if (r < 0)
				goto out;
			continue;
		}
		if (p->p_type == PT_PHDR)
			phdr_vaddr = p->p_vaddr;
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz || p->p_memsz > MAX_SEGMENT || p->p_memsz == 0 ||
		    p->p_offset > size || p->p_filesz > size - p->p_offset ||
		    p->p_vaddr > USER_TOP || p->p_memsz > USER_TOP - p->p_vaddr) {
			r = bad("a segment has impossible sizes or offsets");
			goto out;
		}
		if ((p->p_vaddr - p->p_offset) % PAGE_SIZE) {
			r = bad("a segment's address and file offset disagree modulo the page size");
			goto out;
		}
		if (p->p_vaddr < prev_end) {
			r = bad("segments overlap or are out of order");
			goto out;
		}
		prev_end = p->p_vaddr + p->p_memsz;
		lo = MIN(lo, ALIGN_DOWN(p->p_vaddr, PAGE_SIZE));
		hi = MAX(hi, ALIGN_UP(prev_end, PAGE_SIZE));
		if (!phdr_vaddr && eh.e_phoff >= p->p_offset &&
		    eh.e_phoff - p->p_offset < p->p_filesz)
			phdr_vaddr = p->p_vaddr + (eh.e_phoff - p->p_offset);
	}
	if (hi == 0) {
		r = bad("no loadable segment");
		goto out;
	}

	vaddr_t bias = 0;
	if (eh.e_type == ET_DYN) {
		if (hi - lo > SLOT_SIZE / 4) {
			r = bad("too large for a slot");
			goto out;
		}
		/* A position-independent file gets a unique place: in its slot (invariant 5). */
		if (!dyn_base)
			dyn_base = d->slot_base + PIE_IMAGE_OFFSET;
		else if (dyn_base == ~0UL && !(dyn_base = domain_find_free(d, hi - lo))) {
			r = -ENOMEM;
			goto out;
		}
		bias = dyn_base - lo;
	} else if (dyn_base) {
		r = bad("the interpreter is not position-independent");
		goto out;
	} else if (lo < USER_PRIVATE_BASE || hi > USER_PRIVATE_END) {
		r = bad("linked outside the private window (0x1000 - 64 GiB)");
		goto out;
	}
	if (eh.e_entry + bias < lo + bias || eh.e_entry + bias >= hi + bias) {
		r = bad("entry point outside the image");
		goto out;
	}

	/* Second pass: one region per segment, then copy the file bytes in. */
	vaddr_t mapped_end = 0;
	for (int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr *p = &ph[i];
		if (p->p_type != PT_LOAD)
			continue;
		u32 flags = REGION_IMAGE;
		if (p->p_flags & PF_R)
			flags |= REGION_READ;
		if (p->p_flags & PF_W)
			flags |= REGION_WRITE;
		if (p->p_flags & PF_X)
			flags |= REGION_EXEC;
		if ((flags & REGION_WRITE) && (flags & REGION_EXEC)) {
			r = bad("a segment is both writable and executable (W^X)");
			goto out;
		}
		vaddr_t v = p->p_vaddr + bias, file_end = v + p->p_filesz;
		vaddr_t start = ALIGN_DOWN(v, PAGE_SIZE);
		vaddr_t end = ALIGN_UP(v + p->p_memsz, PAGE_SIZE);
		/* Two segments sharing a page: the later one starts on the next page. */
		if (start < mapped_end)
			start = mapped_end;
		/* The bytes of that shared page go into the earlier segment's (private) page. */
		u64 head = MIN(start > v ? start - v : 0, p->p_filesz);
		r = load_bytes(ip, d, v, p->p_offset, head);
		if (r < 0)
			goto out;
		/* Whole pages of file bytes: the file's own pages, mapped privately. */
		vaddr_t fend = start;
		if (ip->data.ops && ALIGN_DOWN(file_end, PAGE_SIZE) > start) {
			fend = ALIGN_DOWN(file_end, PAGE_SIZE);
			struct map_req req = {.addr = start,
					      .len = fend - start,
					      .flags = flags,
					      .obj = &ip->data.obj,
					      .pgoff = (p->p_offset + start - v) >> PAGE_SHIFT,
					      .fixed = true,
					      .noreplace = true};
			long m = (long)domain_mmap(d, &req);
			if (m < 0) {
				r = (int)m;
				goto out;
			}
		}
		/* The rest: the file's last bytes copied into anonymous memory, then bss. */
		if (fend < end) {
			r = domain_map(d, fend, end - fend, flags);
			if (r == 0 && file_end > MAX(fend, v))
				r = load_bytes(ip, d, MAX(fend, v), p->p_offset + (MAX(fend, v) - v),
					       file_end - MAX(fend, v));
			if (r < 0)
				goto out;
		}
		mapped_end = MAX(mapped_end, end);
	}

	*out = (struct loaded){
	    .entry = eh.e_entry + bias,
	    .phdr = phdr_vaddr ? phdr_vaddr + bias : 0,
	    .phnum = eh.e_phnum,
	    .bias = bias,
	    .end = hi + bias,
	    .dyn = eh.e_type == ET_DYN,
	};
out:
	kfree(ph);
	return r;
}

int elf_load(struct inode *ip, struct domain *d, struct exec_image *img, char *interp)
{
	struct loaded l;
	int r = load_image(ip, d, 0, interp, &l);
	if (r < 0)
		return r;
	*img = (struct exec_image){
	    .entry = l.entry,
	    .phdr = l.phdr,
	    .phnum = l.phnum,
	    .phent = sizeof(struct elf64_phdr),
	    .bias = l.bias,
	    .brk = l.end,
	    .pie = l.dyn,
	};
	return 0;
}

int elf_load_interp(struct inode *ip, struct domain *d, struct exec_image *img)
{
	char *nested = kmalloc(PATH_MAX);
	if (!nested)
		return -ENOMEM;
	struct loaded l;
	/* Anywhere free in the slot's mmap area: where ld.so's own mappings will go too. */
	int r = load_image(ip, d, ~0UL, nested, &l);
	bool dynamic = r == 0 && nested[0];
	kfree(nested);
	/* As Linux: too short to hold an ELF header is EIO, anything else not loadable ELIBBAD. */
	if (r == -ENOEXEC && __atomic_load_n(&ip->size, __ATOMIC_RELAXED) < sizeof(struct elf64_ehdr))
		return -EIO;
	if (r < 0)
		return r == -ENOEXEC ? -ELIBBAD : r;
	if (dynamic) {
		pr_info("exec: the interpreter is itself dynamically linked\n");
		return -ELOOP;
	}
	img->interp_entry = l.entry;
	img->interp_base = l.bias;
	return 0;
}
