# The fuzzer (user/fuzz.c, run by tools/fuzz.sh):
#   make fuzz                        10 minutes on 4 CPUs, a random seed
#   make fuzz FUZZ_SECONDS=3600      an hour
#   make fuzz FUZZ_SEED=0x1234       replay a seed a failed run printed
# FUZZ_SMP and FUZZ_WORKERS change the machine and the number of workers.
# make test runs it too, for a bounded number of calls (tests/fuzz.sh).
FUZZ_SECONDS ?= 600
FUZZ_SEED ?=
FUZZ_SMP ?= 4
FUZZ_WORKERS ?= 6
.PHONY: fuzz
fuzz: deps kernel user initrd
	@tools/fuzz.sh --seconds $(FUZZ_SECONDS) --smp $(FUZZ_SMP) --workers $(FUZZ_WORKERS) \
		$(if $(FUZZ_SEED),--seed $(FUZZ_SEED))
