/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One guest, as one launcher process sees it: its memory, the engine that
 * runs its vCPU, the buses its devices sit on, its console output and the
 * one way it ends.  Read after mvlaunch.h; the virtio side is in virtio.h.
 *
 * A process runs exactly one guest, for life (a fleet is many processes),
 * so each device keeps its state in one file-scope instance.
 */
#ifndef MVLAUNCH_GUEST_H
#define MVLAUNCH_GUEST_H

#include <pthread.h>
#include <stdarg.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "mvlaunch.h"

struct guest;

/* memory.c: guest RAM is one range of our address space from gpa 0. */
struct guest_mem {
	u8 *hva;
	u64 size;
};

int mem__init(struct guest_mem *m, u64 size, bool ksm);
void mem__exit(struct guest_mem *m);
void *mem__ptr(const struct guest_mem *m, u64 gpa, u64 len);
int mem__map_file(struct guest_mem *m, u64 gpa, int fd, u64 off, u64 len);

/* boot.c: the bzImage, read once per node and shared by every guest. */
#define VMLINUX_SEGS	8

struct vmlinux_seg {
	u64 paddr;
	u64 offset;
	u64 filesz;
	u64 memsz;
};

struct boot_image {
	const u8 *file;			/* the whole bzImage, mapped */
	size_t file_size;
	u16 version;			/* boot protocol, 0x020f = 2.15 */
	u32 setup_size;			/* real-mode part, skipped */
	u32 pm_size;			/* protected-mode part we load */
	u64 load_addr;			/* pref_address */
	u32 init_size;			/* what it needs from load_addr */
	u32 cmdline_max;
	u32 initrd_max;			/* highest byte the initrd may use */
	int initrd_fd;			/* -1: no initramfs */
	u64 initrd_size;
	u64 mem_min;			/* smallest RAM that can start it */
	u32 payload_offset;		/* the compressed vmlinux, from */
	u32 payload_length;		/* the protected-mode part's start */
	int vmlinux_fd;			/* decompressed once, or -1 */
	u64 vmlinux_size;
	bool vmlinux_cached;		/* found in the kernel cache */
	struct vmlinux_seg seg[VMLINUX_SEGS];
	unsigned int nr_segs;
	u64 entry;			/* vmlinux's physical entry */
	bool elf;			/* a test image, not a bzImage */
};

int boot__parse(const u8 *buf, size_t len, struct boot_image *img,
		char *why, size_t whylen);
int boot__open(const char *kernel, const char *initrd,
	       struct boot_image *img);
int boot__setup(struct guest *g);

/* elf.c: freestanding ELF test images, for the megavirt engine. */
bool elf__is_elf(const u8 *buf, size_t len);
int elf__parse(const u8 *buf, size_t len, struct boot_image *img,
	       char *why, size_t whylen);
int elf__load(struct guest *g);

/* vmlinux.c: the payload decompressed once, mapped into every guest. */
int vmlinux__prepare(struct boot_image *img, const char *cache);

/* kcache.c: the node's kernel cache, one vmlinux file per payload. */
int kcache__open(const char *dir, const u8 *payload, size_t len,
		 int (*unpack)(const u8 *, size_t, int), bool *hit);
void kcache__forget(const char *dir, const u8 *payload, size_t len);
int kcache__name(const char *dir, const u8 *payload, size_t len, char *buf,
		 size_t buflen);
int vmlinux__load(struct guest *g);

/* acpi.c: the tables a stock kernel needs to find devices and power off. */
u64 acpi__build(struct guest *g, u64 gpa, u64 room);

/* bus.c: address ranges to device callbacks, one bus for MMIO, one PIO. */
struct bus_dev {
	u64 base;
	u64 len;
	void (*access)(struct bus_dev *d, u64 off, u8 *data, u32 len,
		       bool write);
	void *priv;
};

#define BUS_MAX_DEVS	16

struct bus {
	struct bus_dev *dev[BUS_MAX_DEVS];
	unsigned int nr;
};

int bus__register(struct bus *b, struct bus_dev *d);
bool bus__access(struct bus *b, u64 addr, u8 *data, u32 len, bool write);

/*
 * Devices register themselves, kvmtool-style: each device file says
 * dev_init(its_init, order) and guest.c calls every init in order; an
 * init whose option was not given returns 0 and adds nothing.
 */
struct dev_init {
	int (*init)(struct guest *g);
	const char *name;
	int order;
	struct dev_init *next;
};

void dev_init__register(struct dev_init *d);
int dev_init__all(struct guest *g);

#define dev_init(fn, ord)						\
	static struct dev_init fn##__entry = { fn, #fn, ord, NULL };	\
	static void __attribute__((constructor)) fn##__register(void)	\
	{								\
		dev_init__register(&fn##__entry);			\
	}

#define DEV_ORDER_PLATFORM	10	/* serial, power */
#define DEV_ORDER_CONSOLE	20	/* virtio slots follow this order */
#define DEV_ORDER_RNG		30
#define DEV_ORDER_BALLOON	35
#define DEV_ORDER_BLK		40
#define DEV_ORDER_NET		50

/* ioloop.c: the launcher's main thread waits here for device work. */
typedef void (*io_cb)(void *arg, u32 events);

struct io_handler {
	int fd;
	io_cb cb;
	void *arg;
};

struct ioloop {
	int epfd;
	bool stop;
};

int ioloop__init(struct ioloop *l);
int ioloop__add(struct ioloop *l, struct io_handler *h, u32 events);
int ioloop__mod(struct ioloop *l, struct io_handler *h, u32 events);
void ioloop__del(struct ioloop *l, struct io_handler *h);
int ioloop__run(struct ioloop *l);
void ioloop__exit(struct ioloop *l);

/*
 * consock.c: --console-socket, one Unix socket per guest through which
 * an operator reads the recent output (a small ring) and types input.
 */
#define CONSOCK_RING	(16 * KIB)
#define CONSOCK_CLIENTS	4

struct ring {
	u8 *buf;
	size_t size;
	u64 written;			/* bytes ever put in */
};

struct consock;

struct consock_client {
	struct io_handler h;		/* h.fd -1: a free slot */
	struct consock *s;
	bool dead;			/* shut down, the main loop closes it */
};

struct consock {
	struct io_handler listen;	/* fd -1: no socket */
	struct consock_client client[CONSOCK_CLIENTS];
	struct ring ring;
	pthread_mutex_t *lock;		/* the output's */
	struct guest *g;
	char path[108];
};

int consock__init(struct consock *s, struct guest *g, pthread_mutex_t *lock);
void consock__write(struct consock *s, const void *buf, size_t len);
void consock__exit(struct consock *s);
int consock__path(const char *dir, unsigned int index, char *buf,
		  size_t len);
bool consock__in_use(const char *path);
void ring__put(struct ring *r, const void *buf, size_t len);
unsigned int ring__recent(const struct ring *r, struct iovec iov[2]);

/* output.c: console bytes to a terminal or log, scanned line by line. */
struct output {
	pthread_mutex_t lock;
	int fd;				/* -1: discard */
	bool per_line;			/* buffer whole lines, with prefix */
	char prefix[24];
	char line[512];
	size_t len;
	struct guest *g;
	struct consock sock;
};

int output__init(struct output *o, struct guest *g);
void output__write(struct output *o, const void *buf, size_t len);
void output__flush(struct output *o);
void output__exit(struct output *o);
bool output__scan(const char *line, const char *marker, char *panic,
		  size_t panic_len, bool *up);

/*
 * engine.c, kvm.c and megavirt.c: what runs the vCPU, behind one small
 * table.  kick_any_value: the engine's ioeventfd fires on any value
 * written to the address (megavirt), so a device takes one eventfd for
 * all its queues instead of one per queue matched by value (kvm).
 * no_pio: the guest cannot reach port I/O (megavirt's ring 1), so the
 * UART is out of its reach and terminal input goes to virtio-console.
 */
struct engine_ops {
	const char *name;
	const char *dev_path;
	bool kick_any_value;
	bool no_pio;
	int (*probe)(char *why, size_t len);
	int (*create)(struct guest *g);
	int (*add_memory)(struct guest *g);
	int (*set_boot_state)(struct guest *g);
	int (*irqfd)(struct guest *g, u32 gsi, int fd);
	int (*ioeventfd)(struct guest *g, u64 addr, u32 len, u64 match,
			 int fd);
	int (*irq_line)(struct guest *g, u32 gsi, int level);
	int (*run)(struct guest *g);
	void (*kick)(struct guest *g);
	void (*dump)(struct guest *g);
	void (*stats)(struct guest *g, char *buf, size_t len);
	void (*destroy)(struct guest *g);
};

extern const struct engine_ops kvm_engine;
extern const struct engine_ops megavirt_engine;
const struct engine_ops *engine__select(const char *name,
					const struct boot_image *img,
					char *why, size_t len, int *code);
int megavirt__check_abi(const char *dev, int version, int err, char *why,
			size_t len);

/* serial.c and power.c: the few port-I/O devices a PC kernel expects. */
void serial__input(struct guest *g, const u8 *buf, size_t len);

/*
 * The guest's end.  Everything that can stop a guest - the guest itself,
 * a device that finds the guest misbehaving, the engine, a signal - calls
 * guest__end(), which keeps the first reason and wakes the main loop.
 */
enum guest_end {
	GUEST_RUNNING,
	GUEST_POWEROFF,
	GUEST_REBOOT,
	GUEST_PANIC,
	GUEST_CRASH,
	GUEST_STOPPED,
	GUEST_FAILED,			/* the launcher failed, not the guest */
};

#define GUEST_MAX_VDEVS	9

struct virtio_dev;

/* Per-guest resources, numbered in the order the devices claim them. */
#define VIRTIO_MMIO_BASE	0xd0000000ULL
#define VIRTIO_MMIO_STRIDE	0x1000ULL
#define VIRTIO_MMIO_SIZE	0x200ULL

/* Where the engine starts the vCPU: filled by boot.c. */
struct boot_state {
	u64 rip;
	u64 rsi;
	u64 rsp;
	u64 cr3;
	u64 gdt_base;
	u16 gdt_limit;
};

struct guest {
	const struct mv_config *cfg;
	const struct boot_image *img;
	unsigned int index;
	int status_fd;			/* to the fleet parent, or -1 */
	const struct engine_ops *engine;
	void *engine_data;
	struct guest_mem mem;
	struct boot_state boot;
	struct bus mmio;
	struct bus pio;
	struct output out;
	struct ioloop loop;
	struct io_handler end_handler;
	pthread_t vcpu_thread;
	bool vcpu_started;

	pthread_mutex_t end_lock;
	enum guest_end end;
	char reason[200];
	char panic[200];		/* the console's "Kernel panic" line */
	bool up;			/* the ready marker was seen */
	u64 t_start;			/* ns, CLOCK_MONOTONIC */
	u64 t_up;
	int end_fd;			/* eventfd: wakes the main loop */

	struct virtio_dev *vdev[GUEST_MAX_VDEVS];
	unsigned int nr_vdevs;
	void *serial;
	void *console;
	char cmdline[2048];
	size_t cmdline_len;
};

void __printf(3, 4) guest__end(struct guest *g, enum guest_end end,
			       const char *fmt, ...);
int guest__fail(struct guest *g, const char *what);
bool guest__ended(struct guest *g);
void guest__set_up(struct guest *g);
void guest__set_panic(struct guest *g, const char *reason);
void guest__mmio(struct guest *g, u64 addr, u8 *data, u32 len, bool write);
void guest__pio(struct guest *g, u16 port, u8 *data, u32 len, bool write);
void guest__console_input(struct guest *g, const u8 *buf, size_t len);
int guest__cmdline_add(struct guest *g, const char *fmt, ...)
	__printf(2, 3);
int guest__run(const struct mv_config *cfg, const struct boot_image *img,
	       unsigned int index, int status_fd, int go_fd);
const char *guest__end_name(enum guest_end end);
u64 guest__now(void);

/* What a guest process tells the fleet parent, one write per message. */
enum fleet_event {
	FLEET_READY,			/* set up; paused guests wait now */
	FLEET_UP,			/* the ready marker was seen */
	FLEET_END,			/* ended, see end and text */
};

struct fleet_msg {
	u32 index;
	u32 event;			/* enum fleet_event */
	u32 end;			/* enum guest_end, for FLEET_END */
	u32 pad;
	u64 rss;			/* FLEET_END: resident bytes, all */
	u64 rss_launcher;		/* ... of which not guest RAM */
	u64 pss_launcher;		/* the same, proportional */
	u64 pss;			/* all, proportional */
	u64 returned;			/* given back by page reporting */
	char text[200];
};

void fleet__send(int fd, const struct fleet_msg *msg);
void fleet__tell(int fd, unsigned int index, enum fleet_event ev);

#endif /* MVLAUNCH_GUEST_H */
