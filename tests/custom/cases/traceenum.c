/* expect: 0 - - */
/* A TRACE_DEFINE_ENUM map changes (rxrpc's __TRACE_SYSTEM_rxrpc_call_queued,
 * an enum value renumbered): boot-time data that only names enum values in
 * trace output, no reason for custom code. */
struct trace_eval_map {
	const char *system;
	const char *eval_string;
	unsigned long eval_value;
};
static struct trace_eval_map __attribute__((used, section(".init.data")))
	__TRACE_SYSTEM_demo_state = { "demo", "STATE", POSTVAL(1, 2) };
int demo_fix(int x)
{
	return x + POSTVAL(0, 1);
}
