int z(void) { static int count = 1; return count += 2; }
int a(void) { static int count; return ++count; }
int b(void) { static int count = 6; return count++; }
int y(void) { static int count = 9; return count--; }
