/*
 * Event descriptors (kernel/event): epoll, eventfd, timerfd and signalfd,
 * files whose only business is readiness. They sit beside ipc, above the
 * file system: they use its files, poll sets and descriptor tables, and
 * reach signals through proc/signal.h.
 *
 * epoll (epoll.c) keeps standing registrations on the wait queues of the
 * files it watches (fs/poll.h, sched/waitq.h): a wake of such a queue
 * puts the item on the set's ready list, so epoll_wait looks only at
 * ready items, whatever the number of idle ones. A file's last close
 * takes it out of every set (file_register_unwatch).
 */
#pragma once

#include "lib/types.h"

struct file;
struct superblock;
struct inode;
struct file_ops;
struct inode_ops;

#define EPOLLIN        0x001
#define EPOLLPRI       0x002
#define EPOLLOUT       0x004
#define EPOLLERR       0x008
#define EPOLLHUP       0x010
#define EPOLLRDNORM    0x040
#define EPOLLRDBAND    0x080
#define EPOLLWRNORM    0x100
#define EPOLLWRBAND    0x200
#define EPOLLMSG       0x400
#define EPOLLRDHUP     0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET        (1u << 31)

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

struct epoll_event {
	u32 events;
	u64 data;
} __attribute__((packed)); /* x86-64's layout: 12 bytes */

/* At boot: epoll registers with the VFS to hear of files' last closes. */
void epoll_init(void);

/* ---- epoll.c, for sys_epoll.c ---- */

struct eventpoll;
/* A new epoll set and its file (flags: O_CLOEXEC is the caller's), or -errno. */
int epoll_new(struct file **out);
/* The set behind an epoll file, or NULL. */
struct eventpoll *file_epoll(struct file *f);
/* epoll_ctl on ep (its file ef) for the target file tf at fd. */
int epoll_ctl_file(struct eventpoll *ep, struct file *ef, int op, int fd, struct file *tf,
		   const struct epoll_event *ev);
/*
 * Up to max ready events into out (kernel memory); 0 if none. With wait,
 * a caller that found none parks until one comes or deadline (0: none)
 * and gets -ERESTART_PARK (the call then runs again: invariant 3).
 */
long epoll_collect(struct eventpoll *ep, struct epoll_event *out, u32 max, bool wait, u64 deadline);

/*
 * An anonymous inode for an event file, embedded in its object: what
 * fstat shows (mode 0600) and /proc/<pid>/fd names as anon_inode:[sb's
 * fstype]; evict frees the object.
 */
void anon_inode_init(struct inode *ip, struct superblock *sb, const struct inode_ops *ops);

/* ---- eventfd.c, for io_uring's completion notification (IORING_REGISTER_EVENTFD) ---- */

/* Is f an eventfd? */
bool file_is_eventfd(struct file *f);
/*
 * Add 1 to f's counter (an eventfd) and wake its readers and pollers, as
 * Linux's eventfd_signal: it never waits; a counter at its top stays there.
 */
void eventfd_signal(struct file *f);

/* ---- inotify.c, for sys_inotify.c ---- */

struct inotify;
/* At boot: inotify registers with the VFS to hear what happens to inodes. */
void inotify_init(void);
/* A new instance and its file (flags: IN_NONBLOCK; O_CLOEXEC is the caller's), or -errno. */
int inotify_new(u32 flags, struct file **out);
/* The instance behind an inotify file, or NULL. */
struct inotify *file_inotify(struct file *f);
/* Watch ip for mask's events (IN_MASK_ADD, IN_MASK_CREATE...): the watch descriptor, or -errno. */
long inotify_watch_add(struct inotify *in, struct inode *ip, u32 mask);
/* End watch wd (IN_IGNORED follows): 0, or -EINVAL for no such watch. */
long inotify_watch_rm(struct inotify *in, i32 wd);
