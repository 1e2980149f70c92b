extern int ext(int);
__attribute__((section(".init.text"))) int setup(int x) { return ext(x) + 1; }
int keep(int x) { return ext(x) + 2; }
