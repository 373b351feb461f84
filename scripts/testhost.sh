#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test host and run the selftests in it.
#
# Our machines cannot load modules, so every test that needs megavirt.ko
# runs here instead: Debian's stock kernel (the one the module is built
# for) in QEMU software emulation, with an initramfs that carries busybox,
# the module, the launcher, the guest kernel and the selftests.  The test
# host's kernel log comes back on ttyS0, the TAP on ttyS1; the verdict is
# both.  See Documentation/build-and-test.rst.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage() {
	cat <<USAGE
usage: testhost.sh [options]

Boot the test host (Debian's stock kernel under QEMU TCG) and run the
selftests listed in selftests/tests.list for one configuration.

  --run NAME       configuration: host (default; 5-level paging),
                   guest (the same, for the Linux guest's tests),
                   fleet (the same, for the fleet of 64, which make
                   check runs alone),
                   no5lvl (4-level), pti (KPTI forced), kvm (1 vCPU, for
                   nested KVM tests), bench (1 vCPU, with QEMU: make
                   bench), demo (1 vCPU: boot and run the demo)
  --only TEXT      run only tests whose path contains TEXT
  --smp N          vCPUs (default: 2, 1 for the kvm run)
  --mem MB         memory in MiB (default: 2048)
  --timeout S      wall-clock limit for the whole boot (default: the
                   selected tests' own limits added up, plus 180 s)
  --append ARGS    extra kernel command line
  --out DIR        where logs go (default: build/testhost/NAME)
  --with-qemu      also pack QEMU (the benchmarks' baseline); the bench
                   run does this by itself
  -h, --help       this text

Exit status: 0 all passed, 1 a test failed or the kernel log is bad,
2 usage error, 3 the test host did not finish (hang, crash, time limit).
USAGE
}

run=host only="" smp="" mem=2048 timeout="" append="" out="" with_qemu=0
while [ $# -gt 0 ]; do
	case "$1" in
	--run) run=$2; shift ;;
	--only) only=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--append) append=$2; shift ;;
	--out) out=$2; shift ;;
	--with-qemu) with_qemu=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

mode=test
case "$run" in
host|guest|fleet) ;;
no5lvl) append="no5lvl $append" ;;
pti) append="pti=on $append" ;;
kvm) smp=${smp:-1} ;;
bench) smp=${smp:-1}; with_qemu=1 ;;
demo) mode=demo; smp=${smp:-1}; timeout=${timeout:-900} ;;
*) say "unknown run '$run'"; usage >&2; exit 2 ;;
esac
smp=${smp:-2}
# Two runs of the same configuration at once (two people on one machine)
# must not share logs: the second gets a directory of its own.
if [ -z "$out" ]; then
	out=$MV_ROOT/build/testhost/$run
	mkdir -p "$out"
	exec 9> "$out.lock"
	if ! flock -n 9; then
		out=$MV_ROOT/build/testhost/$run.$$
		trap 'rm -rf "$out"' EXIT
	fi
fi
mkdir -p "$out"

kver=$(mv_kver)
th=$MV_CACHE/testhost/$kver
vmlinuz=$th/boot/vmlinuz-$kver
[ -f "$vmlinuz" ] || die "no test host kernel at $vmlinuz; run 'make deps'"
[ -f "$MV_ROOT/kernel/megavirt.ko" ] || die "kernel/megavirt.ko is not built; run 'make'"

# The tests of this run, as "<timeout> <path>" lines for the runner.
list=$out/tests.run
awk -v run="$run" -v only="$only" '
	/^[ \t]*(#|$)/ { next }
	{
		n = split($1, runs, ",")
		for (i = 1; i <= n; i++)
			if (runs[i] == run && index($3, only)) {
				# the limit, the path and any VAR=value words
				$1 = ""
				print substr($0, 2)
			}
	}' "$MV_ROOT/selftests/tests.list" > "$list"
# Every test's own limit fires before the whole boot's does.
if [ -z "$timeout" ]; then
	timeout=$(awk '{ s += $1 } END { print s + 180 }' "$list")
fi
if [ "$mode" = test ] && [ ! -s "$list" ]; then
	say "no tests for run '$run'${only:+ matching '$only'}"
fi

# The initramfs: busybox, the stock modules the tests load, our binaries.
root=$out/root
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,root,etc}
mkdir -p "$root"/{lib/megavirt,selftests,guest,boot}
cp /bin/busybox "$root/bin/"
for applet in $(/bin/busybox --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
install -m 755 "$MV_ROOT/scripts/testhost-init.sh" "$root/init"
install -m 755 "$MV_ROOT/scripts/testhost-runner.sh" "$root/lib/megavirt/"
install -m 755 "$MV_ROOT/scripts/testhost-demo.sh" "$root/usr/bin/megavirt-demo"
cp "$MV_ROOT/kernel/megavirt.ko" "$root/lib/megavirt/"
cp "$vmlinuz" "$root/boot/vmlinuz"
cp "$list" "$root/selftests/tests.run"

mods=$th/lib/modules/$kver
mkdir -p "$root/lib/modules/$kver"
cp "$mods"/modules.dep "$mods"/modules.alias "$mods"/modules.symbols \
	"$mods"/modules.builtin "$mods"/modules.order "$root/lib/modules/$kver/" 2>/dev/null || true
for m in kvm-amd tun bridge veth; do
	awk -v m="kernel/.*/$m.ko:" '$0 ~ m { sub(":", ""); print }' "$mods/modules.dep" |
		tr ' ' '\n'
done | sort -u | while read -r f; do
	[ -n "$f" ] || continue
	mkdir -p "$root/lib/modules/$kver/$(dirname "$f")"
	cp "$mods/$f" "$root/lib/modules/$kver/$f"
done

[ -x "$MV_ROOT/launcher/mvlaunch" ] && cp "$MV_ROOT/launcher/mvlaunch" "$root/usr/bin/"
for t in "$MV_ROOT"/build/tools/*; do
	[ -x "$t" ] && cp "$t" "$root/usr/bin/"
done
[ -f "$MV_ROOT/build/guest/bzImage" ] && cp -L "$MV_ROOT/build/guest/bzImage" "$root/guest/"
[ -f "$MV_ROOT/build/guest/initramfs.cpio.gz" ] &&
	cp -L "$MV_ROOT/build/guest/initramfs.cpio.gz" "$root/guest/"
[ -d "$MV_ROOT/selftests/out" ] && cp -a "$MV_ROOT/selftests/out/." "$root/selftests/"

# QEMU, for the benchmarks' baseline: the binary, its libraries where the
# dynamic loader looks for them, and the firmware microvm boots with.
if [ $with_qemu = 1 ]; then
	q=$(command -v qemu-system-x86_64)
	for f in "$q" $(ldd "$q" | awk '/=> \// { print $3 } /^\t\// { print $1 }'); do
		mkdir -p "$root$(dirname "$f")"
		cp -L "$f" "$root$f"
	done
	mkdir -p "$root/usr/share/qemu"
	for f in bios-microvm.bin qboot.rom linuxboot_dma.bin pvh.bin kvmvapic.bin; do
		[ -e "/usr/share/qemu/$f" ] && cp -L "/usr/share/qemu/$f" "$root/usr/share/qemu/"
	done
fi

"$MV_ROOT/scripts/mkcpio.sh" "$root" "$out/initramfs.cpio"
rm -rf "$root"

# Boot.  panic=-1 with -no-reboot turns a test host panic into QEMU's exit,
# and the wall-clock limit turns a hang into a clear failure.
kmsg=$out/kmsg.log
tap=$out/tap.log
: > "$kmsg"
: > "$tap"
say "booting test host: run=$run, $smp vCPU, ${mem} MiB, limit ${timeout}s, logs in ${out#"$MV_ROOT"/}"
set +e
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg -cpu max -smp "$smp" -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$vmlinuz" -initrd "$out/initramfs.cpio" \
	-append "console=ttyS0 ignore_loglevel panic=-1 megavirt.mode=$mode $append" \
	-serial "file:$kmsg" -serial "file:$tap" < /dev/null &
qemu=$!
tail -n +1 -f --pid=$qemu "$tap" 2>/dev/null
wait $qemu
qrc=$?
set -e

status=0
if ! grep -q '^# megavirt-testhost: done' "$tap"; then
	if [ $qrc = 124 ] || [ $qrc = 137 ]; then
		echo "not ok - test host run '$run' killed at the ${timeout}s limit"
	else
		echo "not ok - test host run '$run' ended before its tests finished (qemu exit $qrc)"
	fi
	echo "# last lines of the test host kernel log:"
	tail -n 25 "$kmsg" | sed 's/^/#   /'
	status=3
fi
if ! "$MV_ROOT/scripts/kmsg-check.sh" "$kmsg"; then
	[ $status = 0 ] && status=1
	kmsg_bad=1
else
	kmsg_bad=0
fi

read -r passed failed skipped < <(awk -f "$MV_ROOT/scripts/tap-count.awk" "$tap")
[ $status = 3 ] && failed=$((failed + 1))
[ $kmsg_bad = 1 ] && failed=$((failed + 1))
[ "$failed" -gt 0 ] && [ $status = 0 ] && status=1
echo "$passed $failed $skipped" > "$out/result"
echo "# run $run: $passed passed, $failed failed, $skipped skipped"
exit $status
