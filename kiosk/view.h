/*
 * view: a model of what one screen shows, as a list of items in drawing
 * order: filled rectangles, texts (with a role, a starting size, a
 * colour), buttons (with an id and a label), invisible touch areas, a QR
 * code's text, the camera preview's place, and check and cross marks.
 * Rectangles are in pixels of a W x H screen.
 *
 * The screens (screen*.c) build views; the drawing layer (ui_draw.c)
 * draws them; tests read their words and find their buttons. A view
 * holds no SDL type and changes nothing; fitting a text to its box needs
 * font metrics, so that is left to the drawing layer.
 *
 * A view holds pointers into itself: build it in place, never copy it.
 */
#ifndef KIOSK_VIEW_H
#define KIOSK_VIEW_H

#include <stddef.h>

#define VIEW_ITEMS_MAX 96
#define VIEW_TEXT_BYTES 16384

enum view_kind {
	VIEW_FILL,	/* a rectangle of colour BG */
	VIEW_TEXT,	/* TEXT fitted into BOX, in FG */
	VIEW_BUTTON,	/* R filled with BG, framed; TEXT, its label, in BOX */
	VIEW_HIT,	/* R: touch area with no drawing; TEXT names it */
	VIEW_QR,	/* TEXT as a QR code, as large as fits R */
	VIEW_PREVIEW,	/* the newest camera frame, letterboxed in R */
	VIEW_CHECK,	/* a check mark in R, in FG */
	VIEW_CROSS	/* a cross in R, in FG */
};

/* The palette, by use; the drawing layer holds the RGB values. */
enum view_colour {
	VIEW_C_BG, VIEW_C_BAR, VIEW_C_PANEL, VIEW_C_TEXT, VIEW_C_DIM,
	VIEW_C_OK, VIEW_C_DUP, VIEW_C_BAD, VIEW_C_WARN, VIEW_C_BTN,
	VIEW_C_ACCENT, VIEW_C_WHITE, VIEW_C_INK, VIEW_C_BLACK,
	VIEW_C_COUNT
};

enum view_align { VIEW_LEFT, VIEW_CENTER, VIEW_RIGHT };

/* What a text is for, so that a test can ask for it by name. */
enum view_role {
	VIEW_ROLE_BAR,		/* venue name, clock, online, to upload */
	VIEW_ROLE_TITLE,	/* what happened, or what the screen is */
	VIEW_ROLE_LINE,		/* a detail: a name, a reason, a figure line */
	VIEW_ROLE_HINT,		/* what to do next */
	VIEW_ROLE_FIGURE,	/* a big number */
	VIEW_ROLE_NOTE,		/* work in progress, its outcome, a warning */
	VIEW_ROLE_ENTRY,	/* what was typed on the keypad */
	VIEW_ROLE_LABEL		/* a button's label */
};

struct view_rect {
	int x, y, w, h;
};

struct view_item {
	enum view_kind kind;
	enum view_role role;	/* texts and labels */
	struct view_rect r;	/* fills, buttons, hits, QR, preview, marks */
	struct view_rect box;	/* texts and labels: the box to fit */
	enum view_colour fg, bg;
	int px;			/* texts: the size to start from */
	int bold;
	enum view_align align;
	/*
	 * Texts with the same GROUP (> 0) are drawn at one size: the largest,
	 * from PX down, at which each fits its box on one line.
	 */
	int group;
	int id;			/* buttons and hits: the screen's button id */
	const char *text;	/* into the view's own buffer */
};

struct view {
	int w, h;
	struct view_item item[VIEW_ITEMS_MAX];
	size_t n;
	char text[VIEW_TEXT_BYTES];
	size_t used;
	int full;		/* an item or a text did not fit (logged) */
};

/* view_init(v, w, h): an empty view of a W x H screen. */
void view_init(struct view *v, int w, int h);

/*
 * view_equal(a, b): 1 when A and B draw the same pixels (same size, same
 * items, same texts), else 0. The kiosk draws only when its view changed.
 */
int view_equal(const struct view *a, const struct view *b);

/* view_copy(dst, src): DST becomes a copy of SRC (its texts its own). */
void view_copy(struct view *dst, const struct view *src);

/*
 * view_fill(v, r, colour):
 * Add a filled rectangle. Returns the item, or NULL when the view is full
 * (logged once; the screen then misses a piece, and tests see v->full).
 */
struct view_item *view_fill(struct view *v, struct view_rect r,
    enum view_colour colour);

/*
 * view_text(v, role, s, box, px, bold, fg, align):
 * Add the text S (copied), to be fitted into BOX starting at PX pixels.
 * S NULL adds nothing; S empty adds an empty text, which is drawn as
 * nothing but kept in the words (a name or reason gone missing shows up in
 * tests). Returns the item, or NULL (nothing added, or the view is full).
 */
struct view_item *view_text(struct view *v, enum view_role role,
    const char *s, struct view_rect box, int px, int bold,
    enum view_colour fg, enum view_align align);

/*
 * view_button(v, id, label, r, box, px, bg):
 * Add a button: R filled with BG and framed, LABEL (copied) fitted into
 * BOX from PX pixels, bold, centred. Returns the item, or NULL when full.
 */
struct view_item *view_button(struct view *v, int id, const char *label,
    struct view_rect r, struct view_rect box, int px, enum view_colour bg);

/*
 * view_hit(v, id, name, r):
 * Add an invisible touch area R named NAME (copied; not a word on the
 * screen). Returns the item, or NULL when full.
 */
struct view_item *view_hit(struct view *v, int id, const char *name,
    struct view_rect r);

/* view_qr(v, text, r): add TEXT (copied) as a QR code in R; or NULL. */
struct view_item *view_qr(struct view *v, const char *text,
    struct view_rect r);

/* view_preview(v, r): add the camera preview's place; or NULL. */
struct view_item *view_preview(struct view *v, struct view_rect r);

/* view_mark(v, kind, r, fg): add VIEW_CHECK or VIEW_CROSS; or NULL. */
struct view_item *view_mark(struct view *v, enum view_kind kind,
    struct view_rect r, enum view_colour fg);

/*
 * view_words(v, out, max):
 * The texts and button labels of V in drawing order, as a person reads
 * the screen: up to MAX pointers (into V) go to OUT. Returns how many
 * there are, which may be more than MAX.
 */
size_t view_words(const struct view *v, const char **out, size_t max);

/*
 * view_says(v, needle): 1 if a text or label of V contains NEEDLE, else 0.
 */
int view_says(const struct view *v, const char *needle);

/*
 * view_find(v, role, nth):
 * The NTH (from 0) text of V with ROLE, or NULL when there is none.
 */
const char *view_find(const struct view *v, enum view_role role, size_t nth);

/*
 * view_hit_test(v, x, y):
 * The id of the first button or touch area of V holding (X, Y), or 0
 * (no button) when there is none.
 */
int view_hit_test(const struct view *v, int x, int y);

/*
 * view_button_rect(v, label, out):
 * Where the button labelled LABEL (or the touch area named LABEL) is.
 * Returns 0, or -1 when V has none.
 */
int view_button_rect(const struct view *v, const char *label,
    struct view_rect *out);

#endif
