struct foo { int a; int added; int b; };
struct bar { long x; };
int get_a(struct foo *p) { return p->a; }
int get_b(struct foo *p) { return p->b; }
long get_x(struct bar *p) { return p->x; }
extern void take(struct foo *p);
void pass(struct foo *p) { take(p); }
