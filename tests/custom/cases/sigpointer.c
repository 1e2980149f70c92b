/* expect: 3 signature op_read */
#include <kcase.h>
struct ops { long (*read)(long, long); };
#ifdef POST
static noinline long op_read(long a, long b) { return a * 2 - b; }
#else
static noinline long op_read(long a) { return a * 2; }
#endif
struct ops conn_ops = { .read = (void *)op_read };
