/* expect: 0 - - */
/* A TRACE_DEFINE_ENUM map and a trace event's print format change (rxrpc's
 * __TRACE_SYSTEM_rxrpc_call_queued and print_fmt_rxrpc_call, an enum value
 * added): data that only shapes trace output, no reason for custom code. */
struct trace_eval_map {
	const char *system;
	const char *eval_string;
	unsigned long eval_value;
};
static struct trace_eval_map __attribute__((used, section(".init.data")))
	__TRACE_SYSTEM_demo_state = { "demo", "STATE", POSTVAL(1, 2) };
static char print_fmt_demo[] = POSTVAL("\"state=%d\"", "\"state=%d!\"");
int demo_fix(int x)
{
	return x + POSTVAL(0, 1) + print_fmt_demo[0];
}
