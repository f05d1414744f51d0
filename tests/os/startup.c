/*
 * startup: what a program finds at its first instruction, laid out as
 * Linux does: argc, argv, envp and auxv on a 16-byte-aligned stack, the
 * static PIE's own relocations applied (musl's rcrt1 does them using
 * AT_PHDR), TLS reachable through FS. Then it runs itself again through
 * execve with known arguments and environment and checks them exactly.
 */
#include <elf.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "t.h"

#define ARCH_GET_FS 0x1003 /* <asm/prctl.h>, which musl does not ship */
#define NAUX 64

extern const Elf64_Ehdr __ehdr_start; /* the linker places it at the image base */
extern const Elf64_Dyn _DYNAMIC[];
extern char _start[]; /* musl's entry point, in rcrt1.o */

static int reloc_target;
static int *reloc_ptr = &reloc_target; /* needs a relocation at start-up */
static __thread int tls_init = 42;
static __thread int tls_zero;

static const char *child_argv[] = {NULL, "--exec-child", "one", "two words", "", NULL};
static const char *child_envp[] = {"FERRY_A=1", "FERRY_B=two words", "EMPTY=", NULL};

static unsigned long cpuid1_edx(void)
{
	unsigned a = 1, b, c = 0, d;

	__asm__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d;
}

/* The auxv Linux places after envp's NULL: fill aux[type] and seen[type]. */
static int read_auxv(char **envp, unsigned long *aux, int *seen)
{
	char **e = envp;
	int n = 0;

	while (*e)
		e++;
	for (Elf64_auxv_t *av = (Elf64_auxv_t *)(e + 1); n < 256; av++, n++) {
		if (av->a_type == AT_NULL)
			return 1;
		if (av->a_type < NAUX) {
			aux[av->a_type] = av->a_un.a_val;
			seen[av->a_type] = 1;
		}
	}
	return 0;
}

static void check_auxv(char **envp)
{
	unsigned long aux[NAUX] = {0};
	int seen[NAUX] = {0};
	static const struct {
		int type;
		const char *name;
	} need[] = {
	    {AT_PHDR, "AT_PHDR"},     {AT_PHENT, "AT_PHENT"},	{AT_PHNUM, "AT_PHNUM"},
	    {AT_PAGESZ, "AT_PAGESZ"}, {AT_BASE, "AT_BASE"},	{AT_ENTRY, "AT_ENTRY"},
	    {AT_RANDOM, "AT_RANDOM"}, {AT_EXECFN, "AT_EXECFN"}, {AT_HWCAP, "AT_HWCAP"},
	    {AT_SECURE, "AT_SECURE"},
	};

	CHECK(read_auxv(envp, aux, seen), "auxv follows envp and ends with AT_NULL");
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++) {
		int t = need[i].type;
		CHECK(seen[t], "auxv has %s", need[i].name);
		CHECK(getauxval(t) == aux[t], "getauxval(%s) matches the raw auxv", need[i].name);
	}

	const char *base = (const char *)&__ehdr_start;
	CHECK(aux[AT_PAGESZ] == 4096, "AT_PAGESZ is 4096 (got %lu)", aux[AT_PAGESZ]);
	CHECK(aux[AT_PHENT] == sizeof(Elf64_Phdr), "AT_PHENT is sizeof(Elf64_Phdr)");
	CHECK(aux[AT_PHNUM] == __ehdr_start.e_phnum, "AT_PHNUM matches the ELF header (%lu)",
	      aux[AT_PHNUM]);
	CHECK(aux[AT_PHDR] == (unsigned long)(base + __ehdr_start.e_phoff),
	      "AT_PHDR points at the loaded program headers (%#lx)", aux[AT_PHDR]);
	CHECK(aux[AT_ENTRY] == (unsigned long)_start, "AT_ENTRY is _start (%#lx)", aux[AT_ENTRY]);
	CHECK(aux[AT_ENTRY] == (unsigned long)base + __ehdr_start.e_entry,
	      "AT_ENTRY is the load base plus e_entry");
	CHECK(aux[AT_BASE] == 0, "AT_BASE is 0: a static PIE has no interpreter");
	CHECK(aux[AT_SECURE] == 0, "AT_SECURE is 0");

	int dyn = 0;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)aux[AT_PHDR];
	for (unsigned long i = 0; ph && i < aux[AT_PHNUM]; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(base + ph[i].p_vaddr) == _DYNAMIC;
	CHECK(dyn, "PT_DYNAMIC at AT_PHDR's base is where _DYNAMIC was loaded");

	const unsigned char *rnd = (const unsigned char *)aux[AT_RANDOM];
	int nonzero = 0;
	for (int i = 0; rnd && i < 16; i++)
		nonzero |= rnd[i];
	CHECK(nonzero, "AT_RANDOM points at 16 readable, not all zero bytes");

	const char *fn = (const char *)aux[AT_EXECFN];
	CHECK(fn && *fn && access(fn, X_OK) == 0, "AT_EXECFN names an executable file (%s)",
	      fn ? fn : "(null)");

	unsigned long hw = aux[AT_HWCAP];
	CHECK((hw & 1) && (hw & (1ul << 26)), "AT_HWCAP has FPU and SSE2 (%#lx)", hw);
	CHECK((hw & ~cpuid1_edx()) == 0, "AT_HWCAP bits are CPUID.1:EDX bits");
}

static void check_layout(int argc, char **argv, char **envp)
{
	CHECK(argc >= 1 && argv[0] && argv[0][0], "argc >= 1 and argv[0] is not empty");
	CHECK(argv[argc] == NULL, "argv[argc] is NULL");
	CHECK(envp == argv + argc + 1, "envp follows argv's NULL");
	CHECK(((uintptr_t)argv & 15) == 8, "the entry stack pointer (&argc) is 16-byte aligned");
	CHECK(*(long *)(argv - 1) == argc, "argc sits just below argv");

	char **e = envp;
	while (*e)
		e++;
	CHECK((char *)argv[0] > (char *)(e + 1), "argument strings lie above the vectors");
	char c = argv[0][0];
	argv[0][0] = 'X';
	CHECK(argv[0][0] == 'X', "argument strings are writable");
	argv[0][0] = c;
	CHECK(environ == envp, "musl's environ is envp");
}

static void check_runtime(void)
{
	CHECK(reloc_ptr == &reloc_target, "the static PIE relocated itself (pointer in data)");
	CHECK(tls_init == 42 && tls_zero == 0, "TLS holds its initial data and zeroed bss");

	unsigned long fs = 0;
	CHECK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs) == 0 && fs == (unsigned long)pthread_self(),
	      "arch_prctl(ARCH_GET_FS) returns musl's thread pointer");
	CHECK((uintptr_t)&tls_init < fs && fs - (uintptr_t)&tls_init < 4096,
	      "TLS data lies just below the thread pointer (variant II)");
	CHECK(getpid() > 0 && getppid() >= 0, "getpid %d, getppid %d", getpid(), getppid());
}

/* The exec'd copy: argv and envp must be exactly what the parent passed. */
static int exec_child(int argc, char **argv, char **envp)
{
	int n = 0;

	CHECK(argc == 5, "exec'd child has argc 5 (got %d)", argc);
	for (int i = 1; i < 5 && i < argc; i++)
		CHECK(strcmp(argv[i], child_argv[i]) == 0, "argv[%d] is \"%s\"", i, child_argv[i]);
	while (envp[n])
		n++;
	CHECK(n == 3, "exec'd child has 3 environment strings (got %d)", n);
	for (int i = 0; i < 3 && i < n; i++)
		CHECK(strcmp(envp[i], child_envp[i]) == 0, "envp[%d] is \"%s\"", i, child_envp[i]);
	CHECK(strcmp(getenv("FERRY_B") ? getenv("FERRY_B") : "", "two words") == 0,
	      "getenv sees the new environment");
	CHECK(strcmp((const char *)getauxval(AT_EXECFN), argv[0]) == 0,
	      "AT_EXECFN is the path given to execve");
	check_layout(argc, argv, envp);
	check_auxv(envp);
	return t_done();
}

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && strcmp(argv[1], "--exec-child") == 0)
		return exec_child(argc, argv, envp);

	check_layout(argc, argv, envp);
	check_auxv(envp);
	check_runtime();

	child_argv[0] = t_self();
	pid_t pid = fork();
	if (pid == 0) {
		execve(t_self(), (char **)child_argv, (char **)child_envp);
		_exit(127);
	}
	CHECK_EXITED(t_wait(pid), 0, "execve of itself with known argv and envp");
	return t_done();
}
