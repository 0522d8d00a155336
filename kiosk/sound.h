/*
 * sound: the answer tones through SDL audio: a rising tone for a good
 * answer, a low one for a refusal or an error. The tones are generated at
 * start, no files. With no audio device (or sound turned off) the kiosk
 * runs silent: that is logged once, never an error.
 */
#ifndef KIOSK_SOUND_H
#define KIOSK_SOUND_H

struct sound;

/*
 * sound_open(on):
 * Open the default audio device when ON. Returns the sound, or NULL when
 * off or there is no device (logged at info level); sound_play(NULL, ...)
 * then does nothing.
 */
struct sound *sound_open(int on);

/* sound_play(s, good): the good or the bad tone, cutting one that plays. */
void sound_play(struct sound *s, int good);

/* sound_close(s): close the device and free S; NULL does nothing. */
void sound_close(struct sound *s);

#endif
