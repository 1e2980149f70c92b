/* expect: 0 - - */
/* A TRACE_DEFINE_ENUM map, a trace event's print format and its output
 * function's symbol table change (rxrpc's __TRACE_SYSTEM_rxrpc_call_queued,
 * print_fmt_rxrpc_call, trace_raw_output_rxrpc_call's symbols: an enum value
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

struct print_sym {
	unsigned long mask;
	const char *name;
};
const char *trace_raw_output_demo(unsigned long v)
{
	static const struct print_sym symbols[] = {
		{ 1, "ONE" }, { 2, POSTVAL("TWO", "DEUX") },
	};

	return symbols[v & 1].name;
}
