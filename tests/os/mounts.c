/*
 * mounts: statfs and fstatfs, the attribute calls (chmod, fchmod,
 * fchmodat, chown family, utimensat with UTIME_NOW and UTIME_OMIT), and
 * on Ferry only mount/umount2 of tmpfs and proc with their errors (on
 * Linux that would need root and touch the host's mount table). Bad
 * pointers go through syscall(): musl's wrappers touch the buffers first.
 */
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"

/* Bad pointers the compiler cannot see through (it would warn about them). */
static void *volatile bad_ptr = (void *)8;

#define PROC_SUPER_MAGIC 0x9fa0
#define TMPFS_MAGIC 0x01021994

static void check_statfs(void)
{
	struct statfs a, b;
	CHECK(statfs("/proc", &a) == 0 && a.f_type == PROC_SUPER_MAGIC, "statfs /proc: procfs");
	int fd = open("/proc", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0 && fstatfs(fd, &b) == 0 && b.f_type == a.f_type, "fstatfs agrees");
	close(fd);
	CHECK(statfs("/tmp", &a) == 0 && a.f_bsize > 0 && a.f_blocks >= a.f_bfree &&
		      a.f_bfree >= a.f_bavail && a.f_namelen >= 255,
	      "statfs /tmp: sizes that add up");
	if (t_on_linux())
		t_skip("/tmp may not be a tmpfs on this Linux");
	else
		CHECK(a.f_type == TMPFS_MAGIC && a.f_bfree > 0, "/tmp is a tmpfs with room");
	CHECK_ERR(statfs("/nonexistent", &a), ENOENT, "statfs of a missing path is ENOENT");
	CHECK_ERR(syscall(SYS_statfs, "/proc", bad_ptr), EFAULT, "statfs to a bad pointer is EFAULT");
	CHECK_ERR(fstatfs(-1, &a), EBADF, "fstatfs of a bad fd is EBADF");
}

static void check_attrs(void)
{
	const char *f = t_tmp("attrs"), *l = t_tmp("attrs-link");
	struct stat st;
	int fd = open(f, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (!CHECK(fd >= 0, "create %s", f))
		return;
	CHECK(chmod(f, 0600) == 0 && stat(f, &st) == 0 && (st.st_mode & 07777) == 0600,
	      "chmod 0600");
	CHECK(fchmod(fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640 &&
		      S_ISREG(st.st_mode),
	      "fchmod 0640 keeps the type");
	CHECK(fchmodat(AT_FDCWD, f, 01755, 0) == 0 && stat(f, &st) == 0 &&
		      (st.st_mode & 07777) == 01755,
	      "fchmodat with the sticky bit");
	CHECK(chown(f, getuid(), getgid()) == 0 && fchown(fd, -1, -1) == 0 &&
		      stat(f, &st) == 0 && st.st_uid == getuid() && st.st_gid == getgid(),
	      "chown to ourselves, fchown with -1 changes nothing");
	unlink(l);
	CHECK(symlink(f, l) == 0 && lchown(l, getuid(), getgid()) == 0 &&
		      fchownat(AT_FDCWD, l, getuid(), getgid(), AT_SYMLINK_NOFOLLOW) == 0,
	      "lchown and fchownat on a symlink");
	CHECK_ERR(fchownat(AT_FDCWD, f, 0, 0, 0x4000), EINVAL, "fchownat with a bad flag is EINVAL");
	CHECK_ERR(chmod("/nonexistent/x", 0600), ENOENT, "chmod of a missing path is ENOENT");

	struct timespec ts[2] = {{1000, 5}, {2000, 7}};
	CHECK(utimensat(AT_FDCWD, f, ts, 0) == 0 && stat(f, &st) == 0 && st.st_atime == 1000 &&
		      st.st_mtime == 2000 && st.st_mtim.tv_nsec == 7,
	      "utimensat sets both times");
	/* A fresh stamp is the real time (time(2)), give or take the clock's granularity. */
	struct stat now;
	time_t before = time(NULL);
	fchmod(fd, 0640);
	fstat(fd, &now);
	CHECK(now.st_ctime >= before - 1 && now.st_ctime <= time(NULL) + 1,
	      "a change stamps the real time (ctime %lld, time() %lld)", (long long)now.st_ctime,
	      (long long)before);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_nsec = UTIME_NOW;
	CHECK(utimensat(AT_FDCWD, f, ts, 0) == 0 && stat(f, &st) == 0 && st.st_atime == 1000 &&
		      st.st_mtime != 2000 && st.st_mtime >= now.st_ctime,
	      "UTIME_OMIT keeps atime, UTIME_NOW stamps mtime");
	CHECK(futimens(fd, NULL) == 0 && fstat(fd, &st) == 0 && st.st_atime != 1000 &&
		      st.st_atime >= now.st_ctime,
	      "futimens(fd, NULL) stamps both now");
	ts[0].tv_nsec = 1000000000;
	CHECK_ERR(utimensat(AT_FDCWD, f, ts, 0), EINVAL, "a nanosecond count out of range is EINVAL");
	CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, f, bad_ptr, 0), EFAULT,
		  "utimensat from a bad pointer is EFAULT");
	close(fd);
	unlink(l);
	unlink(f);
}

static void check_mount(void)
{
	if (t_on_linux()) {
		t_skip("mount/umount2: not on the host's mount table");
		return;
	}
	const char *d = t_tmp("mnt");
	char file[160];
	struct statfs sf;
	snprintf(file, sizeof file, "%s/f", d);
	mkdir(d, 0755);
	CHECK(mount("none", d, "tmpfs", 0, NULL) == 0, "mount a tmpfs on %s", d);
	CHECK(statfs(d, &sf) == 0 && sf.f_type == TMPFS_MAGIC, "statfs sees the tmpfs");
	int fd = open(file, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && write(fd, "x", 1) == 1, "write a file in it");
	CHECK_ERR(umount2(d, 0), EBUSY, "umount while a file is open is EBUSY");
	close(fd);
	CHECK(chdir(d) == 0, "chdir into it");
	CHECK_ERR(umount2(d, 0), EBUSY, "umount while it is a cwd is EBUSY");
	CHECK(chdir("/") == 0 && umount2(d, 0) == 0, "umount once nothing uses it");
	CHECK(access(file, F_OK) < 0, "its file is gone with it");
	CHECK(mount("proc", d, "proc", 0, NULL) == 0 && access(file, F_OK) < 0, "mount proc there");
	char self[200];
	snprintf(self, sizeof self, "%s/self/stat", d);
	CHECK(access(self, R_OK) == 0 && umount(d) == 0, "the second procfs works and unmounts");

	CHECK_ERR(mount("none", d, "nosuchfs", 0, NULL), ENODEV, "an unknown type is ENODEV");
	CHECK_ERR(mount("/dev/null", d, "ext2", 0, NULL), ENOTBLK,
		  "ext2 from a file that is not a disk is ENOTBLK");
	CHECK_ERR(mount("/dev/nosuchdisk", d, "ext2", 0, NULL), ENOENT,
		  "ext2 from a disk that does not exist is ENOENT");
	CHECK_ERR(mount("none", "/nonexistent", "tmpfs", 0, NULL), ENOENT,
		  "mount on a missing directory is ENOENT");
	CHECK_ERR(mount("none", "/proc/self/stat", "tmpfs", 0, NULL), ENOTDIR,
		  "mount on a file is ENOTDIR");
	CHECK_ERR(mount("none", d, bad_ptr, 0, NULL), EFAULT, "a bad type pointer is EFAULT");
	CHECK_ERR(mount("none", "/proc/self", "tmpfs", 0, NULL), EINVAL,
		  "a mount on a /proc directory is EINVAL");
	CHECK_ERR(umount2(d, 0), EINVAL, "umount of a directory nothing is mounted on is EINVAL");
	CHECK_ERR(umount2(d, 0x100), EINVAL, "umount2 with a bad flag is EINVAL");
	long r = umount2("/", 0);
	int e = errno;
	CHECK(r == -1 && (e == EBUSY || e == EINVAL), "umount of / fails (errno %d)", e);
	CHECK_ERR(umount2("/nonexistent", 0), ENOENT, "umount of a missing path is ENOENT");
	rmdir(d);
}

int main(void)
{
	check_statfs();
	check_attrs();
	check_mount();
	return t_done();
}
