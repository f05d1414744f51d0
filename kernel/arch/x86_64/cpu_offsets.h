/* struct cpu field offsets for assembly; cpu.c checks them against the struct. */
#pragma once

#define CPU_USER_RSP  16
#define CPU_EXEC_RSP  24
#define CPU_ENTRY_RSP 32
#define CPU_LOCKS_HELD 40
#define CPU_TSS       48
#define CPU_TSS_RSP0  (CPU_TSS + 4) /* struct tss: u32 reserved, then rsp[0] */
#define CPU_TSS_SIZE  104
#define CPU_CUR_PROC  (CPU_TSS + CPU_TSS_SIZE)
#define CPU_CUR_DOM   (CPU_CUR_PROC + 8)
#define CPU_CUR_FS    (CPU_CUR_PROC + 16)
#define CPU_CUR_CRED  (CPU_CUR_PROC + 24)
#define CPU_CUR_ALONE (CPU_CUR_PROC + 32)
