/*
 * sysfs (see sysfs.h): the file tree, lookup and readdir over the tables
 * of sysfs_impl.h, and reads, writes and links through their generators.
 *
 * Owns nothing shared but each mount's root inode. Other inodes are made
 * by lookup as I_TRANSIENT, so the last inode_put frees them; each holds
 * a reference to its directory (for ".."). An inode's number is fixed by
 * what it names, the entry and the object's arg, so find and getcwd see
 * the same file each time.
 *
 * Locks: none of its own. Text is made into a kmalloc'd buffer at each
 * read, with whatever locks the generator takes, and copied out with
 * none held; a write is copied in first, then handed to the store.
 */
#include "sysfs/sysfs.h"
#include "sysfs/sysfs_impl.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logonce.h"

static const struct sf_table sf_root_table;
static const struct sf_entry sf_root = {"", S_IFDIR | 0555, .dir = &sf_root_table};

/* readdir positions: 0 ".", 1 "..", then the fixed entries, then the objects. */
#define POS_TABLE 2
#define NAME_CAP 32

struct sf_inode {
	struct inode vfs;
	const struct sf_entry *e; /* [I] what it is */
	u32 arg;		  /* [I] the object it belongs to */
	struct inode *parent;	  /* [I] its directory (a reference); NULL for the root */
};

static const struct inode_ops sf_ops;

static inline struct sf_inode *SI(struct inode *ip)
{
	return container_of(ip, struct sf_inode, vfs);
}

/* Entries are static, so an entry's address names it within the kernel's image. */
static u64 ino_of(const struct sf_entry *e, u32 arg)
{
	return (u64)arg << 32 | (u32)(uintptr_t)e;
}

static bool visible(const struct sf_entry *e, u32 arg)
{
	return !e->visible || e->visible(arg);
}

static size_t table_len(const struct sf_entry *e)
{
	return e->dir ? e->dir->n : 0;
}

/* As Linux: a directory's links are its own two and one from each subdirectory. */
static u32 dir_nlink(const struct sf_entry *e, u32 arg)
{
	u32 n = 2;
	for (size_t i = 0; i < table_len(e); i++)
		n += S_ISDIR(e->dir->e[i].mode) && visible(&e->dir->e[i], arg);
	if (e->each && S_ISDIR(e->child->mode)) {
		char name[NAME_CAP];
		u32 a;
		for (u32 i = 0; e->each(arg, i, &a, name, sizeof name); i++)
			n++;
	}
	return n;
}

static struct inode *sf_new(struct superblock *sb, const struct sf_entry *e, u32 arg,
			    struct inode *parent)
{
	struct sf_inode *si = knew(struct sf_inode);
	if (!si)
		return NULL;
	inode_init(&si->vfs, sb, e->mode, &sf_ops);
	si->vfs.ino = ino_of(e, arg);
	/* nlink is for stat only: I_TRANSIENT decides its life. */
	si->vfs.nlink = S_ISDIR(e->mode) ? dir_nlink(e, arg) : 1;
	si->vfs.size = S_ISREG(e->mode) ? SF_TEXT_SIZE : 0; /* Linux's attributes say a page */
	si->vfs.flags = I_TRANSIENT;
	si->e = e;
	si->arg = arg;
	si->parent = parent ? inode_get(parent) : NULL;
	return &si->vfs;
}

/* ---- directories ---- */

static int sf_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct sf_inode *sd = SI(dir);
	const struct sf_entry *e = sd->e;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = inode_get(sd->parent ? sd->parent : dir->sb->root);
		return 0;
	}
	if (!S_ISDIR(e->mode))
		return -ENOTDIR;
	for (size_t i = 0; i < table_len(e); i++) {
		const struct sf_entry *c = &e->dir->e[i];
		if (strlen(c->name) != len || memcmp(c->name, name, len) != 0 || !visible(c, sd->arg))
			continue;
		*out = sf_new(dir->sb, c, sd->arg, dir);
		return *out ? 0 : -ENOMEM;
	}
	if (!e->each || len >= NAME_CAP)
		return -ENOENT;
	char oname[NAME_CAP];
	u32 arg;
	for (u32 i = 0; e->each(sd->arg, i, &arg, oname, sizeof oname); i++) {
		if (strlen(oname) != len || memcmp(oname, name, len) != 0)
			continue;
		*out = sf_new(dir->sb, e->child, arg, dir);
		return *out ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

static unsigned dtype_of(u32 mode)
{
	return (mode & S_IFMT) >> 12; /* DT_* are the S_IFMT bits shifted down */
}

static int sf_iterate(struct inode *dir, u64 *pos, struct dir_emit *de)
{
	struct sf_inode *sd = SI(dir);
	const struct sf_entry *e = sd->e;
	if (*pos == 0) {
		if (!de->emit(de, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		u64 up = sd->parent ? sd->parent->ino : dir->ino;
		if (!de->emit(de, "..", 2, up, DT_DIR, POS_TABLE))
			return 0;
		*pos = POS_TABLE;
	}
	size_t n = table_len(e);
	for (size_t i = *pos - POS_TABLE; i < n; i++) {
		const struct sf_entry *c = &e->dir->e[i];
		if (visible(c, sd->arg) && !de->emit(de, c->name, strlen(c->name), ino_of(c, sd->arg),
						     dtype_of(c->mode), POS_TABLE + i + 1))
			return 0;
		*pos = POS_TABLE + i + 1;
	}
	if (!e->each)
		return 0;
	char name[NAME_CAP];
	u32 arg;
	for (u32 i = (u32)(*pos - POS_TABLE - n); e->each(sd->arg, i, &arg, name, sizeof name); i++) {
		if (!de->emit(de, name, strlen(name), ino_of(e->child, arg), dtype_of(e->child->mode),
			      POS_TABLE + n + i + 1))
			return 0;
		*pos = POS_TABLE + n + i + 1;
	}
	return 0;
}

/* ---- text ---- */

void sf_printf(struct sf_text *t, const char *fmt, ...)
{
	if (t->len + 1 >= t->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = MIN(t->cap - 1, t->len + (size_t)n); /* cut, never overrun */
}

void sf_print_list(struct sf_text *t, u64 mask, u32 n)
{
	bool first = true;
	for (u32 i = 0; i < n && i < 64; i++) {
		if (!(mask >> i & 1))
			continue;
		u32 j = i;
		while (j + 1 < n && j + 1 < 64 && (mask >> (j + 1) & 1))
			j++;
		sf_printf(t, j > i ? "%s%u-%u" : "%s%u", first ? "" : ",", i, j);
		first = false;
		i = j;
	}
	sf_printf(t, "\n");
}

void sf_print_mask(struct sf_text *t, u64 mask, u32 n)
{
	if (n < 64)
		mask &= (1ULL << n) - 1;
	/* 32-bit words from the highest, the first only as wide as its bits need. */
	u32 words = n ? (n + 31) / 32 : 1;
	for (u32 w = words; w-- > 0;) {
		u32 v = w < 2 ? (u32)(mask >> (32 * w)) : 0;
		u32 bits = w == words - 1 && n % 32 ? n % 32 : 32;
		sf_printf(t, w == words - 1 ? "%0*x" : ",%0*x", (int)((bits + 3) / 4), v);
	}
	sf_printf(t, "\n");
}

/* Run a generator into a fresh buffer; the caller frees t->buf. */
static int generate(int (*gen)(u32, struct sf_text *), u32 arg, struct sf_text *t)
{
	t->len = 0;
	t->cap = SF_TEXT_SIZE;
	t->buf = kmalloc(t->cap);
	if (!t->buf)
		return -ENOMEM;
	t->buf[0] = 0;
	int r = gen(arg, t);
	if (r < 0)
		kfree(t->buf);
	return r;
}

static ssize_t sf_readlink(struct inode *ip, char *buf, size_t len)
{
	const struct sf_entry *e = SI(ip)->e;
	if (!e->link)
		return -EINVAL;
	struct sf_text t;
	int r = generate(e->link, SI(ip)->arg, &t);
	if (r < 0)
		return r;
	size_t n = MIN(t.len, len);
	memcpy(buf, t.buf, n);
	kfree(t.buf);
	return (ssize_t)n;
}

/* ---- open files ---- */

/* As Linux's kernfs: a file opens for reading only if it shows, for writing only if it stores. */
static int sf_open(struct inode *ip, struct file *f)
{
	const struct sf_entry *e = SI(ip)->e;
	if (!S_ISREG(e->mode))
		return 0;
	if (((f->fmode & FMODE_WRITE) && (!(e->mode & 0200) || !e->store)) ||
	    ((f->fmode & FMODE_READ) && (!(e->mode & 0444) || !e->show)))
		return -EACCES;
	return 0;
}

static ssize_t sf_read(struct file *f, struct uio *u, u64 *pos)
{
	struct sf_inode *si = SI(f->ip);
	if (!S_ISREG(si->e->mode))
		return -EISDIR;
	if (!si->e->show)
		return -EIO;
	struct sf_text t;
	int r = generate(si->e->show, si->arg, &t);
	if (r < 0)
		return r;
	ssize_t done = 0;
	if (*pos < t.len) {
		size_t before = u->resid;
		r = uio_copy_out(u, t.buf + *pos, MIN(u->resid, t.len - *pos));
		done = (ssize_t)(before - u->resid);
		*pos += (u64)done;
	}
	kfree(t.buf);
	return done ? done : r < 0 ? r : 0;
}

/* Each write is one store of what it carries (at most a page), wherever the offset is, as Linux. */
static ssize_t sf_write(struct file *f, struct uio *u, u64 *pos)
{
	struct sf_inode *si = SI(f->ip);
	if (!si->e->store)
		return -EIO;
	size_t len = MIN(u->resid, (size_t)SF_TEXT_SIZE - 1);
	if (!len)
		return 0;
	char *buf = kmalloc(len + 1);
	if (!buf)
		return -ENOMEM;
	int r = uio_copy_in(u, buf, len);
	if (r == 0) {
		buf[len] = 0;
		r = si->e->store(si->arg, buf, len);
	}
	kfree(buf);
	if (r < 0)
		return r;
	*pos += len;
	return (ssize_t)len;
}

/* O_TRUNC does nothing to a writable attribute (echo 1 > online), as on Linux. */
static int sf_truncate(struct inode *ip, u64 size)
{
	return SI(ip)->e->store ? 0 : -EACCES;
}

static void sf_evict(struct inode *ip)
{
	struct inode *parent = SI(ip)->parent;
	kfree(SI(ip));
	if (parent)
		inode_put(parent);
}

static const struct file_ops sf_fops = {
	.read = sf_read,
	.write = sf_write,
	.open = sf_open,
};

static const struct inode_ops sf_ops = {
	.lookup = sf_lookup,
	.iterate = sf_iterate,
	.readlink = sf_readlink,
	.truncate = sf_truncate,
	.evict = sf_evict,
	.fops = &sf_fops,
};

/* ---- the tree's trunk; its branches are in sysfs_cpu.c, sysfs_block.c, sysfs_net.c ---- */

#define DIR_MODE (S_IFDIR | 0755)

static const struct sf_entry system_entries[] = {
	{"cpu", DIR_MODE, .dir = &sf_cpu_table, .each = sf_cpu_each, .child = &sf_cpu_child},
};

static const struct sf_entry virtual_entries[] = {
	{"block", DIR_MODE, .each = sf_disk_each, .child = &sf_disk_child},
	{"net", DIR_MODE, .each = sf_netif_each, .child = &sf_netif_child},
};

static const struct sf_entry devices_entries[] = {
	{"system", DIR_MODE, .dir = SF_TABLE(system_entries)},
	{"virtual", DIR_MODE, .dir = SF_TABLE(virtual_entries)},
};

static const struct sf_entry class_entries[] = {
	{"block", DIR_MODE, .each = sf_blockdev_each, .child = &sf_disk_class_link},
	{"net", DIR_MODE, .each = sf_netif_each, .child = &sf_netif_class_link},
};

static const struct sf_entry dev_entries[] = {
	{"block", DIR_MODE, .each = sf_blockdev_num_each, .child = &sf_disk_dev_link},
};

static const struct sf_entry root_entries[] = {
	{"block", DIR_MODE, .each = sf_disk_each, .child = &sf_disk_block_link},
	{"class", DIR_MODE, .dir = SF_TABLE(class_entries)},
	{"dev", DIR_MODE, .dir = SF_TABLE(dev_entries)},
	{"devices", DIR_MODE, .dir = SF_TABLE(devices_entries)},
};

static const struct sf_table sf_root_table = {root_entries, ARRAY_SIZE(root_entries)};

/* ---- mounts ---- */

static void sysfs_destroy(struct superblock *sb)
{
	kfree(SI(sb->root));
	kfree(sb);
}

struct superblock *sysfs_create(void)
{
	struct superblock *sb = knew(struct superblock);
	if (!sb)
		return NULL;
	sb->fstype = "sysfs";
	sb->maxbytes = 1ULL << 40; /* lseek's limit, as procfs's; reads past the text find its end */
	sb->dev = vfs_anon_dev();
	sb->destroy = sysfs_destroy;
	struct inode *root = sf_new(sb, &sf_root, 0, NULL);
	if (!root) {
		kfree(sb);
		return NULL;
	}
	root->flags = 0; /* the root lives as long as the superblock, which holds this reference */
	sb->root = root;
	return sb;
}

static int mount_sysfs(const char *source, bool rdonly, const char *options,
		       struct superblock **out)
{
	if (options && *options) {
		syscall_unsupported("sysfs mount options");
		return -EINVAL;
	}
	*out = sysfs_create();
	if (*out)
		(*out)->rdonly = rdonly;
	return *out ? 0 : -ENOMEM;
}

FSTYPE(sysfs, "sysfs", mount_sysfs);
