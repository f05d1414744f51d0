/*
 * Control messages at SOL_SOCKET (cmsg(3), unix(7)): SCM_RIGHTS and
 * SCM_CREDENTIALS read from sendmsg's control buffer into a struct scm,
 * and written into recvmsg's with the descriptors installed in the
 * receiver's table, truncated as Linux truncates them (put_cmsg,
 * scm_detach_fds). Buffers are kernel copies; sys_socket.c moves them.
 * An scm belongs to the call that made it; no locks.
 */
#include "net/net.h"
#include "fs/fdtable.h"
#include "fs/fsproc.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "lib/errno.h"
#include "lib/kernel.h"

void scm_destroy(struct scm *scm)
{
	for (u32 i = 0; i < scm->nfiles; i++)
		file_put(scm->files[i]);
	kfree(scm->files);
	scm->files = NULL;
	scm->nfiles = 0;
}

static int add_rights(struct scm *scm, const i32 *fds, u32 n)
{
	if (scm->nfiles + n > SCM_MAX_FD)
		return -EINVAL;
	struct file **files = kmalloc((scm->nfiles + n) * sizeof *files);
	if (!files)
		return -ENOMEM;
	if (scm->nfiles)
		memcpy(files, scm->files, scm->nfiles * sizeof *files);
	kfree(scm->files);
	scm->files = files;
	for (u32 i = 0; i < n; i++) {
		struct file *f = fs_fget(fds[i]);
		if (!f)
			return -EBADF;
		scm->files[scm->nfiles++] = f;
	}
	return 0;
}

int scm_parse(struct socket *so, const void *buf, u64 len, struct scm *scm)
{
	const u8 *p = buf;
	u64 off = 0;
	while (len - off >= sizeof(struct linux_cmsghdr)) {
		struct linux_cmsghdr h;
		memcpy(&h, p + off, sizeof h);
		if (h.cmsg_len < sizeof h || h.cmsg_len > len - off)
			return -EINVAL;
		const void *data = p + off + sizeof h;
		u64 dlen = h.cmsg_len - sizeof h;
		if (h.cmsg_level == SOL_SOCKET) {
			int r = 0;
			switch (h.cmsg_type) {
			case SCM_RIGHTS:
				if (!so->ops->pass_rights)
					return -EINVAL;
				if (dlen / sizeof(i32) == 0)
					break;
				i32 fds[SCM_MAX_FD];
				if (dlen / sizeof(i32) > SCM_MAX_FD)
					return -EINVAL;
				memcpy(fds, data, dlen / sizeof(i32) * sizeof(i32));
				r = add_rights(scm, fds, (u32)(dlen / sizeof(i32)));
				break;
			case SCM_CREDENTIALS: {
				if (dlen != sizeof(struct linux_ucred))
					return -EINVAL;
				struct linux_ucred c;
				memcpy(&c, data, sizeof c);
				/*
				 * As unix(7) and Linux's scm_check_creds: one's own pid
				 * (or CAP_SYS_ADMIN), one's real, effective or saved
				 * uid (or CAP_SETUID), and the same for gid (CAP_SETGID).
				 */
				const struct cred *cr = cur_cred();
				u32 uid = c.uid, gid = c.gid;
				if ((u32)c.pid != cur_pid() && !cred_capable(cr, CAP_SYS_ADMIN))
					return -EPERM;
				if (uid != cr->uid && uid != cr->euid && uid != cr->suid &&
				    !cred_capable(cr, CAP_SETUID))
					return -EPERM;
				if (gid != cr->gid && gid != cr->egid && gid != cr->sgid &&
				    !cred_capable(cr, CAP_SETGID))
					return -EPERM;
				scm->creds = c;
				scm->creds_set = true;
				break;
			}
			default:
				return -EINVAL;
			}
			if (r < 0)
				return r;
		}
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

/* One control message into buf at *off (cap bytes in all), truncated as put_cmsg truncates. */
static void put_cmsg_level(void *buf, u64 cap, u64 *off, int level, int type, const void *data,
			   u64 dlen, u32 *flags)
{
	u64 room = cap - *off;
	if (room < sizeof(struct linux_cmsghdr)) {
		*flags |= MSG_CTRUNC;
		return;
	}
	u64 cmlen = CMSG_LEN(dlen);
	if (room < cmlen) {
		*flags |= MSG_CTRUNC;
		cmlen = room;
	}
	struct linux_cmsghdr h = {.cmsg_len = cmlen, .cmsg_level = level, .cmsg_type = type};
	u8 *p = (u8 *)buf + *off;
	memcpy(p, &h, sizeof h);
	memcpy(p + sizeof h, data, cmlen - sizeof h);
	*off += MIN(CMSG_SPACE(dlen), room);
}

static void put_cmsg(void *buf, u64 cap, u64 *off, int type, const void *data, u64 dlen,
		     u32 *flags)
{
	put_cmsg_level(buf, cap, off, SOL_SOCKET, type, data, dlen, flags);
}

u64 cmsg_put(void *buf, u64 cap, u64 off, int level, int type, const void *data, u64 dlen,
	     u32 *flags)
{
	if (off > cap)
		return off;
	put_cmsg_level(buf, cap, &off, level, type, data, dlen, flags);
	return off;
}

u64 scm_put(struct scm *scm, bool creds, u32 *flags, void *buf, u64 cap)
{
	u64 off = 0;
	if (!buf) {
		if ((creds && scm->creds_set) || scm->nfiles)
			*flags |= MSG_CTRUNC;
		scm_destroy(scm);
		return 0;
	}
	if (creds && scm->creds_set)
		put_cmsg(buf, cap, &off, SCM_CREDENTIALS, &scm->creds, sizeof scm->creds, flags);
	if (!scm->nfiles)
		return off;
	u64 room = cap - off;
	u32 fdmax = room <= sizeof(struct linux_cmsghdr)
			    ? 0
			    : (u32)MIN((room - sizeof(struct linux_cmsghdr)) / sizeof(i32), (u64)scm->nfiles);
	bool cloexec = *flags & MSG_CMSG_CLOEXEC;
	i32 *fds = (i32 *)((u8 *)buf + off + sizeof(struct linux_cmsghdr));
	u32 i;
	for (i = 0; i < fdmax; i++) {
		int fd = fd_alloc(fs_files(), scm->files[i], 0, cloexec);
		if (fd < 0)
			break;
		scm->files[i] = NULL; /* the table holds it now */
		memcpy(&fds[i], &fd, sizeof fd);
	}
	if (i > 0) {
		struct linux_cmsghdr h = {.cmsg_len = CMSG_LEN(i * sizeof(i32)),
					  .cmsg_level = SOL_SOCKET,
					  .cmsg_type = SCM_RIGHTS};
		memcpy((u8 *)buf + off, &h, sizeof h);
		off += MIN(CMSG_SPACE(i * sizeof(i32)), room);
	}
	if (i < scm->nfiles)
		*flags |= MSG_CTRUNC;
	for (u32 j = 0; j < scm->nfiles; j++)
		file_put(scm->files[j]); /* those that did not fit (NULL for the installed) */
	kfree(scm->files);
	scm->files = NULL;
	scm->nfiles = 0;
	return off;
}

void scm_undo(const void *buf, u64 len)
{
	const u8 *p = buf;
	u64 off = 0;
	while (len - off >= sizeof(struct linux_cmsghdr)) {
		struct linux_cmsghdr h;
		memcpy(&h, p + off, sizeof h);
		if (h.cmsg_len < sizeof h || h.cmsg_len > len - off)
			break;
		if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS) {
			for (u64 i = 0; i < (h.cmsg_len - sizeof h) / sizeof(i32); i++) {
				i32 fd;
				memcpy(&fd, p + off + sizeof h + i * sizeof fd, sizeof fd);
				fd_close(fs_files(), fd);
			}
		}
		off += CMSG_ALIGN(h.cmsg_len);
	}
}
