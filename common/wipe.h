/*
 * wipe: personal data does not linger in freed memory. jansson copies
 * every string it is given (a visitor's name on its way to be sealed, a
 * pass body); wipe_json_setup() makes jansson erase each block before
 * freeing it. Call once at the start of main, before any JSON is made.
 */
#ifndef KIOSK_WIPE_H
#define KIOSK_WIPE_H

/* wipe_json_setup(): have jansson wipe what it frees. */
void wipe_json_setup(void);

#endif
