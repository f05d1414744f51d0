/*
 * The Linux x86-64 socket ABI: address families, socket types, MSG_*
 * flags, SOL_SOCKET options, control messages and the structures the
 * socket calls copy (socket(7), unix(7), cmsg(3), sendmmsg(2)). Numbers
 * and layouts are the ABI; nothing here is Ferry's choice. Constants and
 * layouts only: no data, no locks.
 */
#pragma once

#include "lib/types.h"

/* Address families (socket.h); AF_MAX bounds the table. */
#define AF_UNSPEC  0
#define AF_UNIX    1
#define AF_INET    2
#define AF_INET6   10
#define AF_NETLINK 16
#define AF_PACKET  17
#define AF_MAX     46

/* Socket types, and the flags socket(2) and accept4(2) take with them. */
#define SOCK_STREAM    1
#define SOCK_DGRAM     2
#define SOCK_RAW       3
#define SOCK_RDM       4
#define SOCK_SEQPACKET 5
#define SOCK_DCCP      6
#define SOCK_PACKET    10
#define SOCK_MAX       11
#define SOCK_TYPE_MASK 0xf
#define SOCK_CLOEXEC   02000000 /* O_CLOEXEC */
#define SOCK_NONBLOCK  04000    /* O_NONBLOCK */

#define SOMAXCONN 4096 /* listen(2)'s backlog is capped here (net.core.somaxconn) */

/* shutdown(2) */
#define SHUT_RD   0
#define SHUT_WR   1
#define SHUT_RDWR 2

/* send and receive flags */
#define MSG_OOB          0x1
#define MSG_PEEK         0x2
#define MSG_DONTROUTE    0x4
#define MSG_CTRUNC       0x8
#define MSG_TRUNC        0x20
#define MSG_DONTWAIT     0x40
#define MSG_EOR          0x80
#define MSG_ERRQUEUE     0x2000
#define MSG_WAITALL      0x100
#define MSG_NOSIGNAL     0x4000
#define MSG_MORE         0x8000
#define MSG_WAITFORONE   0x10000
#define MSG_CMSG_CLOEXEC 0x40000000

/* setsockopt levels */
#define SOL_SOCKET 1

/* SOL_SOCKET options (asm-generic/socket.h, as x86-64 uses them) */
#define SO_DEBUG        1
#define SO_REUSEADDR    2
#define SO_TYPE         3
#define SO_ERROR        4
#define SO_DONTROUTE    5
#define SO_BROADCAST    6
#define SO_SNDBUF       7
#define SO_RCVBUF       8
#define SO_KEEPALIVE    9
#define SO_OOBINLINE    10
#define SO_NO_CHECK     11
#define SO_PRIORITY     12
#define SO_LINGER       13
#define SO_BSDCOMPAT    14
#define SO_REUSEPORT    15
#define SO_PASSCRED     16
#define SO_PEERCRED     17
#define SO_RCVLOWAT     18
#define SO_SNDLOWAT     19
#define SO_RCVTIMEO_OLD 20
#define SO_SNDTIMEO_OLD 21
#define SO_PEERNAME     28
#define SO_ACCEPTCONN   30
#define SO_SNDBUFFORCE  32
#define SO_RCVBUFFORCE  33
#define SO_MARK         36
#define SO_PROTOCOL     38
#define SO_DOMAIN       39
#define SO_COOKIE       57
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67

/* Control messages at SOL_SOCKET */
#define SCM_RIGHTS      1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD      253 /* descriptors in one message */

/* ioctls every socket answers (sockios.h) */
#define SIOCINQ  0x541B /* FIONREAD */
#define SIOCOUTQ 0x5411 /* TIOCOUTQ */

struct linux_sockaddr {
	u16 sa_family;
	char sa_data[14];
};

/* Big enough for any family's address (sockaddr_storage). */
#define SOCKADDR_MAX 128
struct sockaddr_storage {
	u16 ss_family;
	char data[SOCKADDR_MAX - 2];
} __attribute__((aligned(8)));

#define UNIX_PATH_MAX 108
struct sockaddr_un {
	u16 sun_family;
	char sun_path[UNIX_PATH_MAX];
};

struct linux_iovec64 {
	u64 base;
	u64 len;
};

struct linux_msghdr {
	u64 msg_name;
	u32 msg_namelen;
	u32 pad0;
	u64 msg_iov;
	u64 msg_iovlen;
	u64 msg_control;
	u64 msg_controllen;
	i32 msg_flags;
	u32 pad1;
};

struct linux_mmsghdr {
	struct linux_msghdr hdr;
	u32 msg_len;
	u32 pad;
};

struct linux_cmsghdr {
	u64 cmsg_len; /* header and data, unaligned */
	i32 cmsg_level;
	i32 cmsg_type;
};

#define CMSG_ALIGN(n) (((n) + 7UL) & ~7UL)
#define CMSG_LEN(n)   (sizeof(struct linux_cmsghdr) + (n))
#define CMSG_SPACE(n) (sizeof(struct linux_cmsghdr) + CMSG_ALIGN(n))

struct linux_ucred {
	i32 pid;
	u32 uid;
	u32 gid;
};

struct linux_linger {
	i32 l_onoff;
	i32 l_linger;
};

/* SO_RCVTIMEO/SO_SNDTIMEO: x86-64's old timeval and the new one have one layout. */
struct linux_sock_timeval {
	i64 tv_sec;
	i64 tv_usec;
};
