/* expect: 3 data ids */
/* idtable.c's growing id table, but boot code passes it to the registration
 * (usb-serial's module init hands option_ids to usb_serial_register_drivers(),
 * which copies the pointer into a structure it allocates): no pointer the
 * update can see holds it, so the running kernel keeps using its copy. */
#include <kcase.h>
#include <kcase_ids.h>
KS_GROWN_IDS(ids);
KS_DRIVER(ids);
int register_ids(struct driver *d, const struct id *table);
static int __init ks_init(void)
{
	return register_ids(&ks_driver, ids);
}
device_initcall(ks_init);
