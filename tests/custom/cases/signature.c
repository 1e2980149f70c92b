/* expect: 3 signature conn_open */
#ifdef POST
int conn_open(int fd, int flags) { return fd + flags; }
#else
int conn_open(int fd) { return fd; }
#endif
