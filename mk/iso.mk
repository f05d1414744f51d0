# Bootable ISOs: GRUB (BIOS and UEFI) loads build/ferry.elf by multiboot2.
#   make iso           build/ferry.iso, kernel command line ISO_CMDLINE
#   make iso-selftest  build/ferry-selftest.iso, command line ISO_SELFTEST_CMDLINE
# INITRD names a file to add as the boot module "initrd"; a mk/*.mk that
# builds the initrd sets it (INITRD := $(BUILD)/initrd.cpio) and the ISOs
# then depend on it. tools/mkiso.sh rebuilds an ISO only when its kernel,
# initrd or command line changed.
ISO                  := $(BUILD)/ferry.iso
ISO_SELFTEST         := $(BUILD)/ferry-selftest.iso
ISO_CMDLINE          ?=
ISO_SELFTEST_CMDLINE ?= selftest loglevel=2
INITRD               ?=

.PHONY: iso iso-selftest FORCE
iso: $(ISO)
iso-selftest: $(ISO_SELFTEST)

# Second expansion: INITRD may be set by a mk/*.mk read after this one.
.SECONDEXPANSION:
$(ISO): $(KERNEL) $$(INITRD) tools/mkiso.sh FORCE
	@tools/mkiso.sh $@ $(KERNEL) '$(subst ','\'',$(ISO_CMDLINE))' $(INITRD)
$(ISO_SELFTEST): $(KERNEL) $$(INITRD) tools/mkiso.sh FORCE
	@tools/mkiso.sh $@ $(KERNEL) '$(subst ','\'',$(ISO_SELFTEST_CMDLINE))' $(INITRD)
FORCE:
