#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvlaunch against QEMU microvm, both on KVM, in the same test host: the
# same guest kernel, initramfs and memory, N guests each.  For each guest
# we take the time from start to the guest's ready marker, its process's
# resident memory (launcher + guest), and the launcher's own share: the
# resident memory outside the guest-RAM mapping; and the launch rate, the
# guests over the time until the last of them is up.  Prints TAP, and
# BENCH lines for scripts/bench-report.sh.
#
# 30 MiB each by default, the --mem of issue 5's benchmark, which
# selftests/guest/fleet.sh uses for its 64 megavirt guests in the same
# run.
#
# Both guests get "quiet" (mvlaunch adds it by default: every byte on the
# emulated UART is an exit), so both consoles carry the same traffic.
#
# The test host's nested KVM is slow and fragile (DESIGN.md): one vCPU,
# a few guests at a time, so N is 4 unless MV_BENCH_GUESTS says otherwise.
n=${MV_BENCH_GUESTS:-4}
mem=${MV_BENCH_MEM:-30}
limit=${MV_BENCH_LIMIT:-240}
rounds=${MV_BENCH_ROUNDS:-2}
marker="megavirt-guest: ready"
kernel=$MV_GUEST_KERNEL
initrd=$MV_GUEST_INITRD
work=$(mktemp -d "${TMPDIR:-/tmp}/vmm_boot.XXXXXX")
best=$work/best
trap 'rm -rf "$work"' EXIT
tap=0

say() { echo "# $*"; }
result() {	# result <0|1> <text>
	tap=$((tap + 1))
	if [ "$1" = 0 ]; then echo "ok $tap $2"; else echo "not ok $tap $2"; fi
}
now_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }	# centiseconds

echo "TAP version 13"
if [ ! -f "$kernel" ] || [ ! -f "$initrd" ]; then
	echo "1..0 # SKIP no guest kernel or initramfs (make guest initramfs)"
	exit 4
fi
modprobe kvm_amd 2> /dev/null || modprobe kvm_intel 2> /dev/null
[ -c /dev/kvm ] || { echo "1..0 # SKIP no /dev/kvm in the test host"; exit 4; }
echo "1..$((4 * rounds + 1))"

# Resident kB of a process, and of the guest's RAM in it.  The guest's RAM
# is the run of back-to-back mappings that adds up to exactly its size:
# one anonymous mapping in QEMU, several in mvlaunch, which maps the
# kernel image from a shared file into the middle of it.  Failing that,
# the largest single mapping.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
ram_rss_kb() {	# ram_rss_kb <pid> <guest MiB>
	awk -v want=$(($2 * 1024)) '
	/^[0-9a-f]+-[0-9a-f]+ / { n++; split($1, a, "-"); lo[n] = a[1]; hi[n] = a[2] }
	/^Size:/ { size[n] = $2 }
	/^Rss:/ { rss[n] = $2 }
	END {
		for (i = 1; i <= n; i++) {
			if (size[i] > big) { big = size[i]; best = rss[i] }
			s = 0; r = 0
			for (j = i; j <= n && (j == i || lo[j] == hi[j - 1]); j++) {
				s += size[j]; r += rss[j]
				if (s >= want)
					break
			}
			if (s == want && r >= exact) { exact = r; found = 1 }
		}
		print found ? exact : best + 0
	}' "/proc/$1/smaps"
}

start_qemu() {	# start_qemu <index> <log>
	qemu-system-x86_64 -M microvm -accel kvm -cpu host -smp 1 -m "${mem}M" \
		-nodefaults -no-user-config -display none -no-reboot \
		-serial "file:$2" -kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet mv.index=$1 mv.count=$n panic=-1" \
		< /dev/null > "$2.err" 2>&1 &
	echo $!
}

start_mvlaunch() {	# start_mvlaunch <index> <log>
	mvlaunch --engine kvm --mem "${mem}M" --first-index "$1" \
		--no-progress "$kernel" "$initrd" < /dev/null > "$2" 2>&1 &
	echo $!
}

# bench <name>: start n guests, wait for them, measure, stop them.
bench() {
	vmm=$1
	rm -f "$work"/*.log "$work"/*.err
	t0=$(now_cs)
	pids=""
	i=0
	while [ $i -lt "$n" ]; do
		pids="$pids $(start_$vmm $i "$work/$i.log")"
		i=$((i + 1))
	done

	up=0 boot_total=0
	deadline=$((t0 + limit * 100))
	i=0
	while [ $i -lt "$n" ] && [ "$(now_cs)" -lt $deadline ]; do
		if grep -q "$marker" "$work/$i.log" 2> /dev/null; then
			last=$(($(now_cs) - t0))
			boot_total=$((boot_total + last))
			up=$((up + 1))
			i=$((i + 1))
			continue
		fi
		sleep 0.2
	done
	result $([ $up = "$n" ]; echo $?) "$vmm: $up of $n guests reached userspace"

	sleep 3	# let the guests settle into idle
	total=0 launcher=0 counted=0
	for p in $pids; do
		[ -d "/proc/$p" ] || continue
		r=$(rss_kb "$p")
		g=$(ram_rss_kb "$p" "$mem")
		total=$((total + r))
		launcher=$((launcher + r - g))
		counted=$((counted + 1))
	done
	for p in $pids; do kill "$p" 2> /dev/null; done
	sleep 1
	for p in $pids; do kill -9 "$p" 2> /dev/null; done
	wait 2> /dev/null

	if [ $up -gt 0 ] && [ $counted -gt 0 ]; then
		keep_min "$vmm.boot_ms" $((boot_total * 10 / up))
		[ $up = "$n" ] && keep_min "$vmm.last_up_ms" $((last * 10))
		keep_min "$vmm.rss_kb" $((total / counted))
		keep_min "$vmm.launcher_rss_kb" $((launcher / counted))
		result 0 "$vmm: measured $counted processes"
	else
		result 1 "$vmm: nothing to measure"
		for f in "$work"/*.log; do tail -n 5 "$f" | sed 's/^/#   /'; done
	fi
}

# The best of each figure over the rounds, one file per key in $best.
keep_min() {
	f=$best/$1
	if [ ! -f "$f" ] || [ "$2" -lt "$(cat "$f")" ]; then
		echo "$2" > "$f"
	fi
}

# Alternate the two, so neither always runs first on a cold host.
say "$n guests of ${mem} MiB each, kernel $(basename "$kernel"), $rounds rounds"
mkdir -p "$best"
round=0
while [ $round -lt "$rounds" ]; do
	bench qemu
	bench mvlaunch
	round=$((round + 1))
done
for f in "$best"/*; do
	key=${f##*/}
	case "$key" in *_ms) unit=ms ;; *) unit=kB ;; esac
	echo "BENCH $key $(cat "$f") $unit"
	case "$key" in *.last_up_ms)
		echo "BENCH ${key%.last_up_ms}.launch_rate" \
			"$(echo "scale=3; $n * 1000 / $(cat "$f")" | bc | sed "s/^\./0./")" guests/s
	esac
done
result $([ -z "$(pidof qemu-system-x86_64 mvlaunch)" ]; echo $?) "no guest process left behind"
