// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware tables a stock kernel needs.  Read after boot.c.
 *
 * A distribution kernel such as Debian's builds virtio-mmio as a module
 * without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so "virtio_mmio.device=" on
 * its command line means nothing to it: it finds virtio-mmio devices the
 * way it does on microvm machines, as ACPI devices with the _HID
 * "LNRO0005".  And without ACPI it cannot power off: `poweroff` falls
 * back to a halt that never leaves the vCPU.  So for the kvm engine we
 * write the smallest ACPI a kernel accepts:
 *
 *   RSDP -> XSDT -> FADT (hardware-reduced, sleep and reset registers in
 *                   port I/O that power.c serves) -> DSDT (the UART, one
 *                   Device per virtio-mmio slot, \_S5 for power off)
 *                -> MADT (one local APIC, the IOAPIC)
 *
 * "Hardware-reduced" spares us the PM timer, SCI, GPE blocks and FACS; the
 * kernel then enters S5 by writing SLP_TYP|SLP_EN to the sleep control
 * register (ACPI 6, 4.8.3.7), which is all we need to see.
 */
#include <stdio.h>
#include <string.h>

#include "virtio.h"

#define ACPI_SLEEP_CONTROL	0x600	/* served by power.c */
#define ACPI_SLEEP_STATUS	0x601
#define ACPI_RESET		0x602
#define ACPI_RESET_VALUE	0x01
#define ACPI_S5_TYPE		5

#define HDR_LEN			36
#define AML_MAX			2048
#define FADT_LEN		276	/* revision 6 */
#define FADT_HW_REDUCED		BIT(20)
#define FADT_RESET_REG		BIT(10)
#define BOOT_NO_VGA		BIT(2)
#define BOOT_NO_MSI		BIT(3)
#define BOOT_NO_CMOS_RTC	BIT(5)

#define LAPIC_BASE		0xfee00000U
#define IOAPIC_BASE		0xfec00000U

/* A table under construction, written little-endian at fixed offsets. */
struct tbl {
	u8 *p;
	u32 len;
};

static void put8(struct tbl *t, u32 off, u8 v)
{
	t->p[off] = v;
}

static void put16(struct tbl *t, u32 off, u16 v)
{
	memcpy(t->p + off, &v, 2);
}

static void put32(struct tbl *t, u32 off, u32 v)
{
	memcpy(t->p + off, &v, 4);
}

static void put64(struct tbl *t, u32 off, u64 v)
{
	memcpy(t->p + off, &v, 8);
}

static u8 checksum(const u8 *p, u32 len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return -sum;
}

static void header(struct tbl *t, const char *sig, u8 rev)
{
	memcpy(t->p, sig, 4);
	put32(t, 4, t->len);
	put8(t, 8, rev);
	memcpy(t->p + 10, "MVIRT ", 6);
	memcpy(t->p + 16, "MEGAVIRT", 8);
	put32(t, 24, 1);
	memcpy(t->p + 28, "MVL ", 4);
	put32(t, 32, 1);
}

static void finish(struct tbl *t)
{
	put32(t, 4, t->len);
	t->p[9] = 0;
	t->p[9] = checksum(t->p, t->len);
}

/* A Generic Address Structure naming one byte of port I/O. */
static void gas_port(struct tbl *t, u32 off, u16 port)
{
	put8(t, off, 1);		/* system I/O space */
	put8(t, off + 1, 8);		/* bit width */
	put8(t, off + 2, 0);
	put8(t, off + 3, 1);		/* byte access */
	put64(t, off + 4, port);
}

static void build_fadt(struct tbl *t, u64 dsdt)
{
	t->len = FADT_LEN;
	header(t, "FACP", 6);
	put32(t, 40, (u32)dsdt);
	put16(t, 109, BOOT_NO_VGA | BOOT_NO_MSI | BOOT_NO_CMOS_RTC);
	put32(t, 112, FADT_HW_REDUCED | FADT_RESET_REG);
	gas_port(t, 116, ACPI_RESET);
	put8(t, 128, ACPI_RESET_VALUE);
	put8(t, 131, 0);		/* minor revision: ACPI 6.0 */
	put64(t, 140, dsdt);
	gas_port(t, 244, ACPI_SLEEP_CONTROL);
	gas_port(t, 256, ACPI_SLEEP_STATUS);
	memcpy(t->p + 268, "MEGAVIRT", 8);
	finish(t);
}

static void build_madt(struct tbl *t)
{
	u32 o = 44;

	t->len = 44 + 8 + 12;
	header(t, "APIC", 4);
	put32(t, 36, LAPIC_BASE);
	put32(t, 40, 1);		/* PC-AT compatible: there is a PIC */
	/* Processor local APIC: uid 0, APIC id 0, enabled. */
	put8(t, o, 0);
	put8(t, o + 1, 8);
	put8(t, o + 2, 0);
	put8(t, o + 3, 0);
	put32(t, o + 4, 1);
	o += 8;
	/* The IOAPIC, GSIs from 0; KVM's in-kernel one answers there. */
	put8(t, o, 1);
	put8(t, o + 1, 12);
	put8(t, o + 2, 1);
	put32(t, o + 4, IOAPIC_BASE);
	put32(t, o + 8, 0);
	finish(t);
}

/*
 * AML, the little of it we need, built inside out: an object's length
 * prefix (PkgLength) counts its own bytes, so each body is built first
 * and then wrapped.
 */
struct aml {
	u8 b[AML_MAX];
	u32 n;
};

static void aml_put(struct aml *a, const void *p, u32 n)
{
	/* Too long: poison the length, build_dsdt() refuses it. */
	if (a->n + n > sizeof(a->b)) {
		a->n = sizeof(a->b) + 1;
		return;
	}
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

static void aml_byte(struct aml *a, u8 v)
{
	aml_put(a, &v, 1);
}

static void aml_pkglen(struct aml *a, u32 body)
{
	if (body + 1 < 0x40) {
		aml_byte(a, body + 1);
	} else if (body + 2 < 0x1000) {
		aml_byte(a, 0x40 | ((body + 2) & 0xf));
		aml_byte(a, (body + 2) >> 4);
	} else {
		aml_byte(a, 0x80 | ((body + 3) & 0xf));
		aml_byte(a, (body + 3) >> 4);
		aml_byte(a, (body + 3) >> 12);
	}
}

/* op [ext] PkgLength name body */
static void aml_wrap(struct aml *a, const u8 *op, u32 oplen, const char *name,
		     const struct aml *body)
{
	u32 namelen = strlen(name);

	aml_put(a, op, oplen);
	aml_pkglen(a, namelen + body->n);
	aml_put(a, name, namelen);
	aml_put(a, body->b, body->n);
}

static void aml_name_string(struct aml *a, const char *name, const char *s)
{
	aml_byte(a, 0x08);			/* NameOp */
	aml_put(a, name, 4);
	aml_byte(a, 0x0d);			/* String */
	aml_put(a, s, strlen(s) + 1);
}

static void aml_name_byte(struct aml *a, const char *name, u8 v)
{
	aml_byte(a, 0x08);
	aml_put(a, name, 4);
	aml_byte(a, 0x0a);			/* BytePrefix */
	aml_byte(a, v);
}

/* _CRS: the device's 512 bytes of registers and its edge-triggered IRQ. */
static void aml_crs(struct aml *a, u32 base, u32 irq)
{
	u8 res[12 + 9 + 2] = {
		0x86, 9, 0, 1,			/* Memory32Fixed, read-write */
	};
	struct aml buf = { .n = 0 };
	struct tbl t = { .p = res, .len = sizeof(res) };

	put32(&t, 4, base);
	put32(&t, 8, VIRTIO_MMIO_SIZE);
	put8(&t, 12, 0x89);			/* Extended Interrupt */
	put16(&t, 13, 6);
	put8(&t, 15, 0x03);			/* consumer, edge, high */
	put8(&t, 16, 1);
	put32(&t, 17, irq);
	put8(&t, 21, 0x79);			/* End tag */
	put8(&t, 22, 0);

	aml_byte(&buf, 0x0a);			/* BufferSize */
	aml_byte(&buf, sizeof(res));
	aml_put(&buf, res, sizeof(res));

	aml_byte(a, 0x08);
	aml_put(a, "_CRS", 4);
	aml_byte(a, 0x11);			/* BufferOp */
	aml_pkglen(a, buf.n);
	aml_put(a, buf.b, buf.n);
}

/*
 * The UART, as a PC's firmware describes it.  Under hardware-reduced ACPI
 * Linux has no legacy PIC and maps no ISA IRQ by itself, so ttyS0 gets
 * IRQ 4 only from this _CRS (through the 8250 PnP driver).
 */
static void aml_serial(struct aml *a)
{
	u8 res[8 + 9 + 2] = {
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,	/* IO */
		0x89, 0x06, 0x00, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00,
		0x79, 0x00,
	};
	struct aml buf = { .n = 0 }, dev = { .n = 0 };
	static const u8 device_op[] = { 0x5b, 0x82 };

	aml_name_string(&dev, "_HID", "PNP0501");
	aml_name_byte(&dev, "_UID", 0);
	aml_byte(&buf, 0x0a);
	aml_byte(&buf, sizeof(res));
	aml_put(&buf, res, sizeof(res));
	aml_byte(&dev, 0x08);
	aml_put(&dev, "_CRS", 4);
	aml_byte(&dev, 0x11);
	aml_pkglen(&dev, buf.n);
	aml_put(&dev, buf.b, buf.n);
	aml_wrap(a, device_op, 2, "COM1", &dev);
}

static int build_dsdt(struct tbl *t, struct guest *g)
{
	static const u8 scope_op[] = { 0x10 };
	static const u8 device_op[] = { 0x5b, 0x82 };
	static const u8 s5[] = {
		0x08, '_', 'S', '5', '_',	/* Name(_S5_, */
		0x12, 0x07, 0x04,		/* Package(4) { */
		0x0a, ACPI_S5_TYPE, 0x00, 0x00, 0x00,
	};
	struct aml sb = { .n = 0 }, all = { .n = 0 };
	unsigned int i;

	aml_serial(&sb);
	for (i = 0; g->cfg->announce & ANNOUNCE_ACPI && i < g->nr_vdevs; i++) {
		struct aml dev = { .n = 0 };
		char name[5];

		snprintf(name, sizeof(name), "VR%02u", i);
		aml_name_string(&dev, "_HID", "LNRO0005");
		aml_name_byte(&dev, "_UID", i);
		aml_crs(&dev, g->vdev[i]->base, g->vdev[i]->irq);
		aml_wrap(&sb, device_op, 2, name, &dev);
	}
	aml_wrap(&all, scope_op, 1, "\\_SB_", &sb);
	aml_put(&all, s5, sizeof(s5));
	if (all.n > sizeof(all.b))
		return -1;

	t->len = HDR_LEN + all.n;
	header(t, "DSDT", 2);
	memcpy(t->p + HDR_LEN, all.b, all.n);
	finish(t);
	return 0;
}

/*
 * Write the tables at @gpa (inside the reserved BIOS area) and return the
 * RSDP's address, or 0 if they would not fit in @room.
 */
u64 acpi__build(struct guest *g, u64 gpa, u64 room)
{
	u8 *base = mem__ptr(&g->mem, gpa, room);
	u64 rsdp = gpa, xsdt = gpa + 64, fadt = xsdt + 64;
	u64 madt = fadt + 512, dsdt = madt + 256;
	struct tbl t;

	if (!base || dsdt - gpa + HDR_LEN + AML_MAX > room)
		return 0;
	memset(base, 0, dsdt - gpa);

	t.p = base + (dsdt - gpa);
	if (build_dsdt(&t, g))
		return 0;

	t.p = base + (fadt - gpa);
	build_fadt(&t, dsdt);

	t.p = base + (madt - gpa);
	build_madt(&t);

	t.p = base + (xsdt - gpa);
	t.len = HDR_LEN + 16;
	header(&t, "XSDT", 1);
	put64(&t, HDR_LEN, fadt);
	put64(&t, HDR_LEN + 8, madt);
	finish(&t);

	/* RSDP 2.0: checksum over the first 20 bytes, then over all 36. */
	t.p = base;
	memcpy(t.p, "RSD PTR ", 8);
	memcpy(t.p + 9, "MVIRT ", 6);
	put8(&t, 15, 2);
	put32(&t, 20, 36);
	put64(&t, 24, xsdt);
	put8(&t, 8, checksum(t.p, 20));
	put8(&t, 32, checksum(t.p, 36));
	return rsdp;
}
