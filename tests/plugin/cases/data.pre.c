int table[4] = { 1, 2, 3, 4 };
const char *names[] = { "one", "two" };
char buf[16];
int get(int i) { return table[i]; }
const char *name(int i) { return names[i]; }
char *getbuf(void) { return buf; }
