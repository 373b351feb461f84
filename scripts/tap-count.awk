# SPDX-License-Identifier: GPL-2.0
#
# Count results in the runner's TAP (scripts/testhost-runner.sh).  A test
# case is a nested "# ok"/"# not ok" line from a program's own TAP.  A
# program that printed no case of its own counts as one case by its outer
# line; a program whose outer line failed although none of its cases did
# (it crashed, hung or exited badly after its last case) adds one failure,
# and so does one that ran fewer or more cases than its plan announced.
# Prints "PASSED FAILED SKIPPED".

function outer(line,	short) {
	short = plan >= 0 && cases != plan
	if (cases == 0 && !short) {
		if (line ~ /^not ok/)
			failed++
		else if (line ~ /# SKIP/)
			skipped++
		else
			passed++
	} else if (short || (line ~ /^not ok/ && case_failed == 0)) {
		failed++
	}
	cases = 0
	case_failed = 0
	plan = -1
}

BEGIN { plan = -1 }
/^# 1\.\.[0-9]+/ { plan = substr($2, 4) + 0; next }

/^# (ok|not ok) [0-9]/ {
	cases++
	if ($0 ~ /^# not ok/) {
		failed++
		case_failed++
	} else if ($0 ~ /# SKIP/) {
		skipped++
	} else {
		passed++
	}
	next
}
/^(ok|not ok) [0-9]/ { outer($0) }
END { printf "%d %d %d\n", passed, failed, skipped }
