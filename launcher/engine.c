// SPDX-License-Identifier: GPL-2.0
/*
 * Engines: what runs a guest's vCPU.  Read after guest.c; kvm.c is the
 * first engine, megavirt.c the second.
 *
 * The device model, boot and fleet code never say "KVM" or "megavirt":
 * they call the small table in guest.h (create, memory, boot state,
 * irqfd, ioeventfd, irq line, run, kick).  What each engine can boot
 * differs today: kvm boots any bzImage, megavirt the freestanding ELF
 * test images (elf.c) until the Linux guest port exists.  So --engine
 * auto looks at the image: an ELF test image goes to megavirt, a bzImage
 * to kvm.  When the guest port lands, a bzImage that carries megavirt's
 * paravirtual entry will prefer megavirt wherever /dev/megavirt exists.
 */
#include <stdio.h>
#include <string.h>

#include "guest.h"

static const struct engine_ops *const engines[] = {
	&kvm_engine,
	&megavirt_engine,
};

/*
 * A bzImage can run on megavirt only if mvlaunch unpacks its payload
 * (xz, vmlinux.c): its decompressor would fault in ring 1.  Whether the
 * kernel has the megavirt entry is known once it is unpacked (megavirt.c).
 */
static bool unpackable(const struct boot_image *img)
{
	static const u8 xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };

	return img->payload_length >= sizeof(xz_magic) &&
	       !memcmp(img->file + img->setup_size + img->payload_offset,
		       xz_magic, sizeof(xz_magic));
}

/* auto: the engine that can run @img (see above and mvlaunch.rst). */
static const char *auto_engine(const struct boot_image *img)
{
	return img && img->elf ? "megavirt" : "kvm";
}

/*
 * Find the engine @name, check that this host can run it and that it can
 * run @img, so that "no /dev/kvm" is reported before any guest starts.
 * On failure @why says what is wrong and @code holds the exit status.
 */
const struct engine_ops *engine__select(const char *name,
					const struct boot_image *img,
					char *why, size_t len, int *code)
{
	const struct engine_ops *e = NULL;
	unsigned int i;

	if (!strcmp(name, "auto"))
		name = auto_engine(img);
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
	if (*code)
		return NULL;
	if (img && img->elf && e != &megavirt_engine) {
		snprintf(why, len,
			 "an ELF test image runs on the megavirt engine only; give a bzImage to --engine %s",
			 e->name);
		*code = MV_EXIT_USAGE;
		return NULL;
	}
	if (img && !img->elf && e == &megavirt_engine && !unpackable(img)) {
		snprintf(why, len,
			 "the megavirt engine boots ELF test images only, or a bzImage built for it that mvlaunch unpacks itself (CONFIG_MEGAVIRT_GUEST, xz payload); use --engine kvm");
		*code = MV_EXIT_USAGE;
		return NULL;
	}
	return e;
}
