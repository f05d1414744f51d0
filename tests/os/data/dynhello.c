/*
 * A dynamically linked program (musl's ld.so is its interpreter), for
 * tests/os/interp: it says how it was started and exits with 3.
 */
#include <stdio.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
	printf("dynhello: argc %d argv0 %s base %s\n", argc, argv[0],
	       getauxval(AT_BASE) ? "set" : "zero");
	for (int i = 1; i < argc; i++)
		printf("dynhello: arg %s\n", argv[i]);
	return 3;
}
