/* expect: 0 - - */
/* A const static local (NL_SET_ERR_MSG()'s "static const char __msg[]"): its
 * text changes, or a new one renumbers the others; only its function reads it,
 * which takes the update's copy: no state (unlike staticlocal.c). */
const char *enslave_error(int why)
{
	static const char msg[] = POSTVAL("cannot enslave", "cannot enslave: device is busy");

	return why ? msg : 0;
}
