#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Turn the BENCH lines of one bench run into the report.  Times under
# emulation mean nothing on their own, so each is shown next to the
# baseline measured in the same boot, as a ratio; memory is shown as is.
#
# usage: bench-report.sh TAP-LOG
set -euo pipefail
log=$1

awk '
	{ sub(/^(# )+/, "") }
	$1 == "BENCH" { if (!($2 in value)) order[n++] = $2; value[$2] = $3; unit[$2] = $4 }
	function show(key, base, what) {
		if (!(key in value))
			return
		if (base in value && value[base] > 0)
			printf "  %-34s %10s %-3s  %7.2fx %s\n", key, value[key], unit[key],
				value[key] / value[base], what
		else
			printf "  %-34s %10s %s\n", key, value[key], unit[key]
	}
	END {
		print "megavirt benchmark report (one test-host boot)"
		print ""
		print "host baseline"
		show("host.getpid", "", "")
		print ""
		print "hypervisor core, as multiples of the host getpid()"
		for (i = 0; i < n; i++)
			if (order[i] ~ /^core\./)
				show(order[i], "host.getpid", "getpid")
		print ""
		print "launcher vs QEMU microvm, both on KVM (ratio mvlaunch/qemu)"
		show("qemu.boot_ms", "", "")
		show("mvlaunch.boot_ms", "qemu.boot_ms", "qemu")
		show("qemu.rss_kb", "", "")
		show("mvlaunch.rss_kb", "qemu.rss_kb", "qemu")
		show("qemu.launcher_rss_kb", "", "")
		show("mvlaunch.launcher_rss_kb", "qemu.launcher_rss_kb", "qemu")
		show("qemu.launch_rate", "", "")
		show("mvlaunch.launch_rate", "qemu.launch_rate", "qemu")
		print ""
		print "a megavirt fleet on the node bridge, idle at its shells"
		for (i = 0; i < n; i++)
			if (order[i] ~ /^megavirt\./)
				show(order[i], "", "")
		for (i = 0; i < n; i++)
			if (order[i] !~ /^(host|core|qemu|mvlaunch|megavirt)\./)
				show(order[i], "", "")
	}' "$log"
