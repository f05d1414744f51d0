/* How we were booted: shared by boot.S and the C code that reads the loader's data. */
#pragma once

#define BOOT_PVH 1 /* QEMU -kernel: ebx = struct hvm_start_info */
#define BOOT_MB2 2 /* GRUB multiboot2: ebx = boot information */
#define BOOT_MB2_MAGIC 0x36d76289
#define PVH_START_MAGIC 0x336ec578
