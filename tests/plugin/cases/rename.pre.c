extern int ext(int);
int f(int x) { int tmp = ext(x); int other = tmp * 7; return other + tmp; }
