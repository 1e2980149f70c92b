extern int puts(const char *);
void hello(void) { puts("Quoth the kernel"); }
void other(void) { puts("unchanged"); }
