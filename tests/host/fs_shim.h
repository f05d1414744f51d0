/* What tests/host/fs_shim.c lets file-system tests observe and control. */
#pragma once

#define SHIM_PAGES 8192 /* 32 MiB of host "physical memory" */

extern long shim_heap_live;   /* kmalloc'd blocks not yet freed */
extern long shim_page_budget; /* pages page_alloc may still hand out; -1: no limit */
long shim_pages_in_use(void);
