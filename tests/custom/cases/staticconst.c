/* expect: 0 - - */
static const char *const names[] = { "a", POSTVAL("b", "c") };
const char *name_of(int i) { return names[i & 1]; }
