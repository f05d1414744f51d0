/*
 * Building a new program image: open, load, decide whom it runs as (a
 * set-user-ID or set-group-ID program's owner), and lay out the initial
 * stack the way Linux does (System V AMD64 ABI 3.4.1): argc, argv[], NULL,
 * envp[], NULL, auxv pairs ending in AT_NULL, then the strings above.
 */
#include "exec/exec.h"
#include "fs/vfs.h"
#include "fs/fsproc.h"
#include "proc/cred.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "mm/layout.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "dev/krandom.h"
#include "vdso/vdso_map.h"

enum {
	AT_NULL = 0, AT_IGNORE_ENTRY = 1, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
	AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
	AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
	AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33,
};

#define STACK_TOP_GAP PAGE_SIZE /* unmapped page between the stack and the vDSO */

static u64 hwcap(void)
{
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return d;
}

vaddr_t exec_setup_stack(struct domain *d, const struct exec_image *img,
			 const struct exec_args *args, const struct exec_new *nw)
{
	vaddr_t top = d->slot_base + SLOT_SIZE - SLOT_VDSO_SIZE - STACK_TOP_GAP;
	if (domain_map(d, top - STACK_SIZE, STACK_SIZE, REGION_READ | REGION_WRITE | REGION_STACK) < 0)
		return 0;

	/* Strings first (highest), then 16 random bytes and the platform name. */
	static const char platform[] = "x86_64";
	size_t execfn_len = strlen(args->path) + 1;
	size_t strings = args->len + execfn_len + sizeof platform + 16;
	u32 nptr = 1 + args->argc + 1 + args->envc + 1; /* argc, argv, NULL, envp, NULL */
	u32 nauxv = 20 * 2;
	size_t table = (nptr + nauxv) * 8;
	size_t total = ALIGN_UP(strings, 16) + ALIGN_UP(table, 16);
	if (total > STACK_SIZE / 4)
		return 0;

	u8 *buf = kzalloc(total);
	if (!buf)
		return 0;
	vaddr_t base = top - total; /* 16-byte aligned: top and total are */
	/* Layout in buf (offsets from base): [table][pad][strings...] */
	size_t soff = total - strings;
	vaddr_t strings_va = base + soff;
	memcpy(buf + soff, args->buf, args->len);
	vaddr_t execfn_va = strings_va + args->len;
	memcpy(buf + soff + args->len, args->path, execfn_len);
	vaddr_t platform_va = execfn_va + execfn_len;
	memcpy(buf + soff + args->len + execfn_len, platform, sizeof platform);
	vaddr_t random_va = platform_va + sizeof platform;
	krandom_bytes(buf + soff + args->len + execfn_len + sizeof platform, 16);

	u64 *t = (u64 *)buf;
	size_t i = 0;
	t[i++] = args->argc;
	vaddr_t s = strings_va;
	const char *p = args->buf;
	d->env_start = d->env_end = strings_va + args->len;
	for (u32 k = 0; k < args->argc + args->envc; k++) {
		if (k == args->argc) {
			t[i++] = 0; /* end of argv */
			d->env_start = s;
		}
		t[i++] = s;
		size_t n = strlen(p) + 1;
		s += n;
		p += n;
	}
	if (args->argc + args->envc == args->argc)
		t[i++] = 0; /* argv's NULL when there is no environment */
	t[i++] = 0;         /* end of envp */
	const u64 auxv[][2] = {
	    {AT_PHDR, img->phdr},      {AT_PHENT, img->phent},   {AT_PHNUM, img->phnum},
	    {AT_PAGESZ, PAGE_SIZE},    {AT_BASE, 0},             {AT_FLAGS, 0},
	    {AT_ENTRY, img->entry},    {AT_UID, nw->cred->uid},  {AT_EUID, nw->cred->euid},
	    {AT_GID, nw->cred->gid},   {AT_EGID, nw->cred->egid}, {AT_PLATFORM, platform_va},
	    {AT_HWCAP, hwcap()},       {AT_CLKTCK, 100},         {AT_SECURE, nw->secure},
	    {AT_RANDOM, random_va},    {AT_HWCAP2, 0},           {AT_EXECFN, execfn_va},
	    {img->vdso ? AT_SYSINFO_EHDR : AT_IGNORE_ENTRY, img->vdso},
	    {AT_NULL, 0},
	};
	for (size_t k = 0; k < ARRAY_SIZE(auxv); k++) {
		t[i++] = auxv[k][0];
		t[i++] = auxv[k][1];
	}
	assert(i * 8 <= table);
	int r = domain_populate(d, base, buf, total);
	kfree(buf);
	return r < 0 ? 0 : base;
}

#define S_IXGRP 0010

/*
 * Whom the program ip runs as, for a caller acting with old (execve(2),
 * capabilities(7) "Transformation of capabilities during execve()"). Its
 * set-user-ID bit makes the file's owner the effective uid, its
 * set-group-ID bit (with group execute) the file's group the effective
 * gid, except on a nosuid mount; with no_new_privs the ids stay and no
 * capability is gained. The saved ids become the effective ones. Root
 * (real or effective uid 0) gets its bounding set as permitted, effective
 * too when the effective uid is 0; anyone else none (Ferry has no file
 * capabilities). Keep-caps ends here. NULL: no memory.
 */
static struct cred *exec_cred(const struct cred *old, struct inode *ip, bool no_new_privs)
{
	struct cred *c = cred_copy(old, old->ngroups);
	if (!c)
		return NULL;
	spin_lock(&ip->lock);
	u32 mode = ip->mode, uid = ip->uid, gid = ip->gid;
	spin_unlock(&ip->lock);
	if (!(sb_mnt_flags(ip->sb) & SB_NOSUID)) {
		if (mode & S_ISUID)
			c->euid = uid;
		if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
			c->egid = gid;
	}
	bool root = c->euid == 0 || c->uid == 0;
	c->cap_permitted = root ? (old->cap_bset | old->cap_inheritable) : 0;
	bool setid = c->euid != old->uid || c->egid != old->gid;
	if (no_new_privs && (setid || (c->cap_permitted & ~old->cap_permitted))) {
		/* They get no more than they had. */
		c->euid = old->uid;
		c->egid = old->gid;
		c->cap_permitted &= old->cap_permitted;
	}
	c->cap_effective = root && c->euid == 0 ? c->cap_permitted : 0;
	c->suid = c->fsuid = c->euid;
	c->sgid = c->fsgid = c->egid;
	c->securebits &= ~SECBIT_KEEP_CAPS;
	return c;
}

void exec_new_put(struct exec_new *nw)
{
	domain_put(nw->dom);
	cred_put(nw->cred);
	nw->dom = NULL;
	nw->cred = NULL;
}

#define SCRIPT_DEPTH 5 /* scripts in a row, each the interpreter of the one before */

int exec_prepare(struct exec_args *args, const struct cred *cred, bool no_new_privs,
		 struct exec_new *out)
{
	*out = (struct exec_new){0};
	strlcpy(out->file, args->path, sizeof out->file);
	struct inode *ip;
	int r;
	for (int depth = 0;; depth++) {
		r = vfs_open_exec(out->file, &ip);
		if (r < 0)
			return r;
		r = script_prepare(ip, args, out->file, sizeof out->file);
		if (r <= 0)
			break;
		inode_put(ip);
		if (depth + 1 == SCRIPT_DEPTH)
			return -ELOOP;
	}
	if (r < 0) {
		inode_put(ip);
		return r;
	}
	out->cred = exec_cred(cred, ip, no_new_privs);
	struct domain *d = out->cred ? domain_create() : NULL;
	if (!d) {
		inode_put(ip);
		cred_put(out->cred);
		return -ENOMEM;
	}
	out->dom = d;
	out->secure = out->cred->euid != out->cred->uid || out->cred->egid != out->cred->gid;
	/* A program its runner may not read keeps its memory from them too (Linux's would_dump). */
	out->dumpable = !out->secure && vfs_permission(ip, MAY_READ, cred) == 0;
	struct exec_image img;
	r = elf_load(ip, d, &img);
	inode_put(ip);
	if (r < 0) {
		exec_new_put(out);
		return r;
	}
	d->brk_start = d->brk = img.brk;
	img.vdso = vdso_map(d); /* optional: without it, time goes through system calls */
	vaddr_t rsp = exec_setup_stack(d, &img, args, out);
	if (!rsp) {
		exec_new_put(out);
		return -E2BIG;
	}
	out->entry = img.entry;
	out->sp = rsp;
	return 0;
}
