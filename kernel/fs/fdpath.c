/*
 * Names of open files, for /proc/<pid>/fd. A file keeps the path it was
 * opened by (and the directory a relative path started from); its name is
 * that path made absolute and cleaned of ".", ".." and doubled slashes,
 * without looking at the disk again. Like Linux's, the name is what the
 * file was opened as: a later rename is not seen. A directory is named by
 * where it is now (vfs_getcwd).
 */
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

void vfs_file_named(struct file *f, const char *path, struct inode *start)
{
	size_t n = strlen(path);
	char *name = kmalloc(n + 1);
	if (!name)
		return; /* it stays unnamed: /proc shows what it is, not where */
	memcpy(name, path, n + 1);
	f->name = name;
	f->name_dir = path[0] == '/' || !start ? NULL : inode_get(start);
}

/* Rewrite the absolute path in s (NUL-terminated) without ".", ".." and "//"; its length. */
static size_t clean_path(char *s)
{
	size_t out = 0, i = 0;
	while (s[i]) {
		while (s[i] == '/')
			i++;
		size_t start = i;
		while (s[i] && s[i] != '/')
			i++;
		size_t len = i - start;
		if (len == 0 || (len == 1 && s[start] == '.'))
			continue;
		if (len == 2 && s[start] == '.' && s[start + 1] == '.') {
			while (out > 0 && s[out - 1] != '/')
				out--;
			if (out > 0)
				out--; /* the slash before the dropped component */
			continue;
		}
		s[out++] = '/';
		memmove(s + out, s + start, len);
		out += len;
	}
	if (out == 0)
		s[out++] = '/';
	s[out] = 0;
	return out;
}

ssize_t vfs_file_path(struct file *f, char *buf, size_t len)
{
	char *tmp = kmalloc(PATH_MAX * 2);
	if (!tmp)
		return -ENOMEM;
	ssize_t r;
	if (S_ISDIR(f->ip->mode)) {
		r = vfs_getcwd(f->ip, tmp, PATH_MAX * 2);
		r = r > 0 ? r - 1 : r;
	} else if (f->name) {
		r = 0;
		if (f->name_dir) {
			r = vfs_getcwd(f->name_dir, tmp, PATH_MAX);
			if (r > 0)
				tmp[r - 1] = '/';
		}
		if (r >= 0) {
			size_t n = MIN(strlen(f->name), PATH_MAX * 2 - 1 - (size_t)r);
			memcpy(tmp + r, f->name, n);
			tmp[r + (ssize_t)n] = 0;
			r = (ssize_t)clean_path(tmp);
		}
	} else {
		/* As Linux names them: pipe:[ino], socket:[ino], anon_inode:[eventfd]... */
		if (S_ISFIFO(f->ip->mode) || S_ISSOCK(f->ip->mode))
			r = snprintf(tmp, PATH_MAX, "%s:[%lu]", S_ISFIFO(f->ip->mode) ? "pipe" : "socket",
				     f->ip->ino);
		else
			r = snprintf(tmp, PATH_MAX, "anon_inode:[%s]",
				     f->ip->sb && f->ip->sb->fstype ? f->ip->sb->fstype : "?");
	}
	if (r >= 0) {
		r = MIN((size_t)r, len);
		memcpy(buf, tmp, (size_t)r);
	}
	kfree(tmp);
	return r;
}
