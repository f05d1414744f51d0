# The ext2 disk image: the same tree as the initrd (tools/mkinitrd.sh
# stages it in build/initrd.root), made into a 64 MiB ext3 file system
# (ext2 with a journal, so a power cut leaves it consistent) by e2fsprogs'
# mke2fs -d (no hand-written mkfs) and checked with e2fsck.
# Boot from it with: tools/qemu-boot.sh --disk build/disk.img -- 'root=/dev/vda'.
# Files are owned by root (root_owner), as on a real system, but user's
# home, which debugfs gives to user (1000:1000) as the initrd does.
.PHONY: disk
DISK := $(BUILD)/disk.img
MKE2FS ?= $(shell command -v mke2fs || echo /sbin/mke2fs)
E2FSCK ?= $(shell command -v e2fsck || echo /sbin/e2fsck)
DEBUGFS ?= $(shell command -v debugfs || echo /sbin/debugfs)

disk: $(DISK)
$(DISK): $(BUILD)/initrd.cpio mk/disk.mk
	@rm -f $@.tmp && truncate -s 64M $@.tmp
	@$(MKE2FS) -q -F -t ext3 -b 4096 -E root_owner=0:0 -d $(BUILD)/initrd.root $@.tmp
	@printf '%s\n' 'sif /home/user uid 1000' 'sif /home/user gid 1000' | \
		$(DEBUGFS) -w -f - $@.tmp >/dev/null 2>&1
	@$(E2FSCK) -fn $@.tmp >$@.fsck 2>&1 || { cat $@.fsck; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@
	@echo "  DISK    $@"

# make run boots build/ferry-run.iso (command line RUN_CMDLINE: the root on
# the disk) with build/run-disk.img attached. tools/run-disk.sh makes that
# disk a copy of build/disk.img on first use, and before every run writes
# the build's own files over it (Ferry's programs, busybox, /tests, /etc's
# three files) and the host files named in ADD, leaving the user's other
# files as they are:
#   make run ADD='./a.out ./data.txt:/home/'    (HOST[:GUEST], default /bin/NAME)
#   make reset-disk                              (back to a copy of build/disk.img)
# The console learns the size of the terminal make runs in (tty.rows=,
# tty.cols=) unless a window shows the VGA screen, which is 80x25.
RUN_ISO     ?= $(BUILD)/ferry-run.iso
RUN_DISK    ?= $(BUILD)/run-disk.img
RUN_TTY      = $(if $(filter-out none,$(FERRY_DISPLAY)),,$(shell { stty size </dev/tty; } 2>/dev/null | \
	awk 'NF == 2 && $$1 > 0 && $$2 > 0 { print "tty.rows=" $$1, "tty.cols=" $$2 }'))
RUN_CMDLINE ?= root=/dev/vda $(ISO_CMDLINE) $(RUN_TTY)
ADD         ?=
.PHONY: run-iso run-disk reset-disk
run-iso: $(RUN_ISO)
$(RUN_ISO): $(KERNEL) $(BUILD)/initrd.cpio tools/mkiso.sh FORCE
	@tools/mkiso.sh $@ $(KERNEL) '$(subst ','\'',$(strip $(RUN_CMDLINE)))' $(BUILD)/initrd.cpio
run-disk: $(DISK)
	@tools/run-disk.sh $(foreach a,$(ADD),--add '$(a)') $(RUN_DISK)
reset-disk: $(DISK)
	@tools/run-disk.sh --reset $(RUN_DISK)
