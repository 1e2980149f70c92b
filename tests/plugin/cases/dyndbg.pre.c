/* pr_debug() as with CONFIG_DYNAMIC_DEBUG: a static descriptor in __dyndbg
 * named with __COUNTER__ and holding __LINE__. */
struct _ddebug {
	const char *modname, *function, *filename, *format;
	unsigned int lineno:18;
	unsigned int flags:8;
};
#define __PASTE(a, b) a##b
#define ___UNIQUE(p, c) __PASTE(p, c)
#define __pr_debug(id, fmt) do {					\
	static struct _ddebug __attribute__((used, aligned(8),		\
			section("__dyndbg"))) id = {			\
		"mod", __func__, __FILE__, fmt, __LINE__, 0 };		\
	if (id.flags)							\
		dbg(&id);						\
} while (0)
#define pr_debug(fmt) __pr_debug(___UNIQUE(__UNIQUE_ID_ddebug, __COUNTER__), fmt)
extern void dbg(struct _ddebug *d);

void f(void) { pr_debug("in f\n"); }
void g(int x) { if (x) pr_debug("in g\n"); }
