/*
 * badelf: malformed executables are refused with ENOEXEC (Linux may say
 * EIO for some truncations) and never take anything else down. Each case
 * is a copy of this very program with one header field broken, exec'd in
 * a child; the parent checks the child's execve failed and exited cleanly.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "t.h"

static unsigned char *image;
static size_t image_len;

static int load_self(void)
{
	int fd = open(t_self(), O_RDONLY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0 || !(image = malloc(st.st_size))) {
		close(fd);
		return -1;
	}
	image_len = (size_t)st.st_size;
	size_t got = 0;
	while (got < image_len) {
		ssize_t n = read(fd, image + got, image_len - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got == image_len ? 0 : -1;
}

/* Write a broken copy, exec it in a child, and report how execve failed. */
static int try_exec(unsigned char *img, size_t len)
{
	const char *path = t_tmp("badelf.bin");
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0)
		return -1;
	if (write(fd, img, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	close(fd);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)path, "--should-not-run", NULL};
		execv(path, argv);
		_exit(errno == ENOEXEC ? 10 : errno == EIO ? 11 : errno == EINVAL ? 12 : 13);
	}
	int st = t_wait(pid);
	unlink(path);
	return st;
}

/*
 * Ferry refuses every case with ENOEXEC. Linux maps segments lazily, so a
 * few of these only fail later there (EIO, or SIGBUS/SIGSEGV at start-up):
 * on Linux it is enough that the broken copy never runs as a program.
 */
static int refused(int st, int linux_lenient)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 10)
		return 1;
	if (!t_on_linux() || !linux_lenient)
		return 0;
	return (WIFEXITED(st) && WEXITSTATUS(st) != 99) || WIFSIGNALED(st);
}

#define EXPECT_REFUSED(st, what, lenient) \
	CHECK(refused(st, lenient), "%s: refused (%s)", what, t_status(st))

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--should-not-run"))
		return 99; /* a broken copy ran after all */
	if (!CHECK(load_self() == 0, "read this program's own file"))
		return t_done();
	unsigned char *img = malloc(image_len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

	memcpy(img, image, image_len);
	EXPECT_REFUSED(try_exec(img, 40), "truncated inside the ELF header", 1);

	memcpy(img, image, image_len);
	eh->e_machine = EM_AARCH64;
	EXPECT_REFUSED(try_exec(img, image_len), "wrong machine", 0);

	/* Linux's 32-bit loader accepts this odd hybrid; Ferry runs 64-bit programs only. */
	if (t_on_linux()) {
		t_skip("32-bit class: Linux runs it");
	} else {
		memcpy(img, image, image_len);
		eh->e_ident[EI_CLASS] = ELFCLASS32;
		EXPECT_REFUSED(try_exec(img, image_len), "32-bit class", 0);
	}

	memcpy(img, image, image_len);
	eh->e_phnum = 0xffff;
	EXPECT_REFUSED(try_exec(img, image_len), "absurd number of program headers", 0);

	memcpy(img, image, image_len);
	eh->e_phentsize = 12;
	EXPECT_REFUSED(try_exec(img, image_len), "wrong program header size", 0);

	/* Segment-level damage: find the first PT_LOAD. */
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);
	int load = -1, second = -1;
	memcpy(img, image, image_len);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (load < 0)
			load = i;
		else if (second < 0)
			second = i;
	}
	if (CHECK(load >= 0 && second >= 0, "the program has two loadable segments")) {
		memcpy(img, image, image_len);
		ph[load].p_offset = image_len + 0x100000;
		EXPECT_REFUSED(try_exec(img, image_len), "segment data beyond the end of the file", 1);

		memcpy(img, image, image_len);
		ph[load].p_filesz = ph[load].p_memsz + 0x1000;
		EXPECT_REFUSED(try_exec(img, image_len), "file size larger than memory size", 1);

		memcpy(img, image, image_len);
		ph[second].p_vaddr = ph[load].p_vaddr;
		ph[second].p_offset = ph[load].p_offset;
		EXPECT_REFUSED(try_exec(img, image_len), "overlapping segments", 1);

		memcpy(img, image, image_len);
		ph[load].p_memsz = 0x7fffffffffff0000ull;
		EXPECT_REFUSED(try_exec(img, image_len), "absurd memory size", 1);

		memcpy(img, image, image_len);
		ph[load].p_vaddr += 1; /* address and offset no longer agree modulo the page */
		EXPECT_REFUSED(try_exec(img, image_len), "misaligned segment", 1);
	}

	memcpy(img, image, image_len);
	EXPECT_REFUSED(try_exec(img, image_len / 3), "truncated in the middle of its segments", 1);

	/* After all that, this process (and the kernel) still work. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(5);
	int st = t_wait(pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5, "the system carries on");
	return t_done();
}
