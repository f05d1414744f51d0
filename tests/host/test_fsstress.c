/*
 * Concurrency stress for the VFS and ramfs on host threads (standing in
 * for cores) under AddressSanitizer: appenders on one file never overlap,
 * readers sharing one open file never read the same bytes twice, and
 * namespace churn (create, unlink, rename, mkdir, rmdir, lookup, readdir)
 * leaves a consistent tree and frees everything it removed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "fs_helpers.h"

#define NTHREADS 4

static void setup(void)
{
	fs_setup();
}

static void teardown(void)
{
	inode_put(root);
}

static void run_threads(void *(*fn)(void *))
{
	pthread_t th[NTHREADS];
	for (long i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, fn, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
}

/* ---- appends ---- */

#define RECORDS 400
#define RECLEN 64

static void *appender(void *arg)
{
	long id = (long)arg;
	struct file *f;
	if (open_at("/log", O_WRONLY | O_APPEND, 0, &f) < 0)
		abort();
	char rec[RECLEN];
	for (int seq = 0; seq < RECORDS; seq++) {
		memset(rec, '.', RECLEN);
		int n = snprintf(rec, RECLEN, "T%ld-%d;", id, seq);
		rec[n] = '.';
		rec[RECLEN - 1] = '\n';
		struct uio u;
		uio_init_kernel(&u, rec, RECLEN);
		if (vfs_write(f, &u) != RECLEN)
			abort();
	}
	file_put(f);
	return NULL;
}

START_TEST(test_concurrent_appends)
{
	ck_assert_int_eq(put_file("/log", "", 0), 0);
	run_threads(appender);
	size_t total = (size_t)NTHREADS * RECORDS * RECLEN;
	char *buf = malloc(total + 1);
	ck_assert_int_eq(get_file("/log", buf, total + 1), (ssize_t)total);
	static bool seen[NTHREADS][RECORDS];
	for (size_t off = 0; off < total; off += RECLEN) {
		long id;
		int seq;
		ck_assert_int_eq(sscanf(buf + off, "T%ld-%d;", &id, &seq), 2);
		ck_assert(id >= 0 && id < NTHREADS && seq >= 0 && seq < RECORDS);
		ck_assert(!seen[id][seq]);
		seen[id][seq] = true;
		ck_assert_int_eq(buf[off + RECLEN - 1], '\n');
	}
	free(buf);
}
END_TEST

/* ---- one open file, many readers ---- */

#define CHUNKS 4096
static struct file *shared;
static int owner[CHUNKS];

static void *reader(void *arg)
{
	long id = (long)arg;
	for (;;) {
		u32 chunk[4]; /* 16 bytes: 4 chunk numbers */
		struct uio u;
		uio_init_kernel(&u, chunk, sizeof chunk);
		ssize_t n = vfs_read(shared, &u);
		if (n == 0)
			return NULL;
		if (n != sizeof chunk)
			abort();
		for (int i = 0; i < 4; i++)
			if (__atomic_exchange_n(&owner[chunk[i]], (int)id + 1, __ATOMIC_RELAXED))
				abort(); /* two readers got the same bytes */
	}
}

START_TEST(test_shared_offset)
{
	u32 *data = malloc(CHUNKS * sizeof(u32));
	for (u32 i = 0; i < CHUNKS; i++)
		data[i] = i;
	ck_assert_int_eq(put_file("/data", data, CHUNKS * sizeof(u32)), CHUNKS * sizeof(u32));
	ck_assert_int_eq(open_at("/data", O_RDONLY, 0, &shared), 0);
	run_threads(reader);
	for (int i = 0; i < CHUNKS; i++)
		ck_assert_int_ne(owner[i], 0);
	file_put(shared);
	free(data);
}
END_TEST

/* ---- namespace churn ---- */

#define ROUNDS 1500

static void *churn(void *arg)
{
	long id = (long)arg;
	unsigned seed = (unsigned)id * 7919 + 1;
	char a[64], b[64];
	for (int i = 0; i < ROUNDS; i++) {
		int k = rand_r(&seed) % 8;
		int x = rand_r(&seed) % 6, y = rand_r(&seed) % 6;
		const char *da = (rand_r(&seed) & 1) ? "d" : "e";
		const char *db = (rand_r(&seed) & 1) ? "d" : "e";
		switch (rand_r(&seed) % 8) {
		case 0:
			snprintf(a, sizeof a, "/%s/f%d", da, x);
			put_file(a, "data", 4);
			break;
		case 1:
			snprintf(a, sizeof a, "/%s/f%d", da, x);
			vfs_unlinkat(root, a, false);
			break;
		case 2:
			snprintf(a, sizeof a, "/%s/f%d", da, x);
			snprintf(b, sizeof b, "/%s/f%d", db, y);
			vfs_renameat(root, a, root, b, 0);
			break;
		case 3:
			snprintf(a, sizeof a, "/%s/s%d", da, x);
			vfs_mkdirat(root, a, 0755);
			break;
		case 4:
			snprintf(a, sizeof a, "/%s/s%d", da, x);
			vfs_unlinkat(root, a, true);
			break;
		case 5:
			/* Directories move between d and e, and into each other. */
			snprintf(a, sizeof a, "/%s/s%d", da, x);
			snprintf(b, sizeof b, k < 4 ? "/%s/s%d" : "/%s/s%d/in", db, y);
			vfs_renameat(root, a, root, b, 0);
			break;
		case 6: {
			struct file *f;
			if (open_at(da, O_RDONLY | O_DIRECTORY, 0, &f) == 0) {
				char buf[128];
				while (vfs_getdents(f, buf, sizeof buf) > 0)
					;
				file_put(f);
			}
			break;
		}
		default: {
			snprintf(a, sizeof a, "/%s/s%d/../f%d", da, x, y);
			struct kstat st;
			stat_path(a, LOOKUP_FOLLOW, &st);
			struct inode *ip;
			snprintf(a, sizeof a, "/%s/s%d", da, x);
			if (vfs_lookup(root, a, 0, &ip) == 0) {
				char cwd[PATH_MAX];
				vfs_getcwd(ip, cwd, sizeof cwd);
				inode_put(ip);
			}
			break;
		}
		}
	}
	return NULL;
}

/* Count subdirectories by listing, and check the link count agrees (2 + subdirectories). */
static void check_dir(const char *path, int depth)
{
	struct file *f;
	ck_assert_int_eq(open_at(path, O_RDONLY | O_DIRECTORY, 0, &f), 0);
	char buf[4096];
	int subdirs = 0;
	ssize_t n;
	while ((n = vfs_getdents(f, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			if (d->d_type == DT_DIR) {
				subdirs++;
				char sub[PATH_MAX];
				snprintf(sub, sizeof sub, "%s/%s", path, d->d_name);
				ck_assert_int_lt(depth, 64);
				check_dir(sub, depth + 1);
			}
		}
	}
	ck_assert_uint_eq(f->ip->nlink, 2 + subdirs);
	file_put(f);
}

/* Empty a tree so the leak check can see everything was freed. */
static void remove_tree(const char *path)
{
	struct file *f;
	ck_assert_int_eq(open_at(path, O_RDONLY | O_DIRECTORY, 0, &f), 0);
	char buf[4096];
	ssize_t n;
	while ((n = vfs_getdents(f, buf, sizeof buf)) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			off += d->d_reclen;
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			char sub[PATH_MAX];
			snprintf(sub, sizeof sub, "%s/%s", path, d->d_name);
			if (d->d_type == DT_DIR) {
				remove_tree(sub);
				ck_assert_int_eq(vfs_unlinkat(root, sub, true), 0);
			} else {
				ck_assert_int_eq(vfs_unlinkat(root, sub, false), 0);
			}
		}
	}
	file_put(f);
}

START_TEST(test_namespace_churn)
{
	/* The root's entry index, which an emptied directory keeps, counts as already there. */
	ck_assert_int_eq(vfs_mkdirat(root, "warm", 0755), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "warm", true), 0);
	long heap = shim_heap_live, pages = shim_pages_in_use();
	ck_assert_int_eq(vfs_mkdirat(root, "d", 0755), 0);
	ck_assert_int_eq(vfs_mkdirat(root, "e", 0755), 0);
	run_threads(churn);
	check_dir("/", 0);
	remove_tree("/d");
	remove_tree("/e");
	ck_assert_int_eq(vfs_unlinkat(root, "d", true), 0);
	ck_assert_int_eq(vfs_unlinkat(root, "e", true), 0);
	ck_assert_int_eq(shim_pages_in_use(), pages);
	ck_assert_int_eq(shim_heap_live, heap);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fsstress");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_appends);
	tcase_add_test(tc, test_shared_offset);
	tcase_add_test(tc, test_namespace_churn);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
