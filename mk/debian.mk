# A Debian bookworm root (tools/mkdebian.sh says how it is built):
#   make debian                  build/debian.img (debootstrap once, cached in
#                                build/debian/), with the build's init put in
#   make run ROOT=debian         boot it (writable, kept between boots) into
#                                Debian's bash on the console
#   make reset-debian            build/debian.img made again from the cached tree
# tests/debian.sh runs a workload on a copy of it.
.PHONY: debian reset-debian
DEBIAN_IMG := $(BUILD)/debian.img
debian: deps $(BUILD)/user/bin/init
	@tools/mkdebian.sh $(DEBIAN_IMG)
reset-debian: deps $(BUILD)/user/bin/init
	@tools/mkdebian.sh --rebuild $(DEBIAN_IMG)

# make run ROOT=debian: its own ISO (the command line names bash), the
# Debian image as the disk, and no copying of Ferry's files onto it.
ifeq ($(ROOT),debian)
RUN_ISO     := $(BUILD)/ferry-debian.iso
RUN_DISK    := $(DEBIAN_IMG)
RUN_CMDLINE  = root=/dev/vda $(ISO_CMDLINE) $(RUN_TTY) -- /bin/bash -l
else ifneq ($(ROOT),)
$(error ROOT=$(ROOT): the roots are the default (no ROOT) and ROOT=debian)
endif
