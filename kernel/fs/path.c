/*
 * Path lookup: one component at a time from a start directory, with `.`
 * and `..`, mount points in both directions, and symlinks expanded in
 * place in a private copy of the path (at most MAXSYMLINKS per lookup, so
 * loops end in ELOOP). Every directory a name is looked up in must let the
 * caller search it (execute permission), "." and ".." included, as on
 * Linux. Iterative: the kernel stack is one per core and small (invariant
 * 1). Each step holds a reference to the directory it is in; no lock is
 * held between steps.
 */
#include "fs/vfs.h"
#include "fs/fsproc.h"
#include "proc/cur.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static int lookup_child(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	if (!dir->ops->lookup)
		return -ENOTDIR;
	int r = dir->ops->lookup(dir, name, len, out);
	if (r == 0)
		*out = mount_enter(*out);
	return r;
}

/* `..` of cur: the root stays put; a mounted root steps out to the directory it covers first. */
static int step_dotdot(struct inode *cur, struct inode *root, struct inode **out)
{
	if (cur == root) {
		*out = inode_get(cur);
		return 0;
	}
	struct inode *c = mount_leave(inode_get(cur));
	if (c == root) {
		*out = c;
		return 0;
	}
	int r = c->ops->lookup ? c->ops->lookup(c, "..", 2, out) : -ENOTDIR;
	inode_put(c);
	return r;
}

static int component_type(const char *name, size_t len)
{
	if (len == 1 && name[0] == '.')
		return LAST_DOT;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return LAST_DOTDOT;
	return LAST_NORM;
}

void nd_put(struct nameidata *nd)
{
	inode_put(nd->dir);
	inode_put(nd->ip);
	nd->dir = nd->ip = NULL;
}

int path_walk(struct inode *start, const char *path, unsigned flags, struct nameidata *nd)
{
	nd->dir = nd->ip = NULL;
	nd->last[0] = 0;
	nd->last_len = 0;
	nd->last_type = LAST_NORM;
	nd->trailing_slash = false;

	/* No strnlen first: user paths were bounded by their copy, and the walk checks its offset. */
	if (!path[0]) {
		if (!(flags & LOOKUP_EMPTY) || (flags & LOOKUP_PARENT))
			return -ENOENT;
		nd->ip = inode_get(start);
		return 0;
	}
	/* The walk reads path in place; a symlink's expansion goes to buf, made on the first. */
	char *buf = NULL;
	char *link = NULL; /* symlink targets, allocated on the first one */
	int links = 0;
	int err = 0;
	/* The process's root (chroot(2)), or the start for RESOLVE_IN_ROOT. */
	struct inode *root = flags & LOOKUP_IN_ROOT ? inode_get(start) : fs_root_get();
	struct inode *cur = inode_get(path[0] == '/' ? root : start);
	const struct cred *cred = cur_cred();
	const char *p = path, *base = path; /* base: the string p walks (path, or buf) */
	int depth = 0; /* RESOLVE_BENEATH: components below the start */
	if (path[0] == '/' && (flags & LOOKUP_BENEATH))
		err = -EXDEV;
	else if ((flags & LOOKUP_NO_XDEV) && cur->sb != start->sb)
		err = -EXDEV;
	if (err) {
		inode_put(cur);
		inode_put(root);
		return err;
	}

	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			/* Nothing but slashes left: the path names cur itself ("/"). */
			if (flags & LOOKUP_PARENT) {
				nd->dir = cur;
				nd->ip = inode_get(cur);
				nd->last_type = LAST_ROOT;
			} else {
				nd->ip = cur;
			}
			cur = NULL;
			break;
		}
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - name);
		const char *q = p;
		while (*q == '/')
			q++;
		if ((size_t)(q - base) >= PATH_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		bool last = !*q;
		bool slash = last && q != p;
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		if (!S_ISDIR(cur->mode)) {
			err = -ENOTDIR;
			break;
		}
		if ((err = vfs_may_search(cur, cred)) < 0)
			break;
		int type = component_type(name, len);
		struct inode *next = NULL;
		int r;
		if (type == LAST_DOT) {
			next = inode_get(cur);
			r = 0;
		} else if (type == LAST_DOTDOT) {
			r = (flags & LOOKUP_BENEATH) && depth == 0 ? -EXDEV : step_dotdot(cur, root, &next);
		} else {
			r = lookup_child(cur, name, len, &next);
		}
		if (r == 0 && (flags & LOOKUP_NO_XDEV) && next->sb != cur->sb) {
			inode_put(next);
			next = NULL;
			r = -EXDEV;
		}

		bool follow = next && S_ISLNK(next->mode) &&
			      (!last || (flags & LOOKUP_FOLLOW) || (slash && !(flags & LOOKUP_PARENT)));
		if (follow && ((flags & LOOKUP_NO_SYMLINKS) ||
			       ((flags & LOOKUP_NO_MAGICLINKS) && next->ops->follow_to))) {
			inode_put(next);
			err = -ELOOP;
			break;
		}
		if (follow && next->ops->follow_to && (flags & (LOOKUP_BENEATH | LOOKUP_IN_ROOT))) {
			inode_put(next); /* a magic link leads anywhere: not beneath the start */
			err = -EXDEV;
			break;
		}
		if (follow && next->ops->follow_to) {
			/* A magic link: the walk goes on from the file it stands for. */
			struct inode *target = NULL;
			r = ++links > MAXSYMLINKS ? -ELOOP : next->ops->follow_to(next, &target);
			inode_put(next);
			next = r == 0 ? target : NULL;
			follow = false;
		}
		if (last && (flags & LOOKUP_PARENT) && !follow) {
			/* The caller creates, removes or renames this name: a missing one is fine. */
			if (r < 0 && (r != -ENOENT || type != LAST_NORM)) {
				err = r;
				break;
			}
			nd->dir = cur;
			nd->ip = r == 0 ? next : NULL;
			memcpy(nd->last, name, len);
			nd->last[len] = 0;
			nd->last_len = len;
			nd->last_type = type;
			nd->trailing_slash = slash;
			cur = NULL;
			break;
		}
		if (r < 0) {
			err = r;
			break;
		}
		if (follow) {
			/* Replace the link's name by its target; relative targets start in cur. */
			ssize_t tl = -EINVAL;
			if (++links > MAXSYMLINKS)
				tl = -ELOOP;
			else if ((!link && !(link = kmalloc(PATH_MAX))) ||
				 (!buf && !(buf = kmalloc(PATH_MAX))))
				tl = -ENOMEM;
			else if (next->ops->readlink)
				tl = next->ops->readlink(next, link, PATH_MAX);
			inode_put(next);
			if (tl == 0)
				tl = -ENOENT;
			if (tl < 0) {
				err = (int)tl;
				break;
			}
			size_t rest = strlen(q);
			size_t sep = (!last || slash) ? 1 : 0;
			if ((size_t)tl + sep + rest >= PATH_MAX) {
				err = -ENAMETOOLONG;
				break;
			}
			memmove(buf + tl + sep, q, rest + 1); /* q: in path, or in buf already */
			memcpy(buf, link, (size_t)tl);
			if (sep)
				buf[tl] = '/';
			p = base = buf;
			if (buf[0] == '/') {
				if (flags & LOOKUP_BENEATH) {
					err = -EXDEV;
					break;
				}
				inode_put(cur);
				cur = inode_get(root);
				depth = 0;
			}
			continue;
		}
		if (last) {
			if ((slash || (flags & LOOKUP_DIRECTORY)) && !S_ISDIR(next->mode)) {
				inode_put(next);
				err = -ENOTDIR;
				break;
			}
			nd->ip = next;
			break;
		}
		inode_put(cur);
		cur = next;
		p = q;
		depth += type == LAST_NORM ? 1 : type == LAST_DOTDOT ? -1 : 0;
	}
	inode_put(cur);
	inode_put(root);
	kfree(buf);
	kfree(link);
	return err;
}

int vfs_lookup(struct inode *start, const char *path, unsigned flags, struct inode **out)
{
	struct nameidata nd;
	int r = path_walk(start, path, flags & ~LOOKUP_PARENT, &nd);
	if (r < 0)
		return r;
	*out = nd.ip;
	return 0;
}
