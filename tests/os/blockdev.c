/*
 * blockdev: block-device files and loop devices (loop(4)), the same on
 * Ferry and Linux. A file backs a loop device got from /dev/loop-control;
 * through it: the BLK* ioctls, read, write, pread/pwrite at odd offsets,
 * lseek, fsync (then the file holds the bytes), offset and size limit
 * (LOOP_SET_STATUS64, LOOP_CONFIGURE), read-only binding, BLKROSET
 * (root's only), BLKZEROOUT and its range errors, O_EXCL, a node
 * made by mknod, and the errors: an unbound device, a directory or the
 * device itself (a loop) as backing, absurd offsets, ioctls on a file
 * that is no block device, a number no driver has, and the backing file
 * closed while in use; as another user, mknod of a device (EPERM) and
 * loop-control (EPERM). On Ferry only (Linux's would touch the host's
 * swap): a device swapped on is claimed, O_EXCL is EBUSY. Skips itself
 * where there are no loop devices (not root, a container without them).
 *
 * "blockdev DISK PART" (tests/blockdev.sh, on a scratch disk and a
 * partition of it that holds nothing) checks those instead: sizes,
 * HDIO_GETGEO's start, a write through the partition read back through
 * the disk at the partition's offset, and the claims they share (O_EXCL,
 * BLKRRPART while a partition is open).
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "tuser.h"

/* <linux/fs.h> and <linux/loop.h> (musl has no kernel headers). */
#define BLKROSET 0x125d
#define BLKROGET 0x125e
#define BLKRRPART 0x125f
#define BLKGETSIZE 0x1260
#define BLKFLSBUF 0x1261
#define BLKSSZGET 0x1268
#define BLKGETSIZE64 0x80081272
#define BLKPBSZGET 0x127b
#define BLKDISCARD 0x1277
#define BLKZEROOUT 0x127f
#define LOOP_SET_FD 0x4C00
#define LOOP_CLR_FD 0x4C01
#define LOOP_SET_STATUS64 0x4C04
#define LOOP_GET_STATUS64 0x4C05
#define LOOP_SET_STATUS 0x4C02
#define LOOP_GET_STATUS 0x4C03
#define LOOP_CHANGE_FD 0x4C06
#define LOOP_SET_CAPACITY 0x4C07
#define LOOP_SET_DIRECT_IO 0x4C08
#define LOOP_SET_BLOCK_SIZE 0x4C09
#define LOOP_CONFIGURE 0x4C0A
#define LOOP_CTL_ADD 0x4C80
#define LOOP_CTL_REMOVE 0x4C81
#define LOOP_CTL_GET_FREE 0x4C82
#define LO_FLAGS_READ_ONLY 1
#define LO_FLAGS_PARTSCAN 8

/* struct loop_info: x86-64's __kernel_old_dev_t is an unsigned long. */
struct loop_info_old {
	int lo_number;
	unsigned long lo_device, lo_inode, lo_rdevice;
	int lo_offset, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	char lo_name[64];
	unsigned char lo_encrypt_key[32];
	unsigned long lo_init[2];
	char reserved[4];
};

struct loop_info64 {
	uint64_t lo_device, lo_inode, lo_rdevice, lo_offset, lo_sizelimit;
	uint32_t lo_number, lo_encrypt_type, lo_encrypt_key_size, lo_flags;
	uint8_t lo_file_name[64], lo_crypt_name[64], lo_encrypt_key[32];
	uint64_t lo_init[2];
};

struct loop_config {
	uint32_t fd, block_size;
	struct loop_info64 info;
	uint64_t reserved[8];
};

#define IMG_SIZE (1024 * 1024)

static char img[128], dir[128];
static int ctl = -1;

/* Byte i of the backing file. */
static unsigned char pat(long i)
{
	return (unsigned char)(i * 7 + (i >> 9));
}

static int make_image(void)
{
	int fd = open(img, O_CREAT | O_RDWR | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	static unsigned char buf[IMG_SIZE];
	for (long i = 0; i < IMG_SIZE; i++)
		buf[i] = pat(i);
	int ok = write(fd, buf, IMG_SIZE) == IMG_SIZE;
	close(fd);
	return ok ? 0 : -1;
}

/* A free loop device, opened with flags: its fd, *num its number; -1 if none. */
static int get_loop(int flags, int *num)
{
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0)
		return -1;
	char path[32];
	snprintf(path, sizeof path, "/dev/loop%d", n);
	*num = n;
	return open(path, flags);
}

/*
 * After LOOP_CLR_FD: Linux (6.x) lets the file go at the device's last
 * close, Ferry at once when nobody else has it open; closed and opened
 * again, it is unbound on both.
 */
static int reopen(int fd, int num)
{
	char path[32];
	snprintf(path, sizeof path, "/dev/loop%d", num);
	close(fd);
	return open(path, O_RDWR);
}

static const char *path_of(int num)
{
	static char path[32];
	snprintf(path, sizeof path, "/dev/loop%d", num);
	return path;
}

/* /sys/block/loopN/loop/NAME's first line into buf, without its newline; 0 if it cannot be read. */
static int sys_attr(int num, const char *name, char *buf, size_t cap)
{
	char p[96];
	snprintf(p, sizeof p, "/sys/block/loop%d/loop/%s", num, name);
	int fd = open(p, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 1;
}

static uint64_t size64(int fd)
{
	uint64_t s = (uint64_t)-1;
	return ioctl(fd, BLKGETSIZE64, &s) == 0 ? s : (uint64_t)-1;
}

static int same_as_file(int fd, off_t dev_off, off_t file_off, size_t len)
{
	unsigned char a[8192];
	if (len > sizeof a || pread(fd, a, len, dev_off) != (ssize_t)len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (a[i] != pat(file_off + (long)i))
			return 0;
	return 1;
}

static void check_not_block(void)
{
	int fd = open(img, O_RDONLY);
	uint64_t s;
	int v;
	CHECK_ERR(ioctl(fd, BLKGETSIZE64, &s), ENOTTY, "BLKGETSIZE64 on a regular file is ENOTTY");
	CHECK_ERR(ioctl(fd, LOOP_SET_FD, fd), ENOTTY, "LOOP_SET_FD on a regular file is ENOTTY");
	int p[2];
	if (pipe(p) == 0) {
		CHECK_ERR(ioctl(p[0], BLKSSZGET, &v), ENOTTY, "BLKSSZGET on a pipe is ENOTTY");
		close(p[0]);
		close(p[1]);
	}
	close(fd);
	CHECK_ERR(ioctl(ctl, BLKGETSIZE64, &s), ENOSYS,
		  "BLKGETSIZE64 on /dev/loop-control is ENOSYS, as Linux");
}

static void check_unbound(int lfd, int num)
{
	struct loop_info64 li;
	CHECK_ERR(ioctl(lfd, LOOP_GET_STATUS64, &li), ENXIO,
		  "LOOP_GET_STATUS64 of an unbound device is ENXIO");
	CHECK_ERR(ioctl(lfd, LOOP_CLR_FD, 0), ENXIO, "LOOP_CLR_FD of an unbound device is ENXIO");
	CHECK(size64(lfd) == 0, "an unbound device has no bytes");
	char c;
	CHECK(read(lfd, &c, 1) == 0, "reading an unbound device finds its end");
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK_ERR(ioctl(lfd, LOOP_SET_FD, d), EINVAL, "LOOP_SET_FD with a directory is EINVAL");
	close(d);
	CHECK_ERR(ioctl(lfd, LOOP_SET_FD, lfd), EBADF,
		  "LOOP_SET_FD with the device itself is EBADF");
	CHECK_ERR(ioctl(lfd, LOOP_SET_FD, 9999), EBADF, "LOOP_SET_FD with a closed fd is EBADF");
	CHECK_ERR(ioctl(ctl, LOOP_CTL_ADD, num), EEXIST,
		  "LOOP_CTL_ADD of an existing number is EEXIST");
	CHECK_ERR(ioctl(ctl, LOOP_CTL_REMOVE, num), EBUSY,
		  "LOOP_CTL_REMOVE of an open device is EBUSY");
	CHECK_ERR(ioctl(ctl, LOOP_CTL_REMOVE, 999999), ENODEV,
		  "LOOP_CTL_REMOVE of no device is ENODEV");
}

static int check_bound(int lfd, int num)
{
	int bfd = open(img, O_RDWR);
	if (!CHECK(ioctl(lfd, LOOP_SET_FD, bfd) == 0, "LOOP_SET_FD binds the file"))
		return lfd;
	CHECK_ERR(ioctl(lfd, LOOP_SET_FD, bfd), EBUSY, "LOOP_SET_FD of a bound device is EBUSY");
	/* The device keeps its own reference: the descriptor may go. */
	close(bfd);
	uint64_t s64 = size64(lfd);
	unsigned long sectors = 0;
	int ssz = 0, ro = -1;
	unsigned int pbsz = 0;
	CHECK(s64 == IMG_SIZE, "BLKGETSIZE64 is the file's size (%llu)", (unsigned long long)s64);
	CHECK(ioctl(lfd, BLKGETSIZE, &sectors) == 0 && sectors == IMG_SIZE / 512,
	      "BLKGETSIZE in sectors");
	CHECK(ioctl(lfd, BLKSSZGET, &ssz) == 0 && ssz == 512, "BLKSSZGET is 512");
	CHECK(ioctl(lfd, BLKPBSZGET, &pbsz) == 0 && (pbsz & (pbsz - 1)) == 0,
	      "BLKPBSZGET: a power of two, or 0 (a loop device's on Linux)");
	CHECK(ioctl(lfd, BLKROGET, &ro) == 0 && ro == 0, "BLKROGET: writable");
	CHECK(ioctl(lfd, BLKFLSBUF, 0) == 0, "BLKFLSBUF");
	CHECK_ERR(ioctl(lfd, BLKRRPART, 0), EINVAL,
		  "BLKRRPART of a loop device without partitions is EINVAL");
	CHECK_ERR(ioctl(lfd, 0x12ff, 0), EINVAL,
		  "an ioctl a loop device does not know is EINVAL, as Linux");
	struct stat st;
	CHECK(fstat(lfd, &st) == 0 && S_ISBLK(st.st_mode) && major(st.st_rdev) == 7 &&
		  (int)minor(st.st_rdev) == num && st.st_size == 0,
	      "fstat: a block device 7:%d, st_size 0 as Linux", num);

	CHECK(same_as_file(lfd, 0, 0, 4096), "pread at 0 reads the file");
	CHECK(same_as_file(lfd, 100, 100, 3000), "pread at an odd offset and length");
	CHECK(same_as_file(lfd, IMG_SIZE - 700, IMG_SIZE - 700, 700), "pread of the last bytes");
	char c[64];
	CHECK(pread(lfd, c, sizeof c, IMG_SIZE) == 0, "pread at the end reads nothing");
	CHECK(pread(lfd, c, sizeof c, IMG_SIZE - 10) == 10, "pread across the end is short");
	CHECK(lseek(lfd, 0, SEEK_END) == IMG_SIZE, "SEEK_END is the size");
	CHECK_ERR(lseek(lfd, 1, SEEK_END), EINVAL, "seeking past the end is EINVAL");
	CHECK_ERR(lseek(lfd, -1, SEEK_SET), EINVAL, "seeking before the start is EINVAL");
	CHECK_ERR(pwrite(lfd, "x", 1, IMG_SIZE), ENOSPC, "writing at the end is ENOSPC");

	/* Writes through the device, in part-blocks too, reach the file after fsync. */
	char w[5000];
	for (int i = 0; i < (int)sizeof w; i++)
		w[i] = (char)(255 - i % 251);
	CHECK(pwrite(lfd, w, sizeof w, 8192 + 300) == (ssize_t)sizeof w,
	      "pwrite of 5000 bytes at 8492");
	CHECK(fsync(lfd) == 0, "fsync of the device");
	char r[5000];
	int f = open(img, O_RDONLY);
	CHECK(pread(f, r, sizeof r, 8192 + 300) == (ssize_t)sizeof r && !memcmp(r, w, sizeof w),
	      "the file holds what was written through the device");
	CHECK(pread(lfd, r, sizeof r, 8192 + 300) == (ssize_t)sizeof r && !memcmp(r, w, sizeof w),
	      "the device reads it back");
	unsigned char edge[2];
	CHECK(pread(f, edge, 1, 8192 + 299) == 1 && edge[0] == pat(8192 + 299) &&
		  pread(f, edge + 1, 1, 8192 + 300 + 5000) == 1 && edge[1] == pat(8192 + 5300),
	      "the bytes around it are the file's own");
	close(f);
	CHECK(lseek(lfd, 0, SEEK_SET) == 0 && write(lfd, "abc", 3) == 3 &&
		  lseek(lfd, 0, SEEK_CUR) == 3,
	      "write moves the offset");
	int sfd = open(path_of(num), O_RDWR | O_SYNC);
	f = open(img, O_RDONLY);
	CHECK(sfd >= 0 && lseek(sfd, 20000, SEEK_SET) == 20000 && write(sfd, "synced!", 7) == 7 &&
		  lseek(sfd, 0, SEEK_CUR) == 20007 && pread(f, r, 7, 20000) == 7 &&
		  !memcmp(r, "synced!", 7),
	      "an O_SYNC write is in the file when it returns, and moves the offset");
	close(sfd);
	close(f);

	/* An offset and a size limit: the device is a window on the file. */
	struct loop_info64 li;
	memset(&li, 0, sizeof li);
	li.lo_offset = 65536;
	li.lo_sizelimit = 131072;
	strcpy((char *)li.lo_file_name, "window");
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0,
	      "LOOP_SET_STATUS64 with an offset and a limit");
	CHECK(size64(lfd) == 131072, "the size is the limit");
	CHECK(same_as_file(lfd, 0, 65536, 4096), "byte 0 is the file's byte 65536");
	memset(&li, 0, sizeof li);
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && li.lo_offset == 65536 &&
		  li.lo_sizelimit == 131072 && (int)li.lo_number == num &&
		  !(li.lo_flags & LO_FLAGS_READ_ONLY),
	      "LOOP_GET_STATUS64 gives them back");
	char sysv[4][200];
	static const char *const attr[] = {"offset", "sizelimit", "autoclear", "backing_file"};
	for (int i = 0; i < 4; i++)
		if (!sys_attr(num, attr[i], sysv[i], sizeof sysv[i]))
			strcpy(sysv[i], "?");
	CHECK(!strcmp(sysv[0], "65536") && !strcmp(sysv[1], "131072") && !strcmp(sysv[2], "0") &&
		      !strcmp(sysv[3], img),
	      "/sys/block/loop%d/loop: offset %s, sizelimit %s, autoclear %s, backing_file %s", num, sysv[0],
	      sysv[1], sysv[2], sysv[3]);
	li.lo_offset = 100;
	li.lo_sizelimit = 0;
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0 && size64(lfd) == IMG_SIZE - 512,
	      "an offset of 100 bytes: the rest of the file, in whole sectors");
	CHECK(same_as_file(lfd, 512, 612, 1000), "reads start 100 bytes in");
	li.lo_offset = (uint64_t)1 << 63;
	CHECK_ERR(ioctl(lfd, LOOP_SET_STATUS64, &li), EOVERFLOW,
		  "an offset past 2^63 is EOVERFLOW");
	li.lo_offset = (uint64_t)1 << 40;
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0 && size64(lfd) == 0,
	      "an offset past the file's end leaves no bytes");
	CHECK(pread(lfd, c, 1, 0) == 0, "and reads nothing");
	li.lo_offset = 0;
	CHECK(ioctl(lfd, LOOP_SET_STATUS64, &li) == 0 && size64(lfd) == IMG_SIZE, "offset 0 again");
	CHECK(ioctl(lfd, LOOP_SET_CAPACITY, 0) == 0 && size64(lfd) == IMG_SIZE,
	      "LOOP_SET_CAPACITY");

	/* O_EXCL: one exclusive opener at a time. */
	char path[32];
	snprintf(path, sizeof path, "/dev/loop%d", num);
	int x1 = open(path, O_RDONLY | O_EXCL);
	CHECK(x1 >= 0, "open with O_EXCL");
	CHECK_ERR(open(path, O_RDONLY | O_EXCL), EBUSY, "a second O_EXCL open is EBUSY");
	close(x1);
	x1 = open(path, O_RDONLY | O_EXCL);
	CHECK(x1 >= 0, "O_EXCL again once the first is closed");
	close(x1);

	/* A node made by mknod reaches the same device. */
	char node[160];
	snprintf(node, sizeof node, "%s/node", dir);
	if (mknod(node, S_IFBLK | 0600, makedev(7, num)) == 0) {
		int nfd = open(node, O_RDONLY);
		if (nfd < 0 && errno == EACCES) {
			t_skip("%s is on a nodev mount", dir);
		} else {
			CHECK(nfd >= 0 && size64(nfd) == IMG_SIZE,
			      "a node made by mknod opens the loop device");
			close(nfd);
		}
		unlink(node);
		CHECK(mknod(node, S_IFBLK | 0600, makedev(240, 77)) == 0,
		      "mknod of a number no driver has");
		CHECK_ERR(open(node, O_RDONLY), nfd < 0 ? EACCES : ENXIO, "opening it is ENXIO");
		unlink(node);
	} else {
		CHECK(0, "mknod of a block device as root: errno %d", errno);
	}

	CHECK(ioctl(lfd, LOOP_CLR_FD, 0) == 0, "LOOP_CLR_FD lets the file go");
	lfd = reopen(lfd, num);
	CHECK(size64(lfd) == 0, "unbound: no bytes");
	CHECK_ERR(ioctl(lfd, LOOP_GET_STATUS64, &li), ENXIO, "unbound: LOOP_GET_STATUS64 is ENXIO");
	return lfd;
}

static int check_read_only(int lfd, int num)
{
	int bfd = open(img, O_RDONLY);
	int ro = -1;
	struct loop_info64 li;
	if (!CHECK(ioctl(lfd, LOOP_SET_FD, bfd) == 0, "LOOP_SET_FD with a file opened read-only"))
		return lfd;
	close(bfd);
	CHECK(ioctl(lfd, BLKROGET, &ro) == 0 && ro == 1, "BLKROGET: read-only");
	CHECK(ioctl(lfd, LOOP_GET_STATUS64, &li) == 0 && (li.lo_flags & LO_FLAGS_READ_ONLY),
	      "lo_flags has LO_FLAGS_READ_ONLY");
	CHECK_ERR(pwrite(lfd, "x", 1, 0), EPERM, "a write to a read-only device is EPERM");
	CHECK(same_as_file(lfd, 4096, 4096, 512), "and it reads");
	/* LOOP_CHANGE_FD: another file of the same size behind the read-only device. */
	char img2[160];
	snprintf(img2, sizeof img2, "%s.2", img);
	int f2 = open(img2, O_CREAT | O_RDWR | O_TRUNC, 0600);
	static char fives[IMG_SIZE];
	memset(fives, 0x55, sizeof fives);
	CHECK(f2 >= 0 && write(f2, fives, IMG_SIZE / 2) == IMG_SIZE / 2, "a second file, half the size");
	CHECK_ERR(ioctl(lfd, LOOP_CHANGE_FD, f2), EINVAL, "LOOP_CHANGE_FD to a file of another size: EINVAL");
	CHECK(write(f2, fives, IMG_SIZE / 2) == IMG_SIZE / 2, "  now the same size");
	unsigned char b[2] = {0};
	CHECK(ioctl(lfd, LOOP_CHANGE_FD, f2) == 0 && pread(lfd, b, 2, 4096) == 2 && b[0] == 0x55 &&
		  b[1] == 0x55,
	      "LOOP_CHANGE_FD: the device reads the new file (%#x)", b[0]);
	CHECK_ERR(ioctl(lfd, LOOP_CHANGE_FD, 9999), EBADF, "LOOP_CHANGE_FD of a bad descriptor: EBADF");
	close(f2);
	/* The old status (struct loop_info), and the requests Ferry answers as Linux can. */
	struct loop_info_old oi;
	memset(&oi, 0xff, sizeof oi);
	CHECK(ioctl(lfd, LOOP_GET_STATUS, &oi) == 0 && oi.lo_number == num && oi.lo_offset == 0 &&
		  (oi.lo_flags & LO_FLAGS_READ_ONLY),
	      "LOOP_GET_STATUS: the old status (number %d, offset %d)", oi.lo_number, oi.lo_offset);
	CHECK_ERR(ioctl(lfd, LOOP_GET_STATUS, 0), EINVAL, "LOOP_GET_STATUS into NULL: EINVAL");
	oi.lo_offset = 4096;
	CHECK(ioctl(lfd, LOOP_SET_STATUS, &oi) == 0 && size64(lfd) == IMG_SIZE - 4096,
	      "LOOP_SET_STATUS with an offset of 4096: the rest of the file");
	oi.lo_offset = -512;
	CHECK_ERR(ioctl(lfd, LOOP_SET_STATUS, &oi), EOVERFLOW, "a negative offset: EOVERFLOW");
	CHECK(ioctl(lfd, LOOP_SET_DIRECT_IO, 0) == 0, "LOOP_SET_DIRECT_IO 0");
	CHECK(ioctl(lfd, LOOP_SET_BLOCK_SIZE, 512) == 0, "LOOP_SET_BLOCK_SIZE 512");
	CHECK_ERR(ioctl(lfd, LOOP_SET_BLOCK_SIZE, 1000), EINVAL, "LOOP_SET_BLOCK_SIZE 1000: EINVAL");
	unlink(img2);
	CHECK(ioctl(lfd, LOOP_CLR_FD, 0) == 0, "LOOP_CLR_FD");
	lfd = reopen(lfd, num);

	struct loop_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.fd = (unsigned)open(img, O_RDWR);
	cfg.info.lo_offset = 4096;
	cfg.info.lo_sizelimit = 8192;
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY;
	int r = ioctl(lfd, LOOP_CONFIGURE, &cfg);
	if (r < 0 && errno == EINVAL && t_on_linux()) {
		t_skip("LOOP_CONFIGURE: this Linux is older than 5.8");
	} else {
		CHECK(r == 0 && size64(lfd) == 8192 && ioctl(lfd, BLKROGET, &ro) == 0 && ro == 1,
		      "LOOP_CONFIGURE: offset, limit and read-only at once");
		CHECK(same_as_file(lfd, 0, 4096, 1024), "it reads the window");
		CHECK(ioctl(lfd, LOOP_CLR_FD, 0) == 0, "LOOP_CLR_FD");
		lfd = reopen(lfd, num);
	}
	close((int)cfg.fd);
	return lfd;
}

/* Are bytes [off, off+len) of fd zeros? */
static int zeros_at(int fd, off_t off, size_t len)
{
	static unsigned char a[16384];
	if (len > sizeof a || pread(fd, a, len, off) != (ssize_t)len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (a[i])
			return 0;
	return 1;
}

/* BLKROSET (root's; another user's is EACCES) and BLKZEROOUT on a bound device. */
static int check_roset_zeroout(int lfd, int num)
{
	int bfd = open(img, O_RDWR);
	if (!CHECK(ioctl(lfd, LOOP_SET_FD, bfd) == 0, "LOOP_SET_FD for BLKROSET and BLKZEROOUT"))
		return lfd;
	close(bfd);
	int one = 1, zero = 0, ro = -1;
	CHECK(ioctl(lfd, BLKROSET, &one) == 0 && ioctl(lfd, BLKROGET, &ro) == 0 && ro == 1,
	      "BLKROSET 1: BLKROGET says read-only");
	CHECK_ERR(pwrite(lfd, "x", 1, 0), EPERM, "  a write through an open descriptor is EPERM");
	CHECK(same_as_file(lfd, 4096, 4096, 512), "  reads go on");
	CHECK(ioctl(lfd, BLKROSET, &zero) == 0 && ioctl(lfd, BLKROGET, &ro) == 0 && ro == 0,
	      "BLKROSET 0: writable again");
	CHECK(pwrite(lfd, "x", 1, 0) == 1 && pwrite(lfd, "\0", 1, 0) == 1, "  and it writes");
	CHECK_ERR(ioctl(lfd, BLKROSET, (void *)8), EFAULT, "BLKROSET of a bad pointer: EFAULT");
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(T_GID) || setuid(T_UID))
			_exit(2);
		_exit(ioctl(lfd, BLKROSET, &one) == -1 && errno == EACCES ? 0 : 1);
	}
	int st = t_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "another user's BLKROSET is EACCES");

	/* Zeros where nothing was written yet: the file holds them when the call returns. */
	uint64_t range[2] = {65536 + 512, 12288};
	int r = ioctl(lfd, BLKZEROOUT, range);
	CHECK(r == 0, "BLKZEROOUT of 12 KiB at 66048: %s", r ? strerror(errno) : "ok");
	CHECK(zeros_at(lfd, 66048, 12288), "  the device reads zeros there");
	int f = open(img, O_RDONLY);
	CHECK(zeros_at(f, 66048, 12288), "  and so does the file");
	CHECK(same_as_file(f, 65536, 65536, 512) && same_as_file(f, 66048 + 12288, 66048 + 12288, 512),
	      "  the sectors around it are the file's own");
	close(f);
	uint64_t bad[][2] = {{100, 512}, {512, 100}, {0, 0}, {IMG_SIZE - 512, 1024}, {IMG_SIZE, 512},
			     {512, UINT64_MAX - 511}};
	const char *why[] = {"an unaligned start", "an unaligned length", "no length",
			     "a range past the end", "a range at the end", "a length that wraps"};
	for (int i = 0; i < 6; i++)
		CHECK_ERR(ioctl(lfd, BLKZEROOUT, bad[i]), EINVAL, "BLKZEROOUT of %s: EINVAL", why[i]);
	CHECK_ERR(ioctl(lfd, BLKZEROOUT, (void *)8), EFAULT, "BLKZEROOUT of a bad pointer: EFAULT");
	int rfd = open(path_of(num), O_RDONLY);
	CHECK_ERR(ioctl(rfd, BLKZEROOUT, range), EBADF, "BLKZEROOUT on a read-only descriptor: EBADF");
	close(rfd);
	CHECK(ioctl(lfd, LOOP_CLR_FD, 0) == 0, "LOOP_CLR_FD");
	return reopen(lfd, num);
}

/*
 * LO_FLAGS_PARTSCAN: a file with an MBR bound by LOOP_CONFIGURE; its two
 * partitions become loopNp1 and loopNp2, in /dev and /sys/block/loopN,
 * writable at their offsets, read again by BLKRRPART, gone at LOOP_CLR_FD.
 */
static int check_partscan(int lfd, int num)
{
	char pimg[160], p1[48], p2[48], sys2[96];
	snprintf(pimg, sizeof pimg, "%s.parts", img);
	snprintf(p1, sizeof p1, "/dev/loop%dp1", num);
	snprintf(p2, sizeof p2, "/dev/loop%dp2", num);
	snprintf(sys2, sizeof sys2, "/sys/block/loop%d/loop%dp2/start", num, num);
	int f = open(pimg, O_CREAT | O_RDWR | O_TRUNC, 0600);
	unsigned char mbr[512] = {0};
	const uint32_t ent[2][2] = {{8, 64}, {128, 256}}; /* start, count in sectors */
	for (int i = 0; i < 2; i++) {
		unsigned char *e = mbr + 446 + 16 * i;
		e[4] = 0x83;
		memcpy(e + 8, ent[i], 8);
	}
	mbr[510] = 0x55;
	mbr[511] = 0xaa;
	if (!CHECK(f >= 0 && ftruncate(f, IMG_SIZE) == 0 && pwrite(f, mbr, 512, 0) == 512,
		   "a 1 MiB file with an MBR of two partitions"))
		return lfd;
	struct loop_config cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.fd = (unsigned)f;
	cfg.info.lo_flags = LO_FLAGS_PARTSCAN;
	int r = ioctl(lfd, LOOP_CONFIGURE, &cfg);
	struct stat st;
	if (r < 0 && errno == EINVAL && t_on_linux()) {
		t_skip("LOOP_CONFIGURE: this Linux is older than 5.8");
	} else if (r == 0 && t_on_linux() && stat(p1, &st) < 0) {
		t_skip("this Linux shows no partitions of loop devices");
	} else if (CHECK(r == 0, "LOOP_CONFIGURE with LO_FLAGS_PARTSCAN: %s", r ? strerror(errno) : "ok")) {
		char v[16] = "";
		int s = open(sys2, O_RDONLY);
		ssize_t n = s >= 0 ? read(s, v, sizeof v - 1) : -1;
		if (s >= 0)
			close(s);
		CHECK(stat(p1, &st) == 0 && S_ISBLK(st.st_mode) && n > 0 && atoi(v) == 128,
		      "loop%dp1 in /dev, loop%dp2 in /sys/block/loop%d from sector %d", num, num, num, atoi(v));
		int d1 = open(p1, O_RDONLY), d2 = open(p2, O_RDWR);
		CHECK(d1 >= 0 && size64(d1) == 64 * 512 && d2 >= 0 && size64(d2) == 256 * 512,
		      "their sizes are the table's");
		char back[16] = "";
		CHECK(d2 >= 0 && pwrite(d2, "part-two", 8, 0) == 8 && fsync(d2) == 0 &&
			  pread(f, back, 8, 128 * 512) == 8 && !memcmp(back, "part-two", 8),
		      "a write through loop%dp2 lands in the file at its start", num);
		if (d1 >= 0)
			close(d1);
		if (d2 >= 0)
			close(d2);
		CHECK(ioctl(lfd, BLKRRPART, 0) == 0 && stat(p2, &st) == 0, "BLKRRPART reads the table again");
		CHECK(ioctl(lfd, LOOP_CLR_FD, 0) == 0, "LOOP_CLR_FD");
		lfd = reopen(lfd, num);
		CHECK_ERR(stat(p1, &st), ENOENT, "its partitions are gone with it");
	}
	if (r == 0 && t_on_linux()) {
		ioctl(lfd, LOOP_CLR_FD, 0);
		lfd = reopen(lfd, num);
	}
	close(f);
	unlink(pimg);
	return lfd;
}

/*
 * Loop on loop is fine; an unbound loop backs nothing (EINVAL), so no
 * chain comes back to its start (a bound device is EBUSY first).
 */
static int check_recursion(int a, int na)
{
	int bfd = open(img, O_RDWR), nb = -1;
	int r = ioctl(a, LOOP_SET_FD, bfd);
	close(bfd);
	int b = get_loop(O_RDWR, &nb);
	if (!CHECK(r == 0 && b >= 0 && nb != na, "a second loop device, the first bound"))
		return a;
	ioctl(a, LOOP_CLR_FD, 0);
	a = reopen(a, na);
	CHECK_ERR(ioctl(a, LOOP_SET_FD, b), EINVAL, "loop%d backed by loop%d, unbound, is EINVAL",
		  na, nb);
	bfd = open(img, O_RDWR);
	CHECK(ioctl(a, LOOP_SET_FD, bfd) == 0, "loop%d bound again", na);
	close(bfd);
	r = ioctl(b, LOOP_SET_FD, a);
	int e = errno;
	CHECK(r == 0 && size64(b) == IMG_SIZE, "loop%d backed by loop%d (errno %d)", nb, na,
	      r ? e : 0);
	CHECK(same_as_file(b, 512, 512, 512), "it reads the file through both");
	CHECK_ERR(ioctl(a, LOOP_SET_FD, b), EBUSY, "loop%d backed by loop%d, which it backs: EBUSY",
		  na, nb);
	CHECK(ioctl(b, LOOP_CLR_FD, 0) == 0, "loop%d unbound", nb);
	close(b);
	CHECK(ioctl(a, LOOP_CLR_FD, 0) == 0, "loop%d unbound", na);
	return reopen(a, na);
}

/* As another user: no device nodes (CAP_MKNOD), no loop-control (CAP_SYS_ADMIN). */
static void check_unprivileged(void)
{
	char node[160];
	snprintf(node, sizeof node, "%s/unpriv", dir);
	chmod(dir, 0777);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(T_GID) || setuid(T_UID))
			_exit(2);
		int r1 = mknod(node, S_IFBLK | 0600, makedev(7, 0)) == -1 && errno == EPERM;
		int r2 = mknod(node, S_IFCHR | 0600, makedev(1, 3)) == -1 && errno == EPERM;
		int fd = open("/dev/loop-control", O_RDWR);
		int r3 = fd < 0 && errno == EACCES; /* the node is root's, 0600 */
		_exit(r1 && r2 && r3 ? 0 : 1);
	}
	int st = t_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "another user: mknod of a block or character device is EPERM, loop-control EACCES");
	chmod(dir, 0700);
}

/* Swap header of mkswap(8): version 1, the last page, "SWAPSPACE2" at the first page's end. */
static void check_swap_claim(void)
{
	if (t_on_linux()) {
		t_skip("swapon of a loop device: not on the host's Linux");
		return;
	}
	int num, lfd = get_loop(O_RDWR, &num), bfd = open(img, O_RDWR);
	if (!CHECK(lfd >= 0 && ioctl(lfd, LOOP_SET_FD, bfd) == 0, "a loop device for swap"))
		return;
	close(bfd);
	unsigned char page[4096] = {0};
	uint32_t hdr[3] = {1, IMG_SIZE / 4096 - 1, 0};
	memcpy(page + 1024, hdr, sizeof hdr);
	memcpy(page + 4096 - 10, "SWAPSPACE2", 10);
	char path[32];
	snprintf(path, sizeof path, "/dev/loop%d", num);
	CHECK(pwrite(lfd, page, sizeof page, 0) == sizeof page && fsync(lfd) == 0,
	      "a swap header written");
	if (CHECK(syscall(SYS_swapon, path, 0) == 0, "swapon of the loop device")) {
		CHECK_ERR(open(path, O_RDONLY | O_EXCL), EBUSY,
			  "O_EXCL open of a device swapped on is EBUSY");
		CHECK_ERR(ioctl(lfd, LOOP_CTL_REMOVE, 0), EINVAL,
			  "a loop-control ioctl on a loop device is EINVAL");
		uint64_t range[2] = {8192, 4096};
		CHECK_ERR(ioctl(lfd, BLKZEROOUT, range), EBUSY,
			  "BLKZEROOUT under swap's feet is EBUSY");
		CHECK(syscall(SYS_swapoff, path) == 0, "swapoff");
		int x = open(path, O_RDONLY | O_EXCL);
		CHECK(x >= 0, "O_EXCL once it is off");
		close(x);
	}
	CHECK(ioctl(lfd, LOOP_CLR_FD, 0) == 0, "unbound");
	close(lfd);
}

#define HDIO_GETGEO 0x0301
struct hd_geometry {
	unsigned char heads, sectors;
	unsigned short cylinders;
	unsigned long start;
};

static int check_disk(const char *disk, const char *part)
{
	int d = open(disk, O_RDWR), p = open(part, O_RDWR);
	if (!CHECK(d >= 0 && p >= 0, "open %s and %s", disk, part))
		return t_done();
	struct hd_geometry g = {0};
	uint64_t dsize = size64(d), psize = size64(p);
	CHECK(ioctl(p, HDIO_GETGEO, &g) == 0 && g.start > 0 && g.heads && g.sectors,
	      "HDIO_GETGEO of the partition: its start (%lu)", g.start);
	CHECK(dsize > psize && psize && lseek(d, 0, SEEK_END) == (off_t)dsize &&
		  lseek(p, 0, SEEK_END) == (off_t)psize && g.start * 512 + psize <= dsize,
	      "sizes: the partition inside the disk");
	char w[700], r[700];
	for (int i = 0; i < (int)sizeof w; i++)
		w[i] = (char)(i * 13 + 1);
	CHECK(pwrite(p, w, sizeof w, 1000) == (ssize_t)sizeof w && fsync(p) == 0,
	      "700 bytes written through the partition, fsync");
	CHECK(ioctl(d, BLKFLSBUF, 0) == 0, "BLKFLSBUF of the disk");
	CHECK(pread(d, r, sizeof r, (off_t)(g.start * 512 + 1000)) == (ssize_t)sizeof r &&
		  !memcmp(r, w, sizeof w),
	      "the disk reads them at the partition's offset");
	CHECK_ERR(pwrite(p, w, 1, (off_t)psize), ENOSPC, "no write past the partition's end");
	CHECK(pread(p, r, sizeof r, (off_t)psize - 100) == 100,
	      "a read stops at the partition's end");
	CHECK_ERR(ioctl(d, BLKRRPART, 0), EBUSY, "BLKRRPART while the partition is open is EBUSY");
	int one = 1, zero = 0, ro = -1;
	CHECK(ioctl(d, BLKROSET, &one) == 0 && ioctl(p, BLKROGET, &ro) == 0 && ro == 1,
	      "BLKROSET of the disk: its partition is read-only too");
	CHECK_ERR(pwrite(p, w, 1, 0), EPERM, "  a write through the partition is EPERM");
	CHECK(ioctl(d, BLKROSET, &zero) == 0 && ioctl(p, BLKROSET, &one) == 0 &&
		  ioctl(d, BLKROGET, &ro) == 0 && ro == 0,
	      "BLKROSET of the partition leaves the disk writable");
	CHECK(ioctl(p, BLKROSET, &zero) == 0 && pwrite(p, w, 1, 0) == 1, "BLKROSET 0: it writes");
	uint64_t range[2] = {2048, 1024};
	char z[1024];
	int zr = ioctl(p, BLKZEROOUT, range);
	CHECK(zr == 0 && pread(d, z, sizeof z, (off_t)(g.start * 512 + 2048)) == sizeof z,
	      "BLKZEROOUT through the partition: %s", zr ? strerror(errno) : "ok");
	int nz = 0;
	for (int i = 0; i < (int)sizeof z; i++)
		nz += z[i] != 0;
	CHECK(nz == 0, "  the disk reads zeros at the partition's offset (%d bytes not)", nz);
	CHECK_ERR(ioctl(d, BLKDISCARD, range), EOPNOTSUPP, "BLKDISCARD: the disk does not discard");
	close(p);
	int x = open(part, O_RDONLY | O_EXCL);
	CHECK(x >= 0, "O_EXCL open of the partition");
	CHECK_ERR(open(disk, O_RDONLY | O_EXCL), EBUSY, "O_EXCL of its disk meanwhile is EBUSY");
	close(x);
	x = open(disk, O_RDONLY | O_EXCL);
	CHECK(x >= 0, "O_EXCL of the disk once the partition is let go");
	CHECK_ERR(open(part, O_RDONLY | O_EXCL), EBUSY,
		  "O_EXCL of the partition meanwhile is EBUSY");
	close(x);
	close(d);
	return t_done();
}

int main(int argc, char **argv)
{
	if (argc > 2)
		return check_disk(argv[1], argv[2]);
	snprintf(img, sizeof img, "%s", t_tmp("blockdev.img"));
	snprintf(dir, sizeof dir, "%s", t_tmp("blockdev.d"));
	ctl = open("/dev/loop-control", O_RDWR);
	if (ctl < 0) {
		t_skip("no /dev/loop-control here (errno %d): nothing to check", errno);
		return t_done();
	}
	int num;
	int lfd = get_loop(O_RDWR, &num);
	if (lfd < 0) {
		t_skip("no free loop device to open (errno %d)", errno);
		return t_done();
	}
	if (!CHECK(make_image() == 0 && mkdir(dir, 0700) == 0, "a 1 MiB file and a directory"))
		return t_done();
	check_not_block();
	check_unbound(lfd, num);
	lfd = check_bound(lfd, num);
	lfd = check_read_only(lfd, num);
	lfd = check_roset_zeroout(lfd, num);
	lfd = check_partscan(lfd, num);
	lfd = check_recursion(lfd, num);
	check_unprivileged();
	check_swap_claim();
	close(lfd);
	close(ctl);
	unlink(img);
	rmdir(dir);
	return t_done();
}
