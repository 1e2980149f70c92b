int table[4] = { 1, 2, 3, 5 };
const char *names[] = { "one", "deux" };
char buf[32];
int get(int i) { return table[i]; }
const char *name(int i) { return names[i]; }
char *getbuf(void) { return buf; }
