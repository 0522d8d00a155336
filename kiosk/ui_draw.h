/*
 * ui_draw: the SDL drawing layer: draws a screen's view (view.h) with
 * SDL2 and SDL_ttf, and changes nothing in the screens. It owns what only
 * pixels need: fonts, the camera preview's texture, the QR codes'
 * textures (made again only when their text changes), and the fitting of
 * each text to its box (shrunk, then wrapped between words, until it
 * fits; a text that does not fit even small is clipped and counted).
 */
#ifndef KIOSK_UI_DRAW_H
#define KIOSK_UI_DRAW_H

#include <SDL.h>

#include "image.h"
#include "view.h"

struct ui_draw;

/*
 * ui_draw_new(renderer, font_regular, font_bold):
 * A drawing layer on RENDERER (which stays the caller's) with the TTF
 * fonts at those paths (which must outlive it). Returns it (free with
 * ui_draw_free), or NULL with a logged reason (SDL_ttf or a font missing).
 */
struct ui_draw *ui_draw_new(SDL_Renderer *renderer, const char *font_regular,
    const char *font_bold);

/* ui_draw_free(d): free D and its textures and fonts; NULL does nothing. */
void ui_draw_free(struct ui_draw *d);

/*
 * ui_draw_view(d, v):
 * Draw V (not presented). A piece that cannot be drawn (a texture SDL
 * refuses, a QR text too long) is left out and logged where it failed.
 */
void ui_draw_view(struct ui_draw *d, const struct view *v);

/*
 * ui_draw_preview(d, frame):
 * The camera frame the preview items show from now on (copied into a
 * texture). Returns 0, or -1 when SDL cannot make the texture (the preview
 * is then blank).
 */
int ui_draw_preview(struct ui_draw *d, const struct image *frame);

/*
 * ui_draw_clipped(d): how many texts did not fit their box even at the
 * smallest size (and were clipped to it) since D was made. 0 on a good
 * layout.
 */
int ui_draw_clipped(const struct ui_draw *d);

/*
 * ui_draw_save_png(renderer, path):
 * Write what RENDERER shows to PATH as an RGB PNG. Returns 0, or -1 with a
 * logged reason.
 */
int ui_draw_save_png(SDL_Renderer *renderer, const char *path);

#endif
