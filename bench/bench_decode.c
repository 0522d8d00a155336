/*
 * bench_decode: the kiosk's decode pipeline against one plain zbar pass
 * (QR only: what zbarimg -Sdisable -Sqrcode.enable does once the image is
 * loaded), on the same images loaded once, in the same process. Prints per
 * folder: images, exact reads for each, median ms per frame for each and
 * the ratio (target: kiosk <= 2x the plain pass).
 *
 * usage: bench_decode DIR...   (images with a .txt of the expected text)
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zbar.h>

#include "decode.h"
#include "fileio.h"
#include "image.h"
#include "log.h"

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

/* One plain zbar pass; 1 if WANT is among the texts. */
static int
plain_pass(zbar_image_scanner_t *sc, const struct image *img,
    const char *want)
{
	zbar_image_t *zi = zbar_image_create();
	const zbar_symbol_t *s;
	int hit = 0;

	zbar_image_set_format(zi, zbar_fourcc('Y', '8', '0', '0'));
	zbar_image_set_size(zi, (unsigned)img->w, (unsigned)img->h);
	zbar_image_set_data(zi, img->px, (unsigned long)img->w * img->h, NULL);
	if (zbar_scan_image(sc, zi) > 0)
		for (s = zbar_image_first_symbol(zi); s; s = zbar_symbol_next(s))
			if (strcmp(zbar_symbol_get_data(s), want) == 0)
				hit = 1;
	zbar_image_destroy(zi);
	return hit;
}

int
main(int argc, char **argv)
{
	zbar_image_scanner_t *sc = zbar_image_scanner_create();
	struct decoder *d = decoder_new();
	double *km = NULL, *zm = NULL, all_k[4096], all_z[4096];
	int a, total = 0, tk = 0, tz = 0, nall = 0;
	double worst_frame = 0, worst_ratio = 0;

	log_set_level(LOG_ERROR);
	zbar_image_scanner_set_config(sc, 0, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	printf("%-28s %6s %6s %6s %9s %9s %6s\n", "folder", "images", "kiosk",
	    "zbar", "kiosk ms", "zbar ms", "ratio");
	for (a = 1; a < argc; a++) {
		DIR *dir = opendir(argv[a]);
		struct dirent *de;
		char *names[1024], path[2048], txt[2048];
		int n = 0, i, k = 0, z = 0, m = 0;

		if (dir == NULL)
			continue;
		while ((de = readdir(dir)) != NULL && n < 1024) {
			size_t l = strlen(de->d_name);

			if (l > 4 && (strcmp(de->d_name + l - 4, ".png") == 0 ||
			    strcmp(de->d_name + l - 4, ".jpg") == 0))
				names[n++] = strdup(de->d_name);
		}
		closedir(dir);
		qsort(names, (size_t)n, sizeof(char *), cmp_s);
		km = realloc(km, sizeof(double) * (size_t)(n + 1));
		zm = realloc(zm, sizeof(double) * (size_t)(n + 1));
		for (i = 0; i < n; i++) {
			struct decode_result res;
			struct image img;
			char *want;
			double t0, best_k = 1e9, best_z = 1e9;
			int rep, hk = 0, hz = 0;
			size_t j;

			snprintf(path, sizeof(path), "%s/%s", argv[a], names[i]);
			snprintf(txt, sizeof(txt), "%.*s.txt",
			    (int)strlen(path) - 4, path);
			want = fileio_read(txt, 1 << 20, NULL);
			if (want == NULL || image_load(path, &img) != 0) {
				free(want);
				continue;
			}
			/*
			 * Reads: the full pipeline (what a code held up for
			 * three frames gets). Time: the live per-frame path,
			 * three frames in a row (one retry each), the mean;
			 * the reference: one plain pass, best of three.
			 */
			decoder_scan(d, &img, &res);
			for (j = 0; j < res.n; j++)
				if (strcmp(res.texts[j], want) == 0)
					hk = 1;
			decode_result_release(&res);
			for (rep = 0; rep < 3; rep++) {
				t0 = ms_now();
				hz = plain_pass(sc, &img, want);
				t0 = ms_now() - t0;
				if (t0 < best_z)
					best_z = t0;
			}
			t0 = ms_now();
			for (rep = 0; rep < 3; rep++) {
				double f = ms_now();

				decoder_scan_live(d, &img, &res);
				decode_result_release(&res);
				f = ms_now() - f;
				if (f > worst_frame)
					worst_frame = f;
				if (f / best_z > worst_ratio)
					worst_ratio = f / best_z;
			}
			best_k = (ms_now() - t0) / 3;
			k += hk;
			z += hz;
			km[m] = best_k;
			zm[m] = best_z;
			if (nall < 4096) {
				all_k[nall] = best_k;
				all_z[nall++] = best_z;
			}
			m++;
			image_release(&img);
			free(want);
		}
		if (m > 0) {
			qsort(km, (size_t)m, sizeof(double), cmp_d);
			qsort(zm, (size_t)m, sizeof(double), cmp_d);
			printf("%-28.28s %6d %6d %6d %9.2f %9.2f %6.2f\n",
			    argv[a], m, k, z, km[m / 2], zm[m / 2],
			    km[m / 2] / zm[m / 2]);
		}
		total += m;
		tk += k;
		tz += z;
		for (i = 0; i < n; i++)
			free(names[i]);
	}
	if (nall > 0) {
		qsort(all_k, (size_t)nall, sizeof(double), cmp_d);
		qsort(all_z, (size_t)nall, sizeof(double), cmp_d);
		printf("decode (in process): kiosk reads %d/%d, one plain zbar "
		    "pass %d/%d; median ms per frame kiosk %.2f (live: one "
		    "retry a frame), zbar %.2f: ratio %.2f (target <= 2); "
		    "slowest kiosk frame %.1f ms, at most %.2fx its plain "
		    "pass\n", tk, total, tz, total, all_k[nall / 2],
		    all_z[nall / 2], all_k[nall / 2] / all_z[nall / 2],
		    worst_frame, worst_ratio);
	}
	free(km);
	free(zm);
	decoder_free(d);
	zbar_image_scanner_destroy(sc);
	return 0;
}
