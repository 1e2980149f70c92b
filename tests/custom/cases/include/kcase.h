/* The kernel's section macros, as in include/linux/{init,cache}.h. */
#define __init __attribute__((__section__(".init.text"), __cold__))
#define __initdata __attribute__((__section__(".init.data")))
#define __read_mostly __attribute__((__section__(".data..read_mostly")))
#define __data_once __attribute__((__section__(".data..once")))
#define noinline __attribute__((__noinline__))
typedef int (*initcall_t)(void);
#define device_initcall(fn) \
	static initcall_t __initcall_##fn __attribute__((__used__, __section__(".initcall6.init"))) = fn
