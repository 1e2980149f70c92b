/* expect: 0 in_place ids */
/* A static const table whose address a registered structure holds (a
 * driver's id table in its struct driver, as ahci_pci_tbl in ahci_pci_driver)
 * gains an entry: the update carries the grown table and the core rewrites
 * the holder's pointer in place (packager/diff.c holders_take_new_copy).
 * Unlike a table that boot code registered itself (idtableboot.c), and a
 * constant only the patched code reads (staticconst.c). */
#include <kcase.h>
#include <kcase_ids.h>
KS_GROWN_IDS(ids);
KS_DRIVER(ids);
