# The ext2 disk image: the same tree as the initrd (tools/mkinitrd.sh
# stages it in build/initrd.root), made into a 64 MiB ext2 file system by
# e2fsprogs' mke2fs -d (no hand-written mkfs) and checked with e2fsck.
# Boot from it with: tools/qemu-boot.sh --disk build/disk.img -- 'root=/dev/vda'.
# Files are owned by root (root_owner), as on a real system.
.PHONY: disk
DISK := $(BUILD)/disk.img
MKE2FS ?= $(shell command -v mke2fs || echo /sbin/mke2fs)
E2FSCK ?= $(shell command -v e2fsck || echo /sbin/e2fsck)

disk: $(DISK)
$(DISK): $(BUILD)/initrd.cpio
	@rm -f $@.tmp && truncate -s 64M $@.tmp
	@$(MKE2FS) -q -F -t ext2 -b 4096 -E root_owner=0:0 -d $(BUILD)/initrd.root $@.tmp
	@$(E2FSCK) -fn $@.tmp >$@.fsck 2>&1 || { cat $@.fsck; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@
	@echo "  DISK    $@"

# make run boots build/ferry-run.iso (command line RUN_CMDLINE: the root on
# the disk) with build/run-disk.img attached: a copy of the built image,
# made on first use and kept between runs, so files persist (delete it for
# a fresh one).
RUN_ISO     := $(BUILD)/ferry-run.iso
RUN_DISK    := $(BUILD)/run-disk.img
RUN_CMDLINE ?= root=/dev/vda $(ISO_CMDLINE)
.PHONY: run-iso run-disk
run-iso: $(RUN_ISO)
run-disk: $(RUN_DISK)
$(RUN_ISO): $(KERNEL) $(BUILD)/initrd.cpio tools/mkiso.sh FORCE
	@tools/mkiso.sh $@ $(KERNEL) '$(subst ','\'',$(RUN_CMDLINE))' $(BUILD)/initrd.cpio
$(RUN_DISK): | $(DISK)
	@cp $(DISK) $@
	@echo "  DISK    $@ (kept between runs)"
