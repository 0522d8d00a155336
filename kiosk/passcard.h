/*
 * passcard: a printable pass (kioskctl issue-pass --pdf): an A4 page with
 * the card to cut out, ID-1 size (85.6 x 54 mm), twice (one to keep, one
 * spare): the holder's name, role, validity, issuer and the pass's QR
 * code, drawn with cairo (print.h).
 */
#ifndef KIOSK_PASSCARD_H
#define KIOSK_PASSCARD_H

#include "pass.h"

/*
 * passcard_pdf(info, text, issuer_name, path):
 * The card for the pass INFO (its text form TEXT) issued by ISSUER_NAME
 * (the ward, "" for none) into the PDF PATH (mode 0600). 0 or -1 (logged).
 */
int passcard_pdf(const struct pass_info *info, const char *text,
    const char *issuer_name, const char *path);

#endif
