struct ops { int (*cb)(int a); long n; };
static int impl(int a) { return a + 1; }
struct ops my_ops = { .cb = impl, .n = 1 };
int call(struct ops *o) { return o->cb(1); }
long get_n(struct ops *o) { return o->n; }
