/* WARN_ON() as the kernel's x86 bug.h does it: __LINE__ goes into __bug_table;
 * and __LINE__ as a call argument next to __FILE__ or __func__. */
#define WARN_ON(cond) ({						\
	int __c = !!(cond);						\
	if (__c)							\
		asm volatile("1:\t.byte 0x0f, 0x0b\n"			\
			     ".pushsection __bug_table,\"aw\"\n"	\
			     "2:\t.long 1b - .\t# bug_entry::bug_addr\n" \
			     "\t.long %c0 - .\t# bug_entry::file\n"	\
			     "\t.word %c1\t# bug_entry::line\n"		\
			     "\t.word %c2\t# bug_entry::flags\n"	\
			     "\t.org 2b+%c3\n"				\
			     ".popsection\n"				\
			     : : "i" (__FILE__), "i" (__LINE__),	\
				 "i" (1 << 1), "i" (12));		\
	__c;								\
})
extern void report(const char *file, int line);
extern int printk(const char *fmt, ...);
extern void say(const char *);
#define STR2(x) #x
#define STR(x) STR2(x)
extern int ext(int);

/*
 * Three new lines: every __LINE__ below shifts.
 */
int f(int x) { WARN_ON(x > 100); return ext(x); }
int g(int x) { WARN_ON(x < 0); return ext(x + 2); }
int h(int x) { if (x == 7) report(__FILE__, __LINE__); return x; }
int k(int x) { if (x == 8) printk("%s:%d\n", __func__, __LINE__); return x; }
int n(int x) { report(__FILE__, x + 8); return x; }
int m(void) { return 30; }	/* a constant equal to its line, without __FILE__ */
int p(int x) { if (x == 9) say("failed at " __FILE__ ":" STR(__LINE__)); return x; }
