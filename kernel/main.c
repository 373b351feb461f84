// SPDX-License-Identifier: GPL-2.0
/*
 * Where megavirt.ko begins: insmod lands in mv_init() below.
 *
 * megavirt runs guest kernels in ring 1 with no help from VT-x or AMD-V, so
 * before it offers /dev/megavirt it has to be sure this host is one it can
 * keep safe.  Three things make a host unfit, and each gets refused here
 * with a sentence that says why, rather than at the first guest:
 *
 *   - FRED replaces the IDT-based event delivery the switcher depends on;
 *   - without FSGSBASE the guest could not manage its own GS base, and the
 *     switcher could not keep its way home out of the guest's reach;
 *   - without a constant TSC we cannot hand the guest a clocksource.
 *
 * The rest (KPTI, SMAP, SMEP, UMIP, paging depth) changes how the switcher
 * behaves, not whether it can, so it is logged for whoever reads dmesg after
 * a bug report.  The next file to read is device.c.
 */
#include <linux/module.h>
#include <linux/string.h>
#include <linux/string_helpers.h>
#include <asm/cpufeature.h>
#include <asm/pgtable.h>
#include <asm/tlbflush.h>
#include <asm/tsc.h>

#include "mv.h"

static u32 mv_host_flags;

/*
 * Emulators (QEMU's TCG among them, which runs our test host) do not
 * advertise an invariant TSC.  Such a host can still run guests, only their
 * clocks may drift, so whoever knows that may say so.
 */
static bool allow_inconstant_tsc;
module_param(allow_inconstant_tsc, bool, 0444);
MODULE_PARM_DESC(allow_inconstant_tsc,
		 "Load even if the TSC is not constant (emulated hosts; guest clocks may drift)");

static int check_host(void)
{
#ifdef X86_FEATURE_FRED
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_err("refusing to load: FRED is enabled on this host; boot it with fred=off\n");
		return -ENODEV;
	}
#endif
	if (!boot_cpu_has(X86_FEATURE_FSGSBASE) ||
	    !(__read_cr4() & X86_CR4_FSGSBASE)) {
		pr_err("refusing to load: the host does not run with FSGSBASE (CPU too old, or booted with nofsgsbase)\n");
		return -ENODEV;
	}
	if (!boot_cpu_has(X86_FEATURE_CONSTANT_TSC)) {
		if (!allow_inconstant_tsc) {
			pr_err("refusing to load: the host TSC is not constant, guests would have no clocksource (allow_inconstant_tsc=1 overrides)\n");
			return -ENODEV;
		}
		pr_notice("the host TSC is not constant; loading anyway as asked, guest clocks may drift\n");
	}
	return 0;
}

static void note_host(void)
{
	if (boot_cpu_has(X86_FEATURE_PTI))
		mv_host_flags |= MV_HOST_KPTI;
	if (boot_cpu_has(X86_FEATURE_SMAP))
		mv_host_flags |= MV_HOST_SMAP;
	if (boot_cpu_has(X86_FEATURE_SMEP))
		mv_host_flags |= MV_HOST_SMEP;
	if (boot_cpu_has(X86_FEATURE_UMIP))
		mv_host_flags |= MV_HOST_UMIP;
	if (pgtable_l5_enabled())
		mv_host_flags |= MV_HOST_LA57;

	pr_info("host: %d-level paging, KPTI %s, SMAP %s, SMEP %s, UMIP %s, TSC %u kHz\n",
		pgtable_l5_enabled() ? 5 : 4,
		str_on_off(mv_host_flags & MV_HOST_KPTI),
		str_on_off(mv_host_flags & MV_HOST_SMAP),
		str_on_off(mv_host_flags & MV_HOST_SMEP),
		str_on_off(mv_host_flags & MV_HOST_UMIP),
		tsc_khz);
}

void mv_fill_host_info(struct mv_host_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->abi_version = MEGAVIRT_ABI_VERSION;
	info->flags = mv_host_flags;
	info->paging_levels = pgtable_l5_enabled() ? 5 : 4;
	info->tsc_khz = tsc_khz;
}

static int __init mv_init(void)
{
	int err;

	err = check_host();
	if (err)
		return err;
	note_host();

	err = mv_switcher_init();
	if (err)
		return err;
	err = mv_msrs_init();
	if (err)
		goto switcher_exit;
	err = mv_device_register();
	if (err)
		goto msrs_exit;
	pr_info("ready: /dev/megavirt, ABI version %d\n", MEGAVIRT_ABI_VERSION);
	return 0;

msrs_exit:
	mv_msrs_exit();
switcher_exit:
	mv_switcher_exit();
	return err;
}

static void __exit mv_exit(void)
{
	mv_device_unregister();
	mv_mmu_exit();
	mv_msrs_exit();
	mv_switcher_exit();
}

module_init(mv_init);
module_exit(mv_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("megavirt: ring-1 paravirtual hypervisor for lightweight Linux guests");
