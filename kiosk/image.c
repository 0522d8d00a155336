/*
 * image: grey images from PNG (libpng) and JPEG (libjpeg). See image.h.
 */
#include "image.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "log.h"

int
image_init(struct image *img, int w, int h)
{
	img->w = img->h = 0;
	img->px = NULL;
	if (w <= 0 || h <= 0 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE)
		return -1;
	img->px = malloc((size_t)w * (size_t)h);
	if (img->px == NULL)
		return -1;
	img->w = w;
	img->h = h;
	return 0;
}

void
image_release(struct image *img)
{
	free(img->px);
	img->px = NULL;
	img->w = img->h = 0;
}

static int
load_png(const char *path, struct image *out)
{
	png_image pi;

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&pi, path)) {
		log_error("'%s': %s", path, pi.message);
		return -1;
	}
	if (pi.width > IMAGE_MAX_SIDE || pi.height > IMAGE_MAX_SIDE ||
	    image_init(out, (int)pi.width, (int)pi.height) != 0) {
		log_error("'%s': image too large (%ux%u)", path, pi.width,
		    pi.height);
		png_image_free(&pi);
		return -1;
	}
	/*
	 * Colour is read as RGB and turned into Rec. 601 luma on the encoded
	 * values, as a webcam's Y channel is: libpng's own grey conversion
	 * works in linear light and flattens the mid-tones codes live in.
	 * Transparent pixels are composed onto white, as on paper.
	 */
	{
		png_color white = { 255, 255, 255 };
		int colour = (pi.format & PNG_FORMAT_FLAG_COLOR) != 0;
		size_t n = (size_t)out->w * (size_t)out->h, i;
		unsigned char *rgb = out->px;

		pi.format = colour ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
		if (colour && (rgb = malloc(n * 3)) == NULL) {
			png_image_free(&pi);
			image_release(out);
			return -1;
		}
		if (!png_image_finish_read(&pi, &white, rgb, 0, NULL)) {
			log_error("'%s': %s", path, pi.message);
			png_image_free(&pi);
			if (colour)
				free(rgb);
			image_release(out);
			return -1;
		}
		if (colour) {
			for (i = 0; i < n; i++)
				out->px[i] = (unsigned char)((299 * rgb[3 * i] +
				    587 * rgb[3 * i + 1] + 114 * rgb[3 * i + 2] +
				    500) / 1000);
			free(rgb);
		}
	}
	return 0;
}

struct jpeg_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	const char *path;
};

static void
jpeg_fail(j_common_ptr cinfo)
{
	struct jpeg_err *e = (struct jpeg_err *)cinfo->err;
	char msg[JMSG_LENGTH_MAX];

	(*cinfo->err->format_message)(cinfo, msg);
	log_error("'%s': %s", e->path, msg);
	longjmp(e->jump, 1);
}

static int
load_jpeg(const char *path, FILE *f, struct image *out)
{
	struct jpeg_decompress_struct cinfo;
	struct jpeg_err jerr;
	JSAMPROW row;

	memset(out, 0, sizeof(*out));
	cinfo.err = jpeg_std_error(&jerr.mgr);
	jerr.mgr.error_exit = jpeg_fail;
	jerr.path = path;
	if (setjmp(jerr.jump)) {
		jpeg_destroy_decompress(&cinfo);
		image_release(out);
		return -1;
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, f);
	jpeg_read_header(&cinfo, TRUE);
	cinfo.out_color_space = JCS_GRAYSCALE;
	if (cinfo.image_width > IMAGE_MAX_SIDE ||
	    cinfo.image_height > IMAGE_MAX_SIDE ||
	    image_init(out, (int)cinfo.image_width,
	    (int)cinfo.image_height) != 0) {
		log_error("'%s': image too large", path);
		jpeg_destroy_decompress(&cinfo);
		return -1;
	}
	jpeg_start_decompress(&cinfo);
	while (cinfo.output_scanline < cinfo.output_height) {
		row = out->px + (size_t)cinfo.output_scanline * (size_t)out->w;
		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	return 0;
}

int
image_load(const char *path, struct image *out)
{
	unsigned char magic[8];
	FILE *f;
	size_t n;
	int r = -1;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "rb");
	if (f == NULL) {
		log_error("cannot open '%s': %m", path);
		return -1;
	}
	n = fread(magic, 1, sizeof(magic), f);
	if (n == 8 && png_sig_cmp(magic, 0, 8) == 0) {
		fclose(f);
		return load_png(path, out);
	}
	if (n >= 3 && magic[0] == 0xff && magic[1] == 0xd8 &&
	    magic[2] == 0xff) {
		rewind(f);
		r = load_jpeg(path, f, out);
	} else {
		log_error("'%s' is neither PNG nor JPEG", path);
	}
	fclose(f);
	return r;
}

int
image_save_png(const struct image *img, const char *path)
{
	png_image pi;

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = (png_uint_32)img->w;
	pi.height = (png_uint_32)img->h;
	pi.format = PNG_FORMAT_GRAY;
	if (!png_image_write_to_file(&pi, path, 0, img->px, 0, NULL)) {
		log_error("cannot write '%s': %s", path, pi.message);
		return -1;
	}
	return 0;
}
