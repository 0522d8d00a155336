/*
 * bench_decode: the kiosk's decode pipeline against two references on the
 * same images, loaded once, in the same process:
 *   - one plain zbar pass (QR only, its own charset conversion: what
 *     zbarimg -Sdisable -Sqrcode.enable does once the image is loaded);
 *   - zxing-cpp alone, with the library's default hints (try harder,
 *     its own charset conversion: what its Python binding does).
 * Prints per folder (a category) and per set (a folder's parent): images,
 * exact reads for each, median ms per frame for each, and the kiosk's
 * live-mode ratio to the plain zbar pass (target <= 2), plus the slowest
 * live frame.
 *
 * A read is exact when a decoder returns the expected text (the .txt next
 * to the image). The kiosk returns the code's bytes, never a charset
 * guess, so its read of a Japanese code stored in Shift-JIS is exact when
 * its bytes are the .txt in Shift-JIS (likewise GB 18030); the payload
 * layer then refuses them as not UTF-8, which is the kiosk's rule, not a
 * misread.
 *
 * usage: bench_decode DIR...   (images with a .txt of the expected text)
 */
#include <dirent.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zbar.h>

#include "decode.h"
#include "fileio.h"
#include "image.h"
#include "log.h"
#include "zxread.h"

#define MAX_IMAGES 4096

static double
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
cmp_s(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static double
median(double *v, int n)
{
	if (n == 0)
		return 0;
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	return v[n / 2];
}

/*
 * What counts as the code's text: its UTF-8, or the same text in one of
 * the legacy charsets that the shared photos' codes were written in
 * (Shift-JIS, GB 18030): the kiosk read the right bytes.
 */
#define N_LEGACY 2
static const char *const legacy[N_LEGACY] = { "SHIFT_JIS", "GB18030" };

struct want {
	char *utf8, *alt[N_LEGACY];
	size_t ulen, alen[N_LEGACY];
};

static int
matches(const struct want *w, const char *s, size_t len)
{
	int i;

	if (len == w->ulen && memcmp(s, w->utf8, len) == 0)
		return 1;
	for (i = 0; i < N_LEGACY; i++)
		if (w->alt[i] != NULL && len == w->alen[i] &&
		    memcmp(s, w->alt[i], len) == 0)
			return 1;
	return 0;
}

static void
to_legacy(struct want *w)
{
	int i;

	for (i = 0; i < N_LEGACY; i++) {
		iconv_t cd = iconv_open(legacy[i], "UTF-8");
		char *in = w->utf8, *out;
		size_t il = w->ulen, ol = w->ulen * 4 + 8;

		w->alt[i] = NULL;
		if (cd == (iconv_t)-1)
			continue;
		w->alt[i] = out = malloc(ol);
		if (out != NULL && iconv(cd, &in, &il, &out, &ol) !=
		    (size_t)-1) {
			w->alen[i] = (size_t)(out - w->alt[i]);
		} else {
			free(w->alt[i]);
			w->alt[i] = NULL;
		}
		iconv_close(cd);
	}
}

/* One plain zbar pass; 1 if the expected text is among its texts. */
static int
plain_zbar(zbar_image_scanner_t *sc, const struct image *img,
    const struct want *w)
{
	zbar_image_t *zi = zbar_image_create();
	const zbar_symbol_t *s;
	int hit = 0;

	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, (unsigned)img->w, (unsigned)img->h);
	zbar_image_set_data(zi, img->px, (unsigned long)img->w * img->h, NULL);
	if (zbar_scan_image(sc, zi) > 0)
		for (s = zbar_image_first_symbol(zi); s; s = zbar_symbol_next(s))
			if (matches(w, zbar_symbol_get_data(s),
			    zbar_symbol_get_data_length(s)))
				hit = 1;
	zbar_image_destroy(zi);
	return hit;
}

struct zx_hit {
	const struct want *w;
	int hit;
};

static int
zx_cb(void *data, const unsigned char *b, size_t len)
{
	struct zx_hit *h = data;

	if (matches(h->w, (const char *)b, len))
		h->hit = 1;
	return 0;
}

struct tally {
	int n, k, z, x;
	double *km, *zm, *xm;
};

static void
tally_print(const char *name, struct tally *t)
{
	double km, zm, xm;

	if (t->n == 0)
		return;
	km = median(t->km, t->n);
	zm = median(t->zm, t->n);
	xm = median(t->xm, t->n);
	printf("%-30.30s %6d %6d %6d %6d %9.2f %8.2f %8.2f %6.2f\n", name,
	    t->n, t->k, t->z, t->x, km, zm, xm, zm > 0 ? km / zm : 0);
}

static void
tally_add(struct tally *t, int k, int z, int x, double km, double zm,
    double xm)
{
	if (t->n >= MAX_IMAGES)
		return;
	t->k += k;
	t->z += z;
	t->x += x;
	t->km[t->n] = km;
	t->zm[t->n] = zm;
	t->xm[t->n] = xm;
	t->n++;
}

static void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->km = calloc(MAX_IMAGES, sizeof(double));
	t->zm = calloc(MAX_IMAGES, sizeof(double));
	t->xm = calloc(MAX_IMAGES, sizeof(double));
	if (t->km == NULL || t->zm == NULL || t->xm == NULL) {
		fprintf(stderr, "bench_decode: out of memory\n");
		exit(1);
	}
}

static void
tally_release(struct tally *t)
{
	free(t->km);
	free(t->zm);
	free(t->xm);
}

/* The set a category folder belongs to: its parent folder's name. */
static void
set_of(const char *dir, char *out, size_t size)
{
	char tmp[1024];
	char *slash;

	snprintf(tmp, sizeof(tmp), "%s", dir);
	while ((slash = strrchr(tmp, '/')) != NULL && slash[1] == '\0')
		*slash = '\0';
	slash = strrchr(tmp, '/');
	if (slash != NULL)
		*slash = '\0';
	slash = strrchr(tmp, '/');
	snprintf(out, size, "%s", slash != NULL ? slash + 1 : tmp);
}

int
main(int argc, char **argv)
{
	zbar_image_scanner_t *sc = zbar_image_scanner_create();
	struct decoder *d = decoder_new();
	struct tally all, set, cat;
	char cur_set[1024] = "", lost[8192] = "";
	double worst_frame = 0, worst_ratio = 0;
	int a;

	if (d == NULL || sc == NULL)
		return 1;
	log_set_level(LOG_ERROR);
	zbar_image_scanner_set_config(sc, 0, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	tally_init(&all);
	tally_init(&set);
	tally_init(&cat);
	printf("%-30s %6s %6s %6s %6s %9s %8s %8s %6s\n", "folder", "images",
	    "kiosk", "zbar", "zxing", "kiosk ms", "zbar ms", "zxing ms",
	    "ratio");
	for (a = 1; a < argc; a++) {
		DIR *dir = opendir(argv[a]);
		struct dirent *de;
		char *names[1024], path[2048], txt[2048], sname[1024];
		int n = 0, i;

		if (dir == NULL)
			continue;
		set_of(argv[a], sname, sizeof(sname));
		if (strcmp(sname, cur_set) != 0) {
			if (cur_set[0] != '\0') {
				char label[1100];

				snprintf(label, sizeof(label), "= set %s",
				    cur_set);
				tally_print(label, &set);
			}
			set.n = set.k = set.z = set.x = 0;
			snprintf(cur_set, sizeof(cur_set), "%s", sname);
		}
		while ((de = readdir(dir)) != NULL && n < 1024) {
			size_t l = strlen(de->d_name);

			if (l > 4 && (strcmp(de->d_name + l - 4, ".png") == 0 ||
			    strcmp(de->d_name + l - 4, ".jpg") == 0))
				names[n++] = strdup(de->d_name);
		}
		closedir(dir);
		qsort(names, (size_t)n, sizeof(char *), cmp_s);
		cat.n = cat.k = cat.z = cat.x = 0;
		for (i = 0; i < n; i++) {
			struct decode_result res;
			struct image img;
			struct want w;
			struct zx_hit zh;
			double t0, bz = 1e9, bx = 1e9, live = 0;
			int rep, hk = 0, hz = 0;
			size_t j;

			snprintf(path, sizeof(path), "%s/%s", argv[a], names[i]);
			snprintf(txt, sizeof(txt), "%.*s.txt",
			    (int)strlen(path) - 4, path);
			w.utf8 = fileio_read(txt, 1 << 20, &w.ulen);
			if (w.utf8 == NULL || image_load(path, &img) != 0) {
				free(w.utf8);
				continue;
			}
			to_legacy(&w);
			/* Reads: the whole pipeline (a code held up for a
			 * few frames gets every retry). */
			decoder_scan(d, &img, &res);
			for (j = 0; j < res.n; j++)
				if (matches(&w, res.texts[j], res.lens[j]))
					hk = 1;
			decode_result_release(&res);
			for (rep = 0; rep < 3; rep++) {
				t0 = ms_now();
				hz = plain_zbar(sc, &img, &w);
				t0 = ms_now() - t0;
				if (t0 < bz)
					bz = t0;
			}
			zh.w = &w;
			for (rep = 0; rep < 2; rep++) {
				zh.hit = 0;
				t0 = ms_now();
				zxread_scan(img.px, img.w, img.h,
				    ZXREAD_DEFAULTS | ZXREAD_TEXT, zx_cb, &zh);
				t0 = ms_now() - t0;
				if (t0 < bx)
					bx = t0;
			}
			/* Time: the live per-frame path, as many frames as it
			 * has retries (one each), the mean. */
			for (rep = 0; rep < 3; rep++) {
				double f = ms_now();

				decoder_scan_live(d, &img, &res);
				decode_result_release(&res);
				f = ms_now() - f;
				live += f;
				if (f > worst_frame)
					worst_frame = f;
				if (f / bz > worst_ratio)
					worst_ratio = f / bz;
			}
			live /= 3;
			if (zh.hit && !hk && strlen(lost) + strlen(path) + 2 <
			    sizeof(lost)) {
				memcpy(lost + strlen(lost), " ", 2);
				memcpy(lost + strlen(lost), path,
				    strlen(path) + 1);
			}
			tally_add(&cat, hk, hz, zh.hit, live, bz, bx);
			tally_add(&set, hk, hz, zh.hit, live, bz, bx);
			tally_add(&all, hk, hz, zh.hit, live, bz, bx);
			image_release(&img);
			free(w.utf8);
			free(w.alt[0]);
			free(w.alt[1]);
		}
		{
			char label[1100];
			const char *base = strrchr(argv[a], '/');

			snprintf(label, sizeof(label), "%s/%s", sname,
			    base != NULL && base[1] != '\0' ? base + 1 :
			    argv[a]);
			tally_print(label, &cat);
		}
		for (i = 0; i < n; i++)
			free(names[i]);
	}
	if (cur_set[0] != '\0') {
		char label[1100];

		snprintf(label, sizeof(label), "= set %s", cur_set);
		tally_print(label, &set);
	}
	tally_print("= all", &all);
	if (all.n > 0) {
		double km = median(all.km, all.n), zm = median(all.zm, all.n);

		printf("decode (in process): kiosk reads %d/%d, one plain zbar "
		    "pass %d/%d, zxing-cpp alone %d/%d; kiosk %+.0f%% reads "
		    "vs zbar; median ms per live frame kiosk %.2f, zbar %.2f: "
		    "ratio %.2f (target <= 2); slowest kiosk frame %.1f ms, "
		    "at most %.1fx its plain pass\n", all.k, all.n, all.z,
		    all.n, all.x, all.n, all.z > 0 ? 100.0 * (all.k - all.z) /
		    all.z : 0, km, zm, zm > 0 ? km / zm : 0, worst_frame,
		    worst_ratio);
		printf("read by zxing-cpp alone, not by the kiosk:%s\n",
		    lost[0] ? lost : " none");
	}
	tally_release(&all);
	tally_release(&set);
	tally_release(&cat);
	decoder_free(d);
	zbar_image_scanner_destroy(sc);
	return 0;
}
