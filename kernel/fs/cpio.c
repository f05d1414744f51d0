/*
 * cpio newc unpacker (see cpio.h). The archive is untrusted input
 * (invariant 6): every offset is checked against the archive's size before
 * it is read, and every field against what it may hold.
 *
 * newc layout: a 110-byte ASCII header (magic, then 13 fields of 8 hex
 * digits), the NUL-terminated name, padding to a multiple of 4, the data,
 * padding to a multiple of 4. "TRAILER!!!" ends an archive; archives may
 * be concatenated, with zero bytes between them.
 *
 * Runs at boot on one core, before any user process: nothing to lock.
 */
#include "fs/cpio.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define HDR_LEN 110
#define TRAILER "TRAILER!!!"

enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
       F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, NFIELDS };

static const char *const field_names[NFIELDS] = {
	"ino", "mode", "uid", "gid", "nlink", "mtime", "filesize", "devmajor", "devminor",
	"rdevmajor", "rdevminor", "namesize", "check",
};

struct hardlink {
	u32 ino, devmajor, devminor;
	struct inode *ip; /* a reference */
};

struct unpacker {
	const u8 *base;
	size_t size;
	struct inode *root;
	struct cpio_result *res;
	struct hardlink *links; /* files with nlink > 1 seen so far */
	u32 nlinks, cap;
	char *path;             /* the current entry's name, normalised */
};

static int fail(struct unpacker *u, u64 off, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct unpacker *u, u64 off, int err, const char *fmt, ...)
{
	char why[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	u->res->offset = off;
	snprintf(u->res->msg, sizeof u->res->msg, "cpio: entry at offset %lu: %s", (u64)off, why);
	return err;
}

static int hexval(u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The 13 fields after the magic; -1 (and the field's index in *bad) on a non-hex digit. */
static int parse_fields(const u8 *h, u32 f[NFIELDS], int *bad)
{
	for (int i = 0; i < NFIELDS; i++) {
		u32 v = 0;
		for (int j = 0; j < 8; j++) {
			int d = hexval(h[6 + i * 8 + j]);
			if (d < 0) {
				*bad = i;
				return -1;
			}
			v = (v << 4) | (u32)d;
		}
		f[i] = v;
	}
	return 0;
}

/*
 * Strip leading "/" and "./" so every name is relative to root; refuse
 * ".." components (an archive may not climb out of where it is unpacked).
 * Returns the normalised name ("" for the root itself) or NULL.
 */
static const char *normalise(char *name)
{
	for (;;) {
		if (name[0] == '/')
			name++;
		else if (name[0] == '.' && name[1] == '/')
			name += 2;
		else
			break;
	}
	if (name[0] == '.' && name[1] == 0)
		return "";
	size_t n = strlen(name);
	while (n && name[n - 1] == '/')
		name[--n] = 0;
	for (const char *p = name; *p;) {
		const char *e = p;
		while (*e && *e != '/')
			e++;
		if (e - p == 2 && p[0] == '.' && p[1] == '.')
			return NULL;
		p = *e ? e + 1 : e;
	}
	return name;
}

/* mkdir -p of every directory above name (archives may leave them out). */
static int make_parents(struct unpacker *u, const char *name)
{
	char *buf = kmalloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	for (const char *p = strchr(name, '/'); p; p = strchr(p + 1, '/')) {
		size_t n = (size_t)(p - name);
		memcpy(buf, name, n);
		buf[n] = 0;
		r = vfs_mkdirat(u->root, buf, 0755);
		if (r == -EEXIST)
			r = 0;
		if (r < 0)
			break;
	}
	kfree(buf);
	return r;
}

/* Later entries replace earlier ones (as Linux's initramfs does); directories stay. */
static int remove_old(struct unpacker *u, const char *name)
{
	int r = vfs_unlinkat(u->root, name, false);
	return r == -ENOENT ? 0 : r;
}

static void set_attrs(struct inode *ip, const u32 *f)
{
	spin_lock(&ip->lock);
	ip->mode = (ip->mode & S_IFMT) | (f[F_MODE] & S_IALLUGO);
	ip->uid = f[F_UID];
	ip->gid = f[F_GID];
	ip->mtime = ip->ctime = (struct kts){f[F_MTIME], 0};
	spin_unlock(&ip->lock);
}

static int write_data(struct inode *ip, const u8 *data, size_t n)
{
	int r = vfs_truncate(ip, 0);
	if (r < 0 || n == 0)
		return r;
	struct uio uio;
	uio_init_kernel(&uio, (void *)data, n);
	u64 end;
	ssize_t w = ip->ops->write(ip, &uio, 0, false, &end);
	if (w < 0)
		return (int)w;
	return (size_t)w == n ? 0 : -ENOSPC;
}

static struct hardlink *find_link(struct unpacker *u, const u32 *f)
{
	for (u32 i = 0; i < u->nlinks; i++) {
		struct hardlink *h = &u->links[i];
		if (h->ino == f[F_INO] && h->devmajor == f[F_DEVMAJOR] && h->devminor == f[F_DEVMINOR])
			return h;
	}
	return NULL;
}

static int remember_link(struct unpacker *u, const u32 *f, struct inode *ip)
{
	if (u->nlinks == u->cap) {
		u32 cap = u->cap ? u->cap * 2 : 16;
		struct hardlink *n = kmalloc(cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		if (u->nlinks)
			memcpy(n, u->links, u->nlinks * sizeof *n);
		kfree(u->links);
		u->links = n;
		u->cap = cap;
	}
	u->links[u->nlinks++] = (struct hardlink){f[F_INO], f[F_DEVMAJOR], f[F_DEVMINOR],
						  inode_get(ip)};
	return 0;
}

static int make_file(struct unpacker *u, const char *name, const u32 *f, const u8 *data)
{
	struct hardlink *h = f[F_NLINK] > 1 ? find_link(u, f) : NULL;
	if (h) {
		/* Another name of a file already unpacked; newc puts the data on one of them. */
		struct nameidata nd;
		int r = path_walk(u->root, name, LOOKUP_PARENT, &nd);
		if (r < 0)
			return r;
		r = nd.ip || nd.last_type != LAST_NORM ? -EEXIST
							: nd.dir->ops->link(nd.dir, nd.last, nd.last_len, h->ip);
		nd_put(&nd);
		if (r == 0 && f[F_FILESIZE])
			r = write_data(h->ip, data, f[F_FILESIZE]);
		if (r == 0)
			u->res->hardlinks++;
		return r;
	}
	struct file *file;
	int r = vfs_openat(u->root, name, O_WRONLY | O_CREAT | O_EXCL, f[F_MODE] & S_IALLUGO, &file);
	if (r < 0)
		return r;
	r = write_data(file->ip, data, f[F_FILESIZE]);
	if (r == 0)
		set_attrs(file->ip, f);
	if (r == 0 && f[F_NLINK] > 1)
		r = remember_link(u, f, file->ip);
	file_put(file);
	if (r == 0)
		u->res->files++;
	return r;
}

static int set_attrs_by_name(struct unpacker *u, const char *name, const u32 *f)
{
	struct inode *ip;
	int r = vfs_lookup(u->root, name, 0, &ip);
	if (r < 0)
		return r;
	set_attrs(ip, f);
	inode_put(ip);
	return 0;
}

/* Create one entry whose header and data have been checked. */
static int make_entry(struct unpacker *u, u64 off, const char *name, const u32 *f, const u8 *data)
{
	u32 type = f[F_MODE] & S_IFMT;
	if (name[0] == 0) {
		/* "." : the root itself already exists */
		return type == S_IFDIR ? 0 : fail(u, off, -EINVAL, "'.' is not a directory");
	}
	int r;
	for (int attempt = 0; attempt < 2; attempt++) {
		switch (type) {
		case S_IFDIR:
			r = vfs_mkdirat(u->root, name, f[F_MODE] & 07777);
			if (r == -EEXIST) {
				struct inode *ip;
				r = vfs_lookup(u->root, name, 0, &ip);
				if (r == 0) {
					r = S_ISDIR(ip->mode) ? 0 : -EEXIST;
					inode_put(ip);
				}
			}
			if (r == 0) {
				r = set_attrs_by_name(u, name, f);
				u->res->dirs++;
			}
			break;
		case S_IFREG:
			r = remove_old(u, name);
			if (r == 0)
				r = make_file(u, name, f, data);
			break;
		case S_IFLNK: {
			char *target = kmalloc(f[F_FILESIZE] + 1);
			if (!target)
				return fail(u, off, -ENOMEM, "no memory for a symlink target");
			memcpy(target, data, f[F_FILESIZE]);
			target[f[F_FILESIZE]] = 0;
			r = remove_old(u, name);
			if (r == 0)
				r = vfs_symlinkat(target, u->root, name);
			kfree(target);
			if (r == 0)
				u->res->symlinks++;
			break;
		}
		default: /* device nodes, FIFOs, sockets */
			r = remove_old(u, name);
			if (r == 0)
				r = vfs_mknodat(u->root, name, f[F_MODE] & (S_IFMT | 07777),
						mkdev(f[F_RDEVMAJOR], f[F_RDEVMINOR]));
			if (r == 0) {
				r = set_attrs_by_name(u, name, f);
				u->res->nodes++;
			}
			break;
		}
		if (r != -ENOENT || attempt)
			break;
		/* A directory above it was not in the archive: make it and try again. */
		r = make_parents(u, name);
		if (r < 0)
			break;
	}
	if (r < 0)
		return fail(u, off, r, "cannot create '%s' (error %d)", name, -r);
	return 0;
}

/* Check one header at off and everything it points to; on success *next is the following entry. */
static int one_entry(struct unpacker *u, u64 off, u64 *next, bool *trailer)
{
	const u8 *h = u->base + off;
	if (u->size - off < HDR_LEN)
		return fail(u, off, -EINVAL, "truncated header (%lu bytes left)", (u64)(u->size - off));
	bool crc = memcmp(h, "070702", 6) == 0;
	if (!crc && memcmp(h, "070701", 6) != 0)
		return fail(u, off, -EINVAL, "bad magic (not a newc archive)");
	u32 f[NFIELDS];
	int bad;
	if (parse_fields(h, f, &bad) < 0)
		return fail(u, off, -EINVAL, "field %s is not 8 hex digits", field_names[bad]);

	u64 name_off = off + HDR_LEN;
	u32 namesize = f[F_NAMESIZE];
	if (namesize < 2)
		return fail(u, off, -EINVAL, "name size %u is too small", namesize);
	if (namesize > PATH_MAX)
		return fail(u, off, -EINVAL, "name size %u is longer than PATH_MAX", namesize);
	if (namesize > u->size - name_off)
		return fail(u, off, -EINVAL, "name runs past the end of the archive");
	const char *raw = (const char *)u->base + name_off;
	if (raw[namesize - 1] != 0 || strnlen(raw, namesize) != namesize - 1)
		return fail(u, off, -EINVAL, "name is not a NUL-terminated string of %u bytes",
			    namesize);

	u64 data_off = ALIGN_UP(name_off + namesize, 4);
	u64 size = f[F_FILESIZE];
	*trailer = strcmp(raw, TRAILER) == 0;
	if (*trailer) {
		if (size && (data_off > u->size || size > u->size - data_off))
			return fail(u, off, -EINVAL, "trailer data runs past the end");
		/* The padding after the very last entry may be cut off: nothing follows it. */
		*next = MIN(ALIGN_UP(data_off + size, 4), (u64)u->size);
		return 0;
	}
	if (data_off > u->size || size > u->size - data_off)
		return fail(u, off, -EINVAL, "file size %lu runs past the end of the archive", size);
	*next = ALIGN_UP(data_off + size, 4);
	if (*next > u->size)
		return fail(u, off, -EINVAL, "padding after the data runs past the end");
	const u8 *data = u->base + data_off;

	u32 type = f[F_MODE] & S_IFMT;
	switch (type) {
	case S_IFREG:
		break;
	case S_IFLNK:
		if (size == 0 || size >= PATH_MAX)
			return fail(u, off, -EINVAL, "symlink target of %lu bytes", size);
		if (strnlen((const char *)data, size) != size)
			return fail(u, off, -EINVAL, "symlink target contains a NUL byte");
		break;
	case S_IFDIR:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		if (size)
			return fail(u, off, -EINVAL, "a non-file entry carries %lu bytes of data", size);
		break;
	default:
		return fail(u, off, -EINVAL, "unknown file type in mode 0x%x", f[F_MODE]);
	}
	if (crc) {
		u32 sum = 0;
		for (u64 i = 0; i < size; i++)
			sum += data[i];
		if (sum != f[F_CHECK])
			return fail(u, off, -EINVAL, "checksum 0x%x does not match the data (0x%x)",
				    f[F_CHECK], sum);
	}

	memcpy(u->path, raw, namesize);
	const char *name = normalise(u->path);
	if (!name)
		return fail(u, off, -EINVAL, "name '%s' climbs out with '..'", raw);
	return make_entry(u, off, name, f, data);
}

int cpio_unpack(const void *archive, size_t size, struct inode *root, struct cpio_result *res)
{
	memset(res, 0, sizeof *res);
	struct unpacker u = {.base = archive, .size = size, .root = root, .res = res};
	u.path = kmalloc(PATH_MAX);
	if (!u.path) {
		snprintf(res->msg, sizeof res->msg, "cpio: no memory to unpack");
		return -ENOMEM;
	}
	int r = 0;
	u64 off = 0;
	bool ended = false; /* the last archive read so far had its trailer */
	while (off < size) {
		if (ended) {
			/* Between concatenated archives: zero padding, then maybe another one. */
			while (off < size && u.base[off] == 0)
				off++;
			if (off == size)
				break;
			ended = false;
		}
		u64 next = size;
		bool trailer = false;
		r = one_entry(&u, off, &next, &trailer);
		if (r < 0)
			break;
		ended = trailer;
		off = next;
	}
	if (r == 0 && !ended)
		r = fail(&u, off, -EINVAL, size ? "archive ends without " TRAILER : "empty archive");
	for (u32 i = 0; i < u.nlinks; i++)
		inode_put(u.links[i].ip);
	kfree(u.links);
	kfree(u.path);
	return r;
}
