/*
 * reason: codes of refused scans. See reason.h.
 */
#include "reason.h"

#include <string.h>

static const char *const codes[REASON_COUNT] = {
	[REASON_NONE] = "none",
	[REASON_EMPTY] = "empty",
	[REASON_TOO_LONG] = "too_long",
	[REASON_BAD_UTF8] = "bad_utf8",
	[REASON_CONTROL_CHARS] = "control_chars",
	[REASON_UNKNOWN_FORMAT] = "unknown_format",
	[REASON_CCCD_FIELDS] = "cccd_fields",
	[REASON_CCCD_ID] = "cccd_bad_id",
	[REASON_CCCD_OLD_ID] = "cccd_bad_old_id",
	[REASON_CCCD_NAME] = "cccd_bad_name",
	[REASON_CCCD_DOB] = "cccd_bad_dob",
	[REASON_CCCD_GENDER] = "cccd_bad_gender",
	[REASON_CCCD_GENDER_MISMATCH] = "cccd_gender_mismatch",
	[REASON_CCCD_YEAR_MISMATCH] = "cccd_year_mismatch",
	[REASON_CCCD_ADDRESS] = "cccd_bad_address",
	[REASON_CCCD_ISSUE_DATE] = "cccd_bad_issue_date",
	[REASON_PCCOVID_DOC] = "pccovid_bad_document",
	[REASON_PCCOVID_NAME] = "pccovid_bad_name",
	[REASON_PCCOVID_DOB] = "pccovid_bad_dob",
	[REASON_PCCOVID_TYPE] = "pccovid_bad_type",
	[REASON_PCCOVID_QID] = "pccovid_bad_qid",
	[REASON_PCCOVID_EXT] = "pccovid_bad_ext",
	[REASON_PASS_FORMAT] = "pass_bad_format",
	[REASON_PASS_UNKNOWN_ISSUER] = "pass_unknown_issuer",
	[REASON_PASS_SIGNATURE] = "pass_bad_signature",
	[REASON_PASS_EXPIRED] = "pass_expired",
	[REASON_PASS_NOT_YET_VALID] = "pass_not_yet_valid",
	[REASON_PASS_REVOKED] = "pass_revoked",
	[REASON_PHONE] = "phone_bad_number",
	[REASON_SCANNER_KEYBOARD] = "scanner_keyboard",
};

const char *
reason_code(enum reason r)
{
	if ((unsigned)r >= REASON_COUNT)
		return "unknown";
	return codes[r];
}

enum reason
reason_from_code(const char *code)
{
	int i;

	for (i = 1; i < REASON_COUNT; i++)
		if (strcmp(codes[i], code) == 0)
			return (enum reason)i;
	return REASON_NONE;
}
