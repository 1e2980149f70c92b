/* annotate_unreachable() as the kernel's compiler.h does it: __COUNTER__
 * in the template and as an otherwise unused "i" operand. */
#define __stringify_label(n) #n
#define __annotate_unreachable(c) ({					\
	asm volatile(__stringify_label(c) ":\n\t"			\
		     ".pushsection .discard.unreachable\n\t"		\
		     ".long " __stringify_label(c) "b - .\n\t"		\
		     ".popsection\n\t" : : "i" (c));			\
})
#define annotate_unreachable() __annotate_unreachable(__COUNTER__)
extern int ext(int);

int e(int x) { if (x) { ext(0); annotate_unreachable(); } return x; }
int f(int x) { if (x) { ext(1); annotate_unreachable(); } return ext(x); }
int g(int x) { if (x > 2) { ext(2); annotate_unreachable(); } return ext(x); }
