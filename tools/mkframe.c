/*
 * mkframe: a kiosk-like camera frame holding one QR code, for the demo,
 * the end-to-end tests and the decode benchmark.
 *
 *   mkframe --text T --out F.png [--size WxH] [--module PX] [--rotate DEG]
 *           [--blur R] [--motion PX] [--contrast 0..1] [--bright -1..1]
 *           [--noise SIGMA] [--invert] [--glare] [--tilt DEG] [--seed N]
 *           [--moire]
 *
 * The code is drawn (bilinear, rotated) over a textured grey background,
 * then blurred, dimmed, noised as asked: what a webcam sees of a phone
 * screen or a card held at the door. --moire draws the code as a phone
 * screen shows it: lit through a grid of pixels that the camera samples
 * at another pitch and angle, which beats into moiré bands.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include "image.h"
#include "qr.h"

static unsigned long long rng = 88172645463325252ULL;

static double
urand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) / 9007199254740992.0;
}

static double
gauss(void)
{
	double u = urand() + 1e-12, v = urand();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void
box_blur(float *p, int w, int h, int rx, int ry)
{
	float *t = malloc(sizeof(float) * (size_t)w * (size_t)h);
	int x, y, k;

	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			float s = 0;
			int n = 0;

			for (k = -rx; k <= rx; k++)
				if (x + k >= 0 && x + k < w) {
					s += p[y * w + x + k];
					n++;
				}
			t[y * w + x] = s / (float)n;
		}
	for (y = 0; y < h; y++)
		for (x = 0; x < w; x++) {
			float s = 0;
			int n = 0;

			for (k = -ry; k <= ry; k++)
				if (y + k >= 0 && y + k < h) {
					s += t[(y + k) * w + x];
					n++;
				}
			p[y * w + x] = s / (float)n;
		}
	free(t);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "text", 1, NULL, 't' }, { "out", 1, NULL, 'o' },
		{ "size", 1, NULL, 's' }, { "module", 1, NULL, 'm' },
		{ "rotate", 1, NULL, 'r' }, { "blur", 1, NULL, 'b' },
		{ "motion", 1, NULL, 'M' }, { "contrast", 1, NULL, 'c' },
		{ "bright", 1, NULL, 'B' }, { "noise", 1, NULL, 'n' },
		{ "invert", 0, NULL, 'i' }, { "glare", 0, NULL, 'g' },
		{ "seed", 1, NULL, 'S' }, { "tilt", 1, NULL, 'T' },
		{ "moire", 0, NULL, 'W' }, { "no-code", 0, NULL, 'N' },
		{ "scene-seed", 1, NULL, 'Z' },
		{ NULL, 0, NULL, 0 }
	};
	const char *text = NULL, *out = NULL;
	int W = 640, H = 480, blur = 0, motion = 0, invert = 0, glare = 0, ch;
	int moire = 0, no_code = 0;
	unsigned long long scene_seed = 1;
	double module = 4, rot = 0, contrast = 1, bright = 0, noise = 3;
	double tilt = 0;
	struct image qr, img;
	float *f;
	int n, x, y;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': text = optarg; break;
		case 'o': out = optarg; break;
		case 's':
			if (sscanf(optarg, "%dx%d", &W, &H) != 2)
				return 2;
			break;
		case 'm': module = atof(optarg); break;
		case 'r': rot = atof(optarg) * M_PI / 180; break;
		case 'b': blur = (int)strtol(optarg, NULL, 10); break;
		case 'M': motion = (int)strtol(optarg, NULL, 10); break;
		case 'c': contrast = atof(optarg); break;
		case 'B': bright = atof(optarg); break;
		case 'n': noise = atof(optarg); break;
		case 'i': invert = 1; break;
		case 'g': glare = 1; break;
		case 'W': moire = 1; break;
		case 'N': no_code = 1; break;
		case 'Z': scene_seed = strtoull(optarg, NULL, 10); break;
		case 'T': tilt = atof(optarg) * M_PI / 180; break;
		case 'S': rng += strtoull(optarg, NULL, 10) * 0x9E3779B97F4A7C15ULL; break;
		default: return 2;
		}
	}
	if ((text == NULL && !no_code) || out == NULL || module <= 0) {
		fprintf(stderr, "usage: mkframe --text T --out F.png [options]\n"
		    "       mkframe --no-code [--scene-seed N] --out F.png "
		    "[options]   a scene with no code\n");
		return 2;
	}
	memset(&qr, 0, sizeof(qr));
	if (!no_code && qr_render(text, 1, &qr) < 0)
		return 1;
	f = malloc(sizeof(float) * (size_t)W * (size_t)H);
	/* Background: a soft gradient with texture, like a wall or a hand. */
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++)
			f[y * W + x] = (float)(110 + 40.0 * x / W + 25.0 * y / H +
			    12 * sin(x / 23.0) * cos(y / 31.0));
	if (no_code) {
		/* What the camera sees at a door with nobody in front: a
		 * doorway, shelves of packets, signs with lettering. The
		 * scene from --scene-seed, the sensor's noise from --seed:
		 * frames of one still scene as a webcam gives them. */
		unsigned long long keep = rng;

		rng = 88172645463325252ULL + scene_seed * 0x9E3779B97F4A7C15ULL;
		for (n = 0; n < 60; n++) {
			int rw = 10 + (int)(urand() * W / 5), rh = 10 +
			    (int)(urand() * H / 5);
			int rx = (int)(urand() * (W - rw)), ry = (int)(urand() *
			    (H - rh));
			float g = (float)(30 + urand() * 200);
			int stripes = urand() < 0.4;

			for (y = ry; y < ry + rh; y++)
				for (x = rx; x < rx + rw; x++)
					f[y * W + x] = stripes && ((x / 3 +
					    y / 7) % 3 == 0) ? 255 - g : g;
		}
		rng = keep;
	}
	/* The code, centred, rotated by ROT, MODULE pixels a module. */
	if (!no_code) {
		double cx = W / 2.0, cy = H / 2.0, half = qr.w * module / 2;
		double c = cos(rot), s = sin(rot);

		for (y = 0; y < H; y++)
			for (x = 0; x < W; x++) {
				double dx = x - cx, dy = y - cy;
				/* Tilt: a card turned about its vertical axis
				 * seen in perspective (keystone). */
				double z = 1 + sin(tilt) * dx / (W / 2.0);
				double u = (c * dx * z / cos(tilt) + s * dy * z +
				    half) / module;
				double v = (-s * dx * z + c * dy * z + half) /
				    module;
				int iu = (int)floor(u), iv = (int)floor(v);

				if (u < 0 || v < 0 || iu >= qr.w || iv >= qr.h)
					continue;
				f[y * W + x] = qr.px[iv * qr.w + iu] ? 235.0f :
				    25.0f;
			}
	}
	if (moire) {
		/* The screen's pixel grid (pitch 2.6 px, turned 6 degrees):
		 * dark gaps between lit cells, strongest on the white. */
		double a = 6 * M_PI / 180, ca = cos(a), sa = sin(a), p = 2.6;

		for (y = 0; y < H; y++)
			for (x = 0; x < W; x++) {
				double u = (ca * x + sa * y) / p;
				double v = (-sa * x + ca * y) / p;
				double g = (0.5 + 0.5 * cos(2 * M_PI * u)) *
				    (0.5 + 0.5 * cos(2 * M_PI * v));
				float *px = &f[y * W + x];

				*px = (float)(*px * (0.55 + 0.45 * g));
			}
	}
	if (invert)
		for (x = 0; x < W * H; x++)
			f[x] = 255 - f[x];
	if (blur > 0)
		box_blur(f, W, H, blur, blur);
	if (motion > 0)
		box_blur(f, W, H, motion, 0);
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			double v = f[y * W + x];

			v = 128 + (v - 128) * contrast + bright * 128;
			if (glare) {
				double d = hypot(x - W * 0.62, y - H * 0.38);

				v += 150 * exp(-d * d / (2.0 * (W / 9.0) *
				    (W / 9.0)));
			}
			v += gauss() * noise;
			f[y * W + x] = (float)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	if (image_init(&img, W, H) != 0)
		return 1;
	for (x = 0; x < W * H; x++)
		img.px[x] = (unsigned char)(f[x] + 0.5f);
	n = image_save_png(&img, out);
	image_release(&img);
	image_release(&qr);
	free(f);
	return n == 0 ? 0 : 1;
}
