/* The vDSO image (built by mk/vdso.mk), page-aligned in the kernel's rodata. */
	.section .rodata
	.balign 4096
	.global vdso_image, vdso_image_end
vdso_image:
	.incbin VDSO_SO
vdso_image_end:
	.balign 4096
