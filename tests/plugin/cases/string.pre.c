extern int puts(const char *);
void hello(void) { puts("Quoth the raven"); }
void other(void) { puts("unchanged"); }
