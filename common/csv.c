/*
 * csv: formula-safe CSV. See csv.h.
 */
#include "csv.h"

#include <string.h>

int
csv_cell(FILE *f, const char *text, int first)
{
	int formula = text[0] != '\0' && strchr("=+-@\t\r", text[0]) != NULL;
	int quote = formula || strpbrk(text, ",\"\r\n") != NULL ||
	    text[0] == ' ';
	const char *p;

	if (!first && fputc(',', f) == EOF)
		return -1;
	if (quote && fputc('"', f) == EOF)
		return -1;
	if (formula && fputc('\'', f) == EOF)
		return -1;
	for (p = text; *p != '\0'; p++) {
		if (*p == '"' && fputc('"', f) == EOF)
			return -1;
		if (fputc(*p, f) == EOF)
			return -1;
	}
	if (quote && fputc('"', f) == EOF)
		return -1;
	return 0;
}

int
csv_end(FILE *f)
{
	return fputs("\r\n", f) == EOF ? -1 : 0;
}

int
csv_bom(FILE *f)
{
	return fputs("\xef\xbb\xbf", f) == EOF ? -1 : 0;
}
