// SPDX-License-Identifier: GPL-2.0
/*
 * Engines: what runs a guest's vCPU.  Read after guest.c; kvm.c is the
 * first engine.
 *
 * The device model, boot and fleet code never say "KVM": they call the
 * small table in guest.h (create, memory, boot state, irqfd, ioeventfd,
 * irq line, run, kick).  The megavirt engine (/dev/megavirt) will be a
 * second table in megavirt.c and, under --engine auto, the preferred one
 * wherever /dev/megavirt exists.  It lands once the hypervisor core's
 * run ABI does; until then asking for it says so, and auto means kvm.
 */
#include <stdio.h>
#include <string.h>

#include "guest.h"

static const struct engine_ops *const engines[] = {
	&kvm_engine,
};

/*
 * Find the engine @name and check that this host can run it, so that
 * "no /dev/kvm" is reported before any guest starts.  On failure @why
 * says what is wrong and @code holds the exit status to use.
 */
const struct engine_ops *engine__select(const char *name, char *why,
					size_t len, int *code)
{
	const struct engine_ops *e = NULL;
	unsigned int i;

	if (!strcmp(name, "auto"))
		name = "kvm";
	if (!strcmp(name, "megavirt")) {
		snprintf(why, len,
			 "the megavirt engine is not in this build yet; use --engine kvm");
		*code = MV_EXIT_HOST;
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(engines); i++)
		if (!strcmp(engines[i]->name, name))
			e = engines[i];
	if (!e) {
		snprintf(why, len, "unknown engine '%s' (auto, kvm, megavirt)",
			 name);
		*code = MV_EXIT_USAGE;
		return NULL;
	}
	*code = e->probe(why, len);
	return *code ? NULL : e;
}
