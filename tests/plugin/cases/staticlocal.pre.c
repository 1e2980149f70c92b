int a(void) { static int count; return ++count; }
int b(void) { static int count = 5; return count++; }
