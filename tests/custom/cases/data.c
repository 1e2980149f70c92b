/* expect: 3 data max_conns */
int max_conns = POSTVAL(16, 64);
int conns_allowed(int n) { return n < max_conns; }
