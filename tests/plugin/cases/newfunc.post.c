int f(int x) { return x + 1; }
int added(int x) { return x * 5; }
