# The vDSO: a small shared object built with the host gcc, checked to fit
# in one page with no relocations left, and embedded in the kernel image.
VDSO_CFLAGS := -std=gnu11 -O2 -fPIC -fno-stack-protector -fno-asynchronous-unwind-tables \
	-mno-red-zone -mno-sse -mno-mmx -nostdlib -ffreestanding -Ikernel/vdso
$(BUILD)/vdso/vdso.so: kernel/vdso/vdso.c kernel/vdso/vdso.lds kernel/vdso/vdso_data.h
	@mkdir -p $(dir $@)
	@echo "  VDSO    $@"
	@$(CC) $(VDSO_CFLAGS) -shared -Wl,-T,kernel/vdso/vdso.lds -Wl,-soname=linux-vdso.so.1 \
		-Wl,--hash-style=both -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,--no-undefined -o $@ $<
	@! readelf -rW $@ | grep -q "R_X86_64" || { echo "vdso: has relocations" >&2; rm -f $@; exit 1; }
	@[ $$(stat -c %s $@) -le 4096 ] || { echo "vdso: larger than a page" >&2; rm -f $@; exit 1; }
$(BUILD)/kernel/vdso/vdso_blob.S.o: $(BUILD)/vdso/vdso.so
