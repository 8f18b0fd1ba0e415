/* SPDX-License-Identifier: MIT */
/*
 * /init of a Linux guest whose address spaces are known, for the replay's
 * test: PID 1 forks CHILDREN children one after another; each writes
 * PAGES pages of a buffer of its own on its stack and exits; PID 1 waits
 * for each, prints "forks: done" and powers the machine off. No libc:
 * nothing else runs in user mode. Address spaces the hardware sees: the
 * kernel's boot identity map, PID 1's and each child's.
 */
#define CHILDREN 3
#define PAGES 24

static long sys6(long nr, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = nr;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;

	__asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}

#define SYS_write 64
#define SYS_exit 93
#define SYS_reboot 142
#define SYS_clone 220
#define SYS_wait4 260
#define SIGCHLD 17

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	sys6(SYS_write, 1, (long)s, n, 0);
}

static void child(int k)
{
	volatile char buf[PAGES * 4096];

	for (int i = 0; i < PAGES; i++)
		buf[i * 4096] = (char)(k + i);
	sys6(SYS_exit, 0, 0, 0, 0);
}

void _start(void)
{
	for (int k = 0; k < CHILDREN; k++) {
		long pid = sys6(SYS_clone, SIGCHLD, 0, 0, 0);

		if (pid == 0)
			child(k);
		if (pid < 0) {
			say("forks: FAILED\n");
			break;
		}
		sys6(SYS_wait4, pid, 0, 0, 0);
	}
	say("forks: done\n");
	/* LINUX_REBOOT_MAGIC1, MAGIC2, LINUX_REBOOT_CMD_POWER_OFF */
	sys6(SYS_reboot, 0xfee1dead, 0x28121969, 0x4321fedc, 0);
	for (;;)
		;
}
