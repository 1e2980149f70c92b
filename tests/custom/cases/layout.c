/* expect: 3 layout struct:conn */
struct conn {
	int fd;
#ifdef POST
	int refs;
#endif
	int flags;
};
int conn_flags(struct conn *c) { return c->flags; }
