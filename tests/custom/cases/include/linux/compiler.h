/* Userspace stand-ins for the kernel headers kmod/ksplice-patch.h includes. */
#define __used __attribute__((__used__))
#define __section(s) __attribute__((__section__(s)))
