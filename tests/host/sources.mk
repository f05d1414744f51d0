# Kernel sources each host unit test compiles (see mk/host-tests.mk).
HOST_TEST_random_SRCS := kernel/lib/random.c
HOST_TEST_lottery_SRCS := kernel/sched/lottery.c kernel/lib/random.c tests/host/shim_sched.c
