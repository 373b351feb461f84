// SPDX-License-Identifier: GPL-2.0
/*
 * The command line.  Read after main.c.  Everything is parsed and range
 * checked here, with a message naming the option and the rule it broke;
 * checks that need the files or the host are in preflight.c.  The option
 * list below is the one in --help and in Documentation/mvlaunch.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mvlaunch.h"

#define MVLAUNCH_VERSION	"0.1"

enum {
	OPT_PAUSED = 256,
	OPT_NODE,
	OPT_FIRST_INDEX,
	OPT_BRIDGE,
	OPT_READY_MARKER,
	OPT_CONSOLE,
	OPT_ANNOUNCE,
	OPT_RESTART,
	OPT_NO_RNG,
	OPT_NO_BALLOON,
	OPT_NO_KSM,
	OPT_OVERCOMMIT,
	OPT_NO_PROGRESS,
	OPT_STATS,
	OPT_DECOMPRESS,
	OPT_CONSOLE_SOCKET,
	OPT_KERNEL_CACHE,
	OPT_PROGRESS,
};

static const struct option long_opts[] = {
	{ "count",		required_argument, NULL, 'c' },
	{ "mem",		required_argument, NULL, 'm' },
	{ "batch",		required_argument, NULL, 'b' },
	{ "paused",		no_argument,	   NULL, OPT_PAUSED },
	{ "engine",		required_argument, NULL, 'e' },
	{ "append",		required_argument, NULL, 'a' },
	{ "node",		required_argument, NULL, OPT_NODE },
	{ "first-index",	required_argument, NULL, OPT_FIRST_INDEX },
	{ "disk",		required_argument, NULL, 'd' },
	{ "tap",		required_argument, NULL, 't' },
	{ "bridge",		required_argument, NULL, OPT_BRIDGE },
	{ "log-dir",		required_argument, NULL, 'l' },
	{ "ready-marker",	required_argument, NULL, OPT_READY_MARKER },
	{ "console",		required_argument, NULL, OPT_CONSOLE },
	{ "console-socket",	required_argument, NULL, OPT_CONSOLE_SOCKET },
	{ "virtio-announce",	required_argument, NULL, OPT_ANNOUNCE },
	{ "restart",		required_argument, NULL, OPT_RESTART },
	{ "no-rng",		no_argument,	   NULL, OPT_NO_RNG },
	{ "no-balloon",		no_argument,	   NULL, OPT_NO_BALLOON },
	{ "no-ksm",		no_argument,	   NULL, OPT_NO_KSM },
	{ "overcommit",		no_argument,	   NULL, OPT_OVERCOMMIT },
	{ "no-progress",	no_argument,	   NULL, OPT_NO_PROGRESS },
	{ "progress",		no_argument,	   NULL, OPT_PROGRESS },
	{ "stats",		no_argument,	   NULL, OPT_STATS },
	{ "decompress",		required_argument, NULL, OPT_DECOMPRESS },
	{ "kernel-cache",	required_argument, NULL, OPT_KERNEL_CACHE },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

void options__usage(void)
{
	printf("Usage: %s [OPTIONS] BZIMAGE [INITRAMFS]\n"
	       "       %s [OPTIONS] TEST-IMAGE.elf   (the megavirt engine)\n"
	       "Boot one or many Linux guests, one small process each.\n"
	       "\n"
	       "  -c, --count N          guests to start (default 1)\n"
	       "  -m, --mem SIZE         RAM per guest: N[K|M|G], plain N is MiB\n"
	       "                         (default 128M; 16M to 3G)\n"
	       "  -b, --batch N          start N guests at a time, each batch up\n"
	       "                         before the next (default: all at once)\n"
	       "      --paused           set every guest up, then start all together\n"
	       "  -e, --engine NAME      auto, kvm or megavirt (default auto:\n"
	       "                         megavirt for an ELF image, else kvm)\n"
	       "  -a, --append ARGS      add ARGS to the guest's command line\n"
	       "      --node N           this node's number (0-65535), for identity\n"
	       "      --first-index N    index of the first guest (default 0)\n"
	       "  -d, --disk IMAGE       read-only virtio-blk image, shared\n"
	       "  -t, --tap NAME         virtio-net on tap NAME; %%d is the index\n"
	       "      --bridge BR        create the taps and attach them to BR\n"
	       "  -l, --log-dir DIR      console of guest N to DIR/guest-N.log\n"
	       "      --ready-marker STR console line meaning \"up\"\n"
	       "                         (default \"megavirt-guest: ready\")\n"
	       "      --console KIND     serial (ttyS0, default) or virtio (hvc0)\n"
	       "      --console-socket DIR  console of guest N also on the Unix\n"
	       "                         socket DIR/guest-N.sock (see mvconsole)\n"
	       "      --virtio-announce HOW  acpi, cmdline or both (default both)\n"
	       "      --decompress WHO   launcher (default: once, shared by all\n"
	       "                         guests) or guest (each its own)\n"
	       "      --kernel-cache DIR where decompressed kernels are kept for\n"
	       "                         every fleet of the node, or none\n"
	       "                         (default ~/.cache/mvlaunch)\n"
	       "      --restart POLICY   no, on-failure or always (default no)\n"
	       "      --no-rng           no virtio-rng device\n"
	       "      --no-balloon       no virtio-balloon (free page reporting)\n"
	       "      --no-ksm           do not offer guest RAM to KSM\n"
	       "      --overcommit       skip the host memory check for --count\n"
	       "      --no-progress      no progress line on a terminal\n"
	       "      --progress         progress lines even without a terminal\n"
	       "      --stats            each guest reports its times and memory\n"
	       "  -h, --help             this text\n"
	       "  -V, --version          the version\n"
	       "\n"
	       "Exit status: 0 guests powered off or rebooted, 1 a guest panicked\n"
	       "or crashed, 2 bad command line, 3 unusable file, 4 host cannot run\n"
	       "it, 5 launcher failure, 128+N stopped by signal N.\n"
	       "See mvlaunch(1).\n", mv_prog, mv_prog);
}

/*
 * Sizes: digits and one optional suffix K, M or G (powers of 1024,
 * either case, an optional trailing "iB" or "B").  No suffix means MiB,
 * as with QEMU's -m.
 */
int options__parse_size(const char *s, u64 *bytes)
{
	unsigned long long v;
	u64 unit = MIB;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return s && *s == '-' ? -ERANGE : -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		switch (*end++) {
		case 'k': case 'K':
			unit = KIB;
			break;
		case 'm': case 'M':
			unit = MIB;
			break;
		case 'g': case 'G':
			unit = GIB;
			break;
		default:
			return -EINVAL;
		}
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
	}
	if (v > ~0ULL / unit)
		return -ERANGE;
	*bytes = v * unit;
	return 0;
}

/* A decimal number from 0 to @max; no sign, no junk. */
int options__parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return s && *s == '-' ? -ERANGE : -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int __printf(1, 2) bad(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	mv_err("%s (see --help)", buf);
	return MV_EXIT_USAGE;
}

static int parse_uint_opt(const char *name, const char *arg,
			  unsigned int min, unsigned int max,
			  unsigned int *out)
{
	int ret = options__parse_uint(arg, max, out);

	if (ret == -EINVAL)
		return bad("--%s '%s': not a number", name, arg);
	if (ret || *out < min)
		return bad("--%s %s: must be from %u to %u", name, arg, min,
			   max);
	return 0;
}

static int parse_mem(struct mv_config *cfg, const char *arg)
{
	int ret = options__parse_size(arg, &cfg->mem);

	if (ret == -EINVAL)
		return bad("--mem '%s': not a size (use e.g. 30M, 512M, 1G)",
			   arg);
	if (ret && *arg == '-')
		return bad("--mem %s: must be positive", arg);
	if (ret || cfg->mem > MV_MEM_MAX)
		return bad("--mem %s: too large, at most %lluM", arg,
			   MV_MEM_MAX / MIB);
	if (cfg->mem < MV_MEM_MIN)
		return bad("--mem %s: too small, at least %lluM", arg,
			   MV_MEM_MIN / MIB);
	if (cfg->mem % (4 * KIB))
		return bad("--mem %s: not a multiple of 4K", arg);
	return 0;
}

static int add_append(struct mv_config *cfg, const char *arg)
{
	size_t old = cfg->append ? strlen(cfg->append) + 1 : 0;
	char *p = realloc(cfg->append, old + strlen(arg) + 1);

	if (!p)
		return bad("out of memory");
	if (old)
		p[old - 1] = ' ';
	memcpy(p + old, arg, strlen(arg) + 1);
	cfg->append = p;
	return 0;
}

static int parse_word(const char *name, const char *arg,
		      const char *const *words, unsigned int n, int *out)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!strcmp(arg, words[i])) {
			*out = i;
			return 0;
		}
	}
	return bad("--%s '%s': unknown value", name, arg);
}

static int parse_one(struct mv_config *cfg, int opt, const char *arg)
{
	static const char *const restarts[] = { "no", "on-failure", "always" };
	static const char *const consoles[] = { "serial", "virtio" };
	static const char *const announces[] = { "", "acpi", "cmdline", "both" };
	static const char *const decompressors[] = { "launcher", "guest" };
	int v = 0, ret;

	switch (opt) {
	case 'c':
		return parse_uint_opt("count", arg, 1, MV_COUNT_MAX,
				      &cfg->count);
	case 'm':
		return parse_mem(cfg, arg);
	case 'b':
		return parse_uint_opt("batch", arg, 1, MV_COUNT_MAX,
				      &cfg->batch);
	case OPT_PAUSED:
		cfg->paused = true;
		return 0;
	case 'e':
		cfg->engine = arg;
		return 0;
	case 'a':
		return add_append(cfg, arg);
	case OPT_NODE:
		return parse_uint_opt("node", arg, 0, MV_NODE_MAX, &cfg->node);
	case OPT_FIRST_INDEX:
		return parse_uint_opt("first-index", arg, 0, MV_INDEX_MAX,
				      &cfg->first_index);
	case 'd':
		cfg->disk = arg;
		return 0;
	case 't':
		cfg->tap = arg;
		return 0;
	case OPT_BRIDGE:
		cfg->bridge = arg;
		return 0;
	case 'l':
		cfg->log_dir = arg;
		return 0;
	case OPT_CONSOLE_SOCKET:
		cfg->console_dir = arg;
		return 0;
	case OPT_READY_MARKER:
		cfg->ready_marker = arg;
		return 0;
	case OPT_CONSOLE:
		ret = parse_word("console", arg, consoles, 2, &v);
		cfg->console = v;
		return ret;
	case OPT_ANNOUNCE:
		ret = parse_word("virtio-announce", arg, announces, 4, &v);
		if (!ret && v == 0)
			ret = bad("--virtio-announce: empty");
		cfg->announce = v;
		return ret;
	case OPT_RESTART:
		ret = parse_word("restart", arg, restarts, 3, &v);
		cfg->restart = v;
		return ret;
	case OPT_NO_RNG:
		cfg->rng = false;
		return 0;
	case OPT_NO_BALLOON:
		cfg->balloon = false;
		return 0;
	case OPT_NO_KSM:
		cfg->ksm = false;
		return 0;
	case OPT_OVERCOMMIT:
		cfg->overcommit = true;
		return 0;
	case OPT_NO_PROGRESS:
		cfg->progress = false;
		cfg->progress_lines = false;
		return 0;
	case OPT_PROGRESS:
		cfg->progress = true;
		cfg->progress_lines = true;
		return 0;
	case OPT_STATS:
		cfg->stats = true;
		return 0;
	case OPT_DECOMPRESS:
		ret = parse_word("decompress", arg, decompressors, 2, &v);
		cfg->guest_decompress = v;
		return ret;
	case OPT_KERNEL_CACHE:
		if (!*arg)
			return bad("--kernel-cache: empty (none turns it off)");
		cfg->kernel_cache = strcmp(arg, "none") ? arg : NULL;
		return 0;
	default:
		return MV_EXIT_USAGE;	/* getopt said what was wrong */
	}
}

/* $XDG_CACHE_HOME/mvlaunch, else ~/.cache/mvlaunch; none without $HOME. */
static const char *default_kernel_cache(struct mv_config *cfg)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n = -1;

	if (xdg && *xdg == '/')
		n = asprintf(&cfg->kernel_cache_default, "%s/mvlaunch", xdg);
	else if (home && *home == '/')
		n = asprintf(&cfg->kernel_cache_default, "%s/.cache/mvlaunch",
			     home);
	if (n < 0)
		cfg->kernel_cache_default = NULL;
	return cfg->kernel_cache_default;
}

static void defaults(struct mv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem = 128 * MIB;
	cfg->count = 1;
	cfg->engine = "auto";
	cfg->ready_marker = "megavirt-guest: ready";
	cfg->console = CONSOLE_SERIAL;
	cfg->announce = ANNOUNCE_ACPI | ANNOUNCE_CMDLINE;
	cfg->restart = RESTART_NO;
	cfg->rng = true;
	cfg->balloon = true;
	cfg->ksm = true;
	cfg->progress = true;
	cfg->kernel_cache = default_kernel_cache(cfg);
}

/* The relations between options, once all are known. */
static int cross_check(struct mv_config *cfg)
{
	const char *pct;

	if (cfg->batch > cfg->count)
		cfg->batch = cfg->count;
	if ((u64)cfg->first_index + cfg->count - 1 > MV_INDEX_MAX)
		return bad("--first-index %u with --count %u: indexes beyond %u",
			   cfg->first_index, cfg->count, MV_INDEX_MAX);
	if (cfg->tap) {
		pct = strchr(cfg->tap, '%');
		if (pct && (pct[1] != 'd' || strchr(pct + 1, '%')))
			return bad("--tap '%s': only one %%d is allowed",
				   cfg->tap);
		if (!pct && cfg->count > 1)
			return bad("--tap '%s' with --count %u: %s",
				   cfg->tap, cfg->count,
				   "each guest needs its own tap; put %d in the name");
	}
	if (cfg->log_dir && !*cfg->log_dir)
		return bad("--log-dir: empty");
	if (cfg->console_dir && !*cfg->console_dir)
		return bad("--console-socket: empty");
	return 0;
}

/*
 * Fill @cfg from the command line.  Returns 0, or the exit status to
 * leave with: MV_EXIT_USAGE, or -1 for a --help or --version already
 * answered (exit 0).
 */
int options__parse(struct mv_config *cfg, int argc, char **argv)
{
	int opt, ret;

	defaults(cfg);
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "c:m:b:e:a:d:t:l:hV",
				  long_opts, NULL)) != -1) {
		if (opt == 'h') {
			options__usage();
			return -1;
		}
		if (opt == 'V') {
			printf("mvlaunch %s\n", MVLAUNCH_VERSION);
			return -1;
		}
		ret = parse_one(cfg, opt, optarg);
		if (ret) {
			if (opt == '?' || opt == ':')
				mv_err("see --help");
			return MV_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return bad("no kernel given");
	if (argc - optind > 2)
		return bad("unexpected argument '%s'", argv[optind + 2]);
	cfg->kernel = argv[optind];
	cfg->initrd = argc - optind == 2 ? argv[optind + 1] : NULL;
	return cross_check(cfg);
}

void options__free(struct mv_config *cfg)
{
	free(cfg->append);
	cfg->append = NULL;
	free(cfg->kernel_cache_default);
	cfg->kernel_cache_default = NULL;
}
