# The extra-checking kernel, build/ferry-check.elf: the same sources with
# -DKERNEL_CHECKS (lib/kernel.h's KCHECKS), which poisons every freed page
# and heap object and checks the poison when the memory is handed out
# again. Too slow for every build; make test boots it (tools/run-tests.sh
# sets FERRY_KERNEL), while make, make run and the ISOs use build/ferry.elf.
#   make check-kernel
CHECK_KERNEL := $(BUILD)/ferry-check.elf
CHECK_KOBJS := $(patsubst %,$(BUILD)/check/%.o,$(KSRCS))

.PHONY: check-kernel
check-kernel: $(CHECK_KERNEL)

$(BUILD)/check/kernel/%.c.o: kernel/%.c Makefile mk/check.mk | $(BUILD)/gen/sysnum.h
	@mkdir -p $(dir $@)
	@echo "  CC      $< (checks)"
	@$(CC) $(KCFLAGS) -DKERNEL_CHECKS -c $< -o $@

$(BUILD)/check/kernel/%.S.o: kernel/%.S Makefile
	@mkdir -p $(dir $@)
	@$(CC) $(KASFLAGS) -DKERNEL_CHECKS -c $< -o $@
$(BUILD)/check/kernel/vdso/vdso_blob.S.o: $(BUILD)/vdso/vdso.so

# Two links, as for ferry.elf: the second embeds the first's symbols for backtraces.
$(BUILD)/check/ferry.pass1.elf: $(CHECK_KOBJS) $(BUILD)/ksyms0.S.o kernel/arch/x86_64/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(CHECK_KOBJS) $(BUILD)/ksyms0.S.o
$(BUILD)/check/ksyms.S: $(BUILD)/check/ferry.pass1.elf tools/gen-ksyms.sh
	@tools/gen-ksyms.sh $< > $@
$(CHECK_KERNEL): $(CHECK_KOBJS) $(BUILD)/check/ksyms.S.o kernel/arch/x86_64/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(KLDFLAGS) -o $@ $(CHECK_KOBJS) $(BUILD)/check/ksyms.S.o
	@tools/check-kernel.sh $@

-include $(CHECK_KOBJS:.o=.d)
