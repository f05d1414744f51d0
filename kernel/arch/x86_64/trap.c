/*
 * The IDT and trap dispatch. Kernel code runs with interrupts off
 * (invariant 1), so a trap from kernel mode is either an exception (a bug:
 * report and stop) or an interrupt taken in the idle loop's hlt. Traps from
 * user mode go to the process layer once it registers its handler.
 */
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/usercopy.h"
#include "lib/kernel.h"
#include "lib/ksyms.h"
#include "lib/panic.h"
#include "mm/layout.h"
#include "mm/vm.h"

struct idt_entry {
	u16 off0;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off1;
	u32 off2;
	u32 zero;
} __attribute__((packed));

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define IDT_DPL3           0x60

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t handlers[256]; /* [I after boot] */
extern const u64 trap_stubs[256];

/* Set by the process layer: exceptions raised in user mode, and the last
 * look (signals, kills, end of quantum) before any return to user mode. */
void (*user_exception_handler)(struct trapframe *tf);
void (*user_return_hook)(struct trapframe *tf);

static void idt_set(int vec, u64 addr, int ist, u8 dpl)
{
	idt[vec] = (struct idt_entry){
	    .off0 = addr & 0xffff,
	    .sel = GDT_KCODE,
	    .ist = (u8)ist,
	    .type = IDT_INTERRUPT_GATE | dpl,
	    .off1 = (addr >> 16) & 0xffff,
	    .off2 = addr >> 32,
	};
}

void idt_init(void)
{
	for (int v = 0; v < 256; v++)
		idt_set(v, trap_stubs[v], 0, 0);
	idt_set(EXC_DF, trap_stubs[EXC_DF], IST_DF, 0);
	idt_set(EXC_NMI, trap_stubs[EXC_NMI], IST_NMI, 0);
	idt_set(EXC_MC, trap_stubs[EXC_MC], IST_MC, 0);
	idt_set(EXC_BP, trap_stubs[EXC_BP], 0, IDT_DPL3); /* int3 from user mode */
	idt_load();
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) ptr = {sizeof(idt) - 1, (u64)idt};
	asm volatile("lidt %0" : : "m"(ptr));
}

void trap_set_handler(int vector, irq_handler_t handler)
{
	assert(vector >= 32 && vector < 256);
	handlers[vector] = handler;
}

static const char *const exception_names[32] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
    "invalid opcode", "device not available", "double fault", "coprocessor overrun",
    "invalid TSS", "segment not present", "stack fault", "general protection",
    "page fault", "reserved", "x87 error", "alignment check", "machine check",
    "SIMD error", "virtualization", "control protection",
};

const char *exception_name(u64 vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return "unknown exception";
}

void backtrace_from(u64 rbp)
{
	kprintf("backtrace:\n");
	u64 prev = 0;
	int repeats = 0, depth;
	for (depth = 0; depth < 24 + repeats && rbp; depth++) {
		/* Only follow frames that lie in kernel memory and are aligned. */
		if (rbp < DIRECT_MAP_BASE || (rbp & 7))
			break;
		u64 *frame = (u64 *)rbp;
		u64 ret = frame[1];
		if (!ksyms_is_text(ret))
			break;
		rbp = frame[0];
		/* Deep recursion (a stack overflow, say): one line for the run of equal frames. */
		if (ret == prev && repeats < 100000) {
			repeats++;
			continue;
		}
		if (repeats)
			kprintf("  ... the same frame %d more times\n", repeats);
		repeats = 0;
		prev = ret;
		u64 off;
		const char *name = ksyms_lookup(ret - 1, &off);
		kprintf("  [%d] %p %s+0x%lx\n", depth, (void *)ret, name ? name : "?", off + 1);
	}
	if (repeats)
		kprintf("  ... the same frame %d more times\n", repeats);
}

void trap_dump(const struct trapframe *tf)
{
	u64 off;
	const char *sym = ksyms_lookup(tf->rip, &off);
	kprintf("  rip %016lx <%s+0x%lx>  cs %lx  rflags %lx\n", tf->rip, sym ? sym : "?", off,
		tf->cs, tf->rflags);
	kprintf("  rsp %016lx  ss %lx  error %lx  cr2 %016lx\n", tf->rsp, tf->ss, tf->error,
		read_cr2());
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx,
		tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp,
		tf->r8);
	kprintf("  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", tf->r9, tf->r10, tf->r11,
		tf->r12);
	kprintf("  r13 %016lx r14 %016lx r15 %016lx cr3 %016lx\n", tf->r13, tf->r14, tf->r15,
		read_cr3());
}

static __noreturn void kernel_exception(struct trapframe *tf)
{
	/* Stack the report in one place; panic() adds the backtrace from our frame. */
	panic_begin();
	kprintf("\nKERNEL EXCEPTION on cpu %u: vector %lu (%s), error code 0x%lx\n",
		this_cpu() ? this_cpu()->index : 0, tf->vector, exception_name(tf->vector),
		tf->error);
	/* A push into a guard page cannot deliver the page fault: it becomes a double fault. */
	u32 owner;
	if ((tf->vector == EXC_PF || tf->vector == EXC_DF) && vm_kstack_guard(read_cr2(), &owner))
		kprintf("kernel stack overflow: cpu %u's stack ran into its guard page\n", owner);
	trap_dump(tf);
	{
		u64 off;
		const char *name = ksyms_lookup(tf->rip, &off);
		kprintf("backtrace:\n  [-] %p %s+0x%lx\n", (void *)tf->rip, name ? name : "?", off);
	}
	backtrace_from(tf->rbp);
	panic_end();
}

extern const char usercopy_hw_begin[], usercopy_hw_end[], usercopy_hw_fault[];

bool usercopy_fixup(struct trapframe *tf)
{
	/* Only the copy's own moves, and only on the user half: anything else is a kernel bug. */
	if (tf->rip < (u64)usercopy_hw_begin || tf->rip >= (u64)usercopy_hw_end ||
	    read_cr2() >= USER_TOP)
		return false;
	tf->rip = (u64)usercopy_hw_fault;
	return true;
}

void trap_dispatch(struct trapframe *tf)
{
	u64 v = tf->vector;
	if (v < 32) {
		/* First: a core stopped by a panic's NMI halts, whatever mode it was in. */
		if (v == EXC_NMI && panic_in_progress())
			halt_forever();
		if (trap_from_user(tf) && user_exception_handler) {
			user_exception_handler(tf);
			if (user_return_hook)
				user_return_hook(tf);
			return;
		}
		if (v == EXC_PF && usercopy_fixup(tf))
			return;
		kernel_exception(tf);
	}
	if (handlers[v])
		handlers[v](tf);
	else
		pr_warn("trap: unexpected interrupt vector %lu\n", v);
	if (trap_from_user(tf) && user_return_hook)
		user_return_hook(tf);
}
