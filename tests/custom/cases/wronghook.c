/* expect: 3 signature conn_open */
#include <ksplice-patch.h>
#ifdef POST
int conn_open(int fd, int flags) { return fd + flags; }
static void fix(void) { }
ksplice_apply(fix);
#else
int conn_open(int fd) { return fd; }
#endif
