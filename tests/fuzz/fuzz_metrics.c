/*
 * fuzz_metrics.c - libFuzzer target: talon monitor's /metrics text
 * (mon/metrics.c) of a shm block whose bytes are anyone's (any process
 * of the engine's user, or a bug, can write any byte of it: shm.h
 * "Trust").
 *
 * Input, raw bytes laid over a zeroed block and snapshot in this order:
 *   the engine's name (TL_SHM_NAMELEN), its client-id prefix
 *   (TL_SHM_PREFIX_LEN), the snapshot's head (everything before ord[]:
 *   counts, counters, strategy rows, texts), then positions (pos[0],
 *   pos[1], ...) for as many bytes as are left, at most FZ_POS of them.
 * No NUL is required anywhere, every count may be out of range. The
 * block's heartbeat and start time are set from the snapshot's
 * emg_completed and emg_started (as arbitrary as the rest).
 *
 * Properties (abort on failure):
 *   - the writer succeeds, and its text is valid UTF-8;
 *   - every line is `# HELP <name> <text>`, `# TYPE <name> counter|gauge|
 *     histogram`, or a sample `<name>[{<label>="<value>",...}] <number>`
 *     whose label values hold no raw quote, newline or control character
 *     and only the escapes \\ \" \n, and whose number parses whole;
 *   - a family's HELP comes right before its TYPE, its samples follow
 *     them, each family once; counters end in _total;
 *   - money is exact: the i-th position's quantity line, parsed back as
 *     fixed point, is the block's pos[i].qty.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>

#include "kernel/fixed.h"
#include "kernel/utf8.h"
#include "mon/metrics.h"
#include "runtime/shm.h"
#include "tests/fuzz/fuzz_common.h"

#define FZ_POS 64
#define FZ_HEAD offsetof(tl_shm_snapshot_t, ord)

static tl_shm_t S;
static tl_shm_snapshot_t N;
static char fams[8192];          /* "|name|" of the families seen */

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || !(s[0] == '_' || s[0] == ':' || (s[0] >= 'a' && s[0] <= 'z') ||
			(s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(s[i] == '_' || s[i] == ':' || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

/* {a="..",b=".."} from l; the index just past '}'. */
static size_t labels_ok(const char *l, size_t n)
{
	size_t i = 1;	/* past '{' */

	for (;;) {
		size_t k = i;
		while (k < n && l[k] != '=')
			k++;
		FZ_CHECK(k < n && name_ok(l + i, k - i));
		FZ_CHECK(k + 1 < n && l[k + 1] == '"');
		for (k += 2; k < n && l[k] != '"'; k++) {
			FZ_CHECK((unsigned char)l[k] >= 0x20 && l[k] != 0x7f);
			if (l[k] == '\\') {
				FZ_CHECK(k + 1 < n && (l[k + 1] == '\\' || l[k + 1] == '"' ||
						       l[k + 1] == 'n'));
				k++;
			}
		}
		FZ_CHECK(k < n);	/* the closing quote */
		i = k + 1;
		if (i < n && l[i] == ',') {
			i++;
			continue;
		}
		FZ_CHECK(i < n && l[i] == '}');
		return i + 1;
	}
}

static void check_text(const char *t, size_t len)
{
	char fam[256] = "", type[16] = "";
	bool help_pending = false;
	uint32_t qty_i = 0, n_pos = N.n_pos < TL_SHM_POS_MAX ? N.n_pos : TL_SHM_POS_MAX;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = tl_utf8_decode(t + i, len - i, &cp);
		FZ_CHECK(k > 0);
		i += k;
	}
	fams[0] = '\0';
	for (const char *l = t; l < t + len;) {
		const char *e = memchr(l, '\n', (size_t)(t + len - l));
		FZ_CHECK(e != NULL);	/* every line ends */
		size_t n = (size_t)(e - l);
		if (n > 7 && memcmp(l, "# HELP ", 7) == 0) {
			const char *sp = memchr(l + 7, ' ', n - 7);
			FZ_CHECK(sp && name_ok(l + 7, (size_t)(sp - l - 7)));
			FZ_CHECK((size_t)(sp - l - 7) < sizeof fam - 3);
			snprintf(fam, sizeof fam, "%.*s", (int)(sp - l - 7), l + 7);
			char key[260];
			snprintf(key, sizeof key, "|%s|", fam);
			FZ_CHECK(strstr(fams, key) == NULL);
			FZ_CHECK(strlen(fams) + strlen(key) < sizeof fams);
			strcat(fams, key);
			help_pending = true;
		} else if (n > 7 && memcmp(l, "# TYPE ", 7) == 0) {
			size_t fl = strlen(fam);
			FZ_CHECK(help_pending && n > 8 + fl && memcmp(l + 7, fam, fl) == 0 &&
				 l[7 + fl] == ' ');
			snprintf(type, sizeof type, "%.*s", (int)(n - 8 - fl), l + 8 + fl);
			FZ_CHECK(!strcmp(type, "counter") || !strcmp(type, "gauge") ||
				 !strcmp(type, "histogram"));
			if (!strcmp(type, "counter"))
				FZ_CHECK(fl > 6 && !strcmp(fam + fl - 6, "_total"));
			help_pending = false;
		} else {
			FZ_CHECK(!help_pending && fam[0] && n > 0 && l[0] != '#');
			size_t nl = 0;
			while (nl < n && l[nl] != '{' && l[nl] != ' ')
				nl++;
			FZ_CHECK(name_ok(l, nl));
			size_t fl = strlen(fam);
			FZ_CHECK(nl >= fl && memcmp(l, fam, fl) == 0);
			if (nl > fl) {
				FZ_CHECK(!strcmp(type, "histogram"));
				char sfx[16];
				snprintf(sfx, sizeof sfx, "%.*s", (int)(nl - fl), l + fl);
				FZ_CHECK(!strcmp(sfx, "_bucket") || !strcmp(sfx, "_sum") ||
					 !strcmp(sfx, "_count"));
			}
			size_t v = nl < n && l[nl] == '{' ? nl + labels_ok(l + nl, n - nl) : nl;
			FZ_CHECK(v < n && l[v] == ' ');
			char num[64], *end;
			FZ_CHECK(n - v - 1 > 0 && n - v - 1 < sizeof num);
			snprintf(num, sizeof num, "%.*s", (int)(n - v - 1), l + v + 1);
			strtod(num, &end);
			FZ_CHECK(*end == '\0' || !strcmp(num, "+Inf"));
			if (!strcmp(fam, "talon_position_quantity")) {
				tl_fx_t q;
				FZ_CHECK(qty_i < n_pos);
				FZ_CHECK(tl_fx_parse_cstr(num, &q) == TL_FX_OK);
				FZ_CHECK(q == N.pos[qty_i].qty);
				qty_i++;
			}
		}
		l = e + 1;
	}
	FZ_CHECK(!help_pending);
	FZ_CHECK(qty_i == n_pos);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, n;
	char *out = NULL;
	size_t len = 0;

	static bool init;

	if (!init) {	/* the block is large: cleared once, its texts each time */
		tl_shm_init_local(&S, "");
		init = true;
	}
	memset(S.name, 0, sizeof S.name);
	memset(S.clid_prefix, 0, sizeof S.clid_prefix);
	memset(&N, 0, FZ_HEAD);
	memset(N.pos, 0, FZ_POS * sizeof N.pos[0]);
	n = size < sizeof S.name ? size : sizeof S.name;
	memcpy(S.name, data, n);
	off += n;
	n = size - off < sizeof S.clid_prefix ? size - off : sizeof S.clid_prefix;
	memcpy(S.clid_prefix, data + off, n);
	off += n;
	n = size - off < FZ_HEAD ? size - off : FZ_HEAD;
	memcpy(&N, data + off, n);
	off += n;
	n = size - off < FZ_POS * sizeof N.pos[0] ? size - off : FZ_POS * sizeof N.pos[0];
	memcpy(N.pos, data + off, n);
	/* the block's heartbeat and start time: any values too (taken from
	 * snapshot fields, so the layout above stays as the corpus has it) */
	atomic_store(&S.heartbeat, N.emg_completed);
	S.started = N.emg_started;
	/* positions past the input are zero: keep the text bounded */
	if (N.n_pos > FZ_POS)
		N.n_pos = FZ_POS;

	FILE *f = open_memstream(&out, &len);
	FZ_CHECK(f != NULL);
	FZ_CHECK(tl_mon_metrics_write(f, &S, &N, 1796601600LL * TL_NS_PER_S) == 0);
	fclose(f);
	check_text(out, len);
	free(out);
	return 0;
}
