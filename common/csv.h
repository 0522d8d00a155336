/*
 * csv: spreadsheet-safe CSV cells (RFC 4180 quoting).
 *
 * A cell that begins with '=', '+', '-', '@', a tab or a carriage return
 * would run as a formula in spreadsheet programs; such a cell is written
 * with a leading apostrophe, which spreadsheets show as text. The input is
 * never altered otherwise: escape on export, never strip on input.
 */
#ifndef KIOSK_CSV_H
#define KIOSK_CSV_H

#include <stdio.h>

/*
 * csv_cell(f, text, first):
 * Write TEXT as one cell to F, preceded by a comma unless FIRST.
 * Returns 0, or -1 on a write error.
 */
int csv_cell(FILE *f, const char *text, int first);

/* csv_end(f): end the row. Returns 0, or -1 on a write error. */
int csv_end(FILE *f);

/* csv_bom(f): the UTF-8 byte order mark that tells spreadsheets UTF-8. */
int csv_bom(FILE *f);

#endif
