struct big { int a, b, c, d; };
extern int ext(int);
static __attribute__((noinline)) int get_b(struct big *p) { return ext(p->b * 7); }
int use3(struct big *p) { return get_b(p) + 1; }
int use4(struct big *p) { return get_b(p) + p->a; }
