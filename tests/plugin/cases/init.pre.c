extern int ext(int);
int setup(int x) { return ext(x) + 1; }
int keep(int x) { return ext(x) + 2; }
