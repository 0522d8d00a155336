/*
 * sound: generated tones through SDL audio. See sound.h.
 */
#include "sound.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>

#include "log.h"

#define RATE 22050

struct sound {
	SDL_AudioDeviceID dev;
	int16_t *ok, *bad;
	Uint32 ok_len, bad_len;
};

/* NFREQ tones of MS_EACH milliseconds, faded in and out; BYTES long. */
static int16_t *
make_tone(const int *freqs, int nfreq, int ms_each, Uint32 *bytes)
{
	int per = RATE * ms_each / 1000, i, k;
	int16_t *buf = malloc((size_t)per * (size_t)nfreq * sizeof(int16_t));

	if (buf == NULL)
		return NULL;
	for (k = 0; k < nfreq; k++)
		for (i = 0; i < per; i++) {
			double env = i < per / 10 ? (double)i / (per / 10) :
			    i > per * 8 / 10 ? (double)(per - i) /
			    (per * 2 / 10) : 1.0;

			buf[k * per + i] = (int16_t)(9000.0 * env *
			    sin(2 * M_PI * freqs[k] * i / RATE));
		}
	*bytes = (Uint32)((size_t)per * (size_t)nfreq * sizeof(int16_t));
	return buf;
}

struct sound *
sound_open(int on)
{
	static const int ok[] = { 880, 1320 }, bad[] = { 220, 180 };
	SDL_AudioSpec want, have;
	struct sound *s;

	if (!on || SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
		log_info("no sound: %s", on ? SDL_GetError() : "turned off");
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	memset(&want, 0, sizeof(want));
	want.freq = RATE;
	want.format = AUDIO_S16SYS;
	want.channels = 1;
	want.samples = 1024;
	s->dev = SDL_OpenAudioDevice(NULL, 0, &want, &have, 0);
	if (s->dev == 0) {
		log_info("no sound device: %s; running silent", SDL_GetError());
		free(s);
		return NULL;
	}
	s->ok = make_tone(ok, 2, 120, &s->ok_len);
	s->bad = make_tone(bad, 2, 220, &s->bad_len);
	SDL_PauseAudioDevice(s->dev, 0);
	return s;
}

void
sound_play(struct sound *s, int good)
{
	if (s == NULL)
		return;
	SDL_ClearQueuedAudio(s->dev);
	if (good && s->ok != NULL)
		SDL_QueueAudio(s->dev, s->ok, s->ok_len);
	else if (!good && s->bad != NULL)
		SDL_QueueAudio(s->dev, s->bad, s->bad_len);
}

void
sound_close(struct sound *s)
{
	if (s == NULL)
		return;
	SDL_CloseAudioDevice(s->dev);
	free(s->ok);
	free(s->bad);
	free(s);
}
