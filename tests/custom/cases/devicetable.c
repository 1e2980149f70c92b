/* expect: 0 - - */
/* A device id table that only MODULE_DEVICE_TABLE() names (mscc's
 * vsc85xx_tbl, not const, gains an entry): modpost reads it from the object
 * to make the module's aliases; no code or data of the kernel refers to it,
 * so its change is no state (unlike data.c). */
struct mdio_id { unsigned int phy_id, phy_id_mask; };

static struct mdio_id __attribute__((unused)) phy_tbl[] = {
	{ 0x00070540, 0xfffffff0 },
#ifdef POST
	{ 0x00070560, 0xffffffff },
#endif
	{ 0, 0 },
};
extern typeof(phy_tbl) __mod_mdio__phy_tbl_device_table __attribute__((unused, alias("phy_tbl")));

int phy_probe(unsigned int id) { return id == 0x00070540; }
