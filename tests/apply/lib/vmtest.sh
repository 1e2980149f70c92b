# Host side of the apply tests: build the core and the tools, make update
# tarballs from fixtures, run one VM script, turn its checks into TAP.
# Source after tap.sh.
#
#	vm_setup                       builds kmod/ and tools/ (exit on failure)
#	tarball=$(vm_update FIXTURE ID [make-update options])
#	vm_create ID LOG WHAT [ksplice-create options]
#	                               ksplice-create --id=ID on the reference tree,
#	                               run in $vm_out, its output in $vm_out/LOG;
#	                               one TAP point, "WHATksplice-create writes
#	                               ksplice-ID.tar.gz" (the log when it fails)
#	vm_run NAME SCRIPT [--file ...]   boots the VM; $vm_rc, $vm_log
#	vm_results N                   emits exactly N TAP points from the VM's
#	                               "KS-TAP ok|not ok - DESC" lines
#
# The VM script starts with vm_prelude (check/ok helpers for busybox sh).

. "$KSPLICE_TOP/kbuild/common.sh"
vm_out=$KSPLICE_TOP/build/apply
mkdir -p "$vm_out/bin"

vm_setup() {
	local log=$vm_out/setup.log
	if ! { make -C "$KSPLICE_TOP/kmod" && make -C "$KSPLICE_TOP/tools"; } >"$log" 2>&1; then
		tap_ok 0 "kmod/ and tools/ build"
		sed 's/^/# /' "$log" | tail -20
		exit 1
	fi
	tap_ok 1 "kmod/ and tools/ build"
	cp "$KSPLICE_TOP"/tools/ksplice-apply "$KSPLICE_TOP"/tools/ksplice-undo \
		"$KSPLICE_TOP"/tools/ksplice-view "$vm_out/bin/"
}

vm_update() {
	local fixture=$1 id=$2
	shift 2
	"$KSPLICE_TOP/tests/apply/lib/make-update" "$@" \
		"$KSPLICE_TOP/tests/apply/fixtures/$fixture" "$id" "$vm_out"
}

vm_prelude() {
	cat <<'S'
KS_RESULTS=/tmp/ks-results
: >$KS_RESULTS
# check DESC CMD...: ok when CMD succeeds
check() {
	d=$1; shift
	if "$@" >/tmp/ks-check.out 2>&1; then
		echo "KS-TAP ok - $d" >>$KS_RESULTS
	else
		echo "KS-TAP not ok - $d" >>$KS_RESULTS
		sed 's/^/KS-DIAG /' /tmp/ks-check.out | tail -n 15 >>$KS_RESULTS
	fi
}
# status_is N DESC CMD...: ok when CMD exits with status N
status_is() {
	want=$1 d=$2; shift 2
	"$@" >/tmp/ks-check.out 2>&1
	got=$?
	if [ "$got" = "$want" ]; then
		echo "KS-TAP ok - $d" >>$KS_RESULTS
	else
		echo "KS-TAP not ok - $d (status $got, expected $want)" >>$KS_RESULTS
		sed 's/^/KS-DIAG /' /tmp/ks-check.out | tail -n 15 >>$KS_RESULTS
	fi
}
finish() { echo KS-RESULTS-BEGIN; cat $KS_RESULTS; echo KS-RESULTS-END; }
trap finish EXIT
S
}

vm_run() {
	local name=$1 script=$2
	shift 2
	vm_log=$KSPLICE_TOP/build/vm-logs/apply-$name.log
	mkdir -p "$(dirname "$vm_log")"
	rm -f "$vm_log"	# never read an earlier run's results
	vm_rc=0
	"$KSPLICE_TOP/tests/vm/run-vm" --file "$vm_out/bin:/ksplice/bin" "$@" \
		--log "$vm_log" "$script" >/dev/null 2>&1 || vm_rc=$?
}

vm_create() {
	local id=$1 log=$vm_out/$2 what=$3 tgz=$vm_out/ksplice-$1.tar.gz
	shift 3
	rm -f "$tgz"
	( cd "$vm_out" && "$KSPLICE_TOP/kbuild/ksplice-create" "$@" --id="$id" \
		"$(ks_kernel_dir)/linux" ) >"$log" 2>&1
	tap_ok "$([ -f "$tgz" ] && echo 1)" "${what}ksplice-create writes ksplice-$id.tar.gz"
	[ -f "$tgz" ] || sed 's/^/# /' "$log"
}

vm_results() {
	local want=$1 n=0 line
	while IFS= read -r line; do
		case $line in
		*"KS-TAP ok - "*) n=$((n + 1)); tap_ok 1 "${line#*KS-TAP ok - }" ;;
		*"KS-TAP not ok - "*) n=$((n + 1)); tap_ok 0 "${line#*KS-TAP not ok - }" ;;
		*"KS-DIAG "*) tap_diag "${line#*KS-DIAG }" ;;
		esac
	done < <(sed -n '/KS-RESULTS-BEGIN/,/KS-RESULTS-END/p' "$vm_log" | tr -d '\r')
	while [ "$n" -lt "$want" ]; do
		n=$((n + 1))
		tap_ok 0 "VM check $n did not report (VM status $vm_rc, log $vm_log)"
	done
	tap_ok "$([ "$vm_rc" = 0 ] && echo 1)" "the VM run ended cleanly: no Oops, BUG or WARNING (status $vm_rc)"
	[ "$vm_rc" = 0 ] || grep -aE 'Oops|BUG:|WARNING:|panic|general protection' "$vm_log" | head -5 | sed 's/^/# /'
}
