/*
 * Building a new program image: open the file (a script names the program
 * that runs it: "#!" lines, as Linux reads them), decide whom it runs as
 * (a set-user-ID or set-group-ID program's owner), load it and, for a
 * dynamically linked program, its interpreter, and lay out the initial
 * stack the way Linux does (System V AMD64 ABI 3.4.1): argc, argv[],
 * NULL, envp[], NULL, auxv pairs ending in AT_NULL, then the strings above.
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

/*
 * The stack region's size for RLIMIT_STACK: the soft limit in whole
 * pages, at least STACK_MIN and at most what the slot leaves above the
 * mmap area (an unlimited stack gets that much; it costs nothing until
 * touched).
 */
#define STACK_MIN (64UL << 10)
#define STACK_MAX (1UL << 30)

static u64 stack_size(u64 limit)
{
	if (!limit)
		return STACK_SIZE;
	return MAX(STACK_MIN, MIN(ALIGN_DOWN(limit, PAGE_SIZE), STACK_MAX));
}

vaddr_t exec_setup_stack(struct domain *d, const struct exec_image *img,
			 const struct exec_args *args, const struct exec_new *nw)
{
	vaddr_t top = d->slot_base + SLOT_SIZE - SLOT_VDSO_SIZE - STACK_TOP_GAP;
	u64 size = stack_size(args->stack_limit);
	if (domain_map(d, top - size, size, REGION_READ | REGION_WRITE | REGION_STACK) < 0)
		return 0;

	/* Strings first (highest), then 16 random bytes and the platform name. */
	static const char platform[] = "x86_64";
	size_t execfn_len = strlen(args->path) + 1;
	size_t strings = args->len + execfn_len + sizeof platform + 16;
	u32 nptr = 1 + args->argc + 1 + args->envc + 1; /* argc, argv, NULL, envp, NULL */
	u32 nauxv = 20 * 2;
	size_t table = (nptr + nauxv) * 8;
	size_t total = ALIGN_UP(strings, 16) + ALIGN_UP(table, 16);
	if (total > size / 4) /* as Linux: arguments take at most a quarter of the stack */
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
	    {AT_PAGESZ, PAGE_SIZE},    {AT_BASE, img->interp_base},             {AT_FLAGS, 0},
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

#define SCRIPT_DEPTH_MAX 5   /* interpreters in a chain of scripts, as Linux (then ELOOP) */
#define SHEBANG_LINE_MAX 256 /* Linux's BINPRM_BUF_SIZE: the most of a #! line read */

/*
 * A script ("#!interpreter [arg]" on its first line): args become the
 * interpreter's, as Linux builds them (binfmt_script): the interpreter's
 * path as written, the optional argument (one word: the rest of the line,
 * trimmed), the script's path as execve got it, then the old argv[1..]
 * and the environment. *file: the interpreter to open next. 1 if ip is a
 * script (args rewritten into a new buffer *owned), 0 if not, or -errno.
 */
static int script_args(struct inode *ip, const char *script, struct exec_args *args, char **owned,
		       char *file)
{
	char line[SHEBANG_LINE_MAX + 1];
	ssize_t n = inode_read_kernel(ip, 0, line, SHEBANG_LINE_MAX);
	if (n < 0)
		return (int)n;
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return 0;
	memset(line + n, 0, sizeof line - (size_t)n);
	char *end = memchr(line, '\n', (size_t)n);
	bool cut = !end;
	if (cut)
		end = line + SHEBANG_LINE_MAX - 1; /* Linux keeps 255 bytes of a longer line */
	*end = 0;
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	char *interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	/* Nothing after "#!", or an interpreter's path that does not fit: refused, as Linux. */
	if (p == interp || (cut && p == end))
		return -ENOEXEC;
	if (*p)
		*p++ = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	/* The argument is the rest of the line (a cut one is fine: it may re-read the script). */
	char *arg = p;
	char *e = arg + strlen(arg);
	while (e > arg && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;

	/* The old buffer: argv[0], argv[1..], envp. argv[0] goes. */
	size_t skip = args->argc ? strlen(args->buf) + 1 : 0;
	size_t ilen = strlen(interp) + 1, alen = *arg ? strlen(arg) + 1 : 0,
	       slen = strlen(script) + 1;
	size_t len = ilen + alen + slen + (args->len - skip);
	if (len > EXEC_ARGS_MAX)
		return -E2BIG;
	char *buf = kmalloc(EXEC_ARGS_MAX);
	if (!buf)
		return -ENOMEM;
	size_t o = 0;
	memcpy(buf + o, interp, ilen), o += ilen;
	if (alen)
		memcpy(buf + o, arg, alen), o += alen;
	memcpy(buf + o, script, slen), o += slen;
	memcpy(buf + o, args->buf + skip, args->len - skip), o += args->len - skip;
	u32 argc = (args->argc ? args->argc - 1 : 0) + 2 + (alen ? 1 : 0);
	kfree(*owned);
	*owned = buf;
	args->buf = buf;
	args->len = o;
	args->argc = argc;
	strlcpy(file, interp, PATH_MAX);
	return 1;
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
 * capabilities). Keep-caps ends here. A script's own bits never count:
 * ip is the program that runs it. NULL: no memory.
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
	if (nw->dom)
		domain_put(nw->dom);
	cred_put(nw->cred);
	nw->dom = NULL;
	nw->cred = NULL;
}

int exec_prepare(const struct exec_args *given, const struct cred *cred, bool no_new_privs,
		 struct exec_new *out)
{
	*out = (struct exec_new){0};
	struct exec_args args = *given; /* a script's interpreter gets new arguments */
	char *owned = NULL;             /* their buffer, once rewritten */
	char *file = kmalloc(PATH_MAX), *interp = kmalloc(PATH_MAX);
	struct inode *ip = NULL;
	struct domain *d = NULL;
	int r = file && interp ? 0 : -ENOMEM;
	if (r == 0)
		strlcpy(file, given->path, PATH_MAX);
	/* Scripts first: each names the next file to run, up to Linux's depth. */
	for (int depth = 0; r == 0; depth++) {
		r = vfs_open_exec(file, &ip);
		if (r < 0)
			break;
		r = script_args(ip, depth ? file : given->path, &args, &owned, file);
		if (r <= 0)
			break;
		inode_put(ip);
		ip = NULL;
		r = depth + 1 > SCRIPT_DEPTH_MAX ? -ELOOP : 0;
	}
	struct exec_image img;
	if (r == 0) {
		/* The program file decides the ids (never a script's); who may read it, dumpable. */
		out->cred = exec_cred(cred, ip, no_new_privs);
		out->secure = out->cred &&
			      (out->cred->euid != out->cred->uid || out->cred->egid != out->cred->gid);
		out->dumpable = !out->secure && vfs_permission(ip, MAY_READ, cred) == 0;
		strlcpy(out->file, file, sizeof out->file);
		d = out->cred ? domain_create() : NULL;
		r = d ? 0 : -ENOMEM;
		/* While it runs, the program may not be written (and one open for writing may not run). */
		if (r == 0 && ip->data.ops)
			r = domain_set_exe(d, &ip->data.obj);
		if (r == 0)
			r = elf_load(ip, d, &img, interp);
	}
	if (ip)
		inode_put(ip);
	if (r == 0 && interp[0]) {
		/* A dynamic program: its interpreter (ld.so) runs first, told where the program is. */
		struct inode *lp;
		r = vfs_open_exec(interp, &lp);
		if (r == 0) {
			r = elf_load_interp(lp, d, &img);
			inode_put(lp);
		}
		if (r < 0 && r != -ERESTART_PARK) {
			/* The tag init looks for: it shows the reason to a user whose program will not start. */
			if (r == -ENOENT)
				pr_info("exec: not a loadable program: its interpreter %s is not there\n",
					interp);
			else
				pr_info("exec: not a loadable program: its interpreter %s cannot run "
					"(error %d)\n", interp, -r);
		}
	}
	if (r == 0) {
		d->brk_start = d->brk = img.brk;
		img.vdso = vdso_map(d); /* optional: without it, time goes through system calls */
		vaddr_t rsp = exec_setup_stack(d, &img, &args, out);
		if (!rsp)
			r = -E2BIG;
		out->sp = rsp;
		out->entry = img.interp_entry ? img.interp_entry : img.entry;
	}
	out->dom = d;
	if (r < 0)
		exec_new_put(out);
	kfree(owned);
	kfree(file);
	kfree(interp);
	return r;
}
