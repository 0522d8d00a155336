/*
 * gen: realistic generated texts. See gen.h.
 */
#include "gen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unicase.h>
#include <uninorm.h>

#include "pass.h"

/* Each row: one vowel with no tone, sắc, huyền, hỏi, ngã, nặng. */
static const char *const vowels[24][6] = {
	{ "a", "á", "à", "ả", "ã", "ạ" }, { "ă", "ắ", "ằ", "ẳ", "ẵ", "ặ" },
	{ "â", "ấ", "ầ", "ẩ", "ẫ", "ậ" }, { "e", "é", "è", "ẻ", "ẽ", "ẹ" },
	{ "ê", "ế", "ề", "ể", "ễ", "ệ" }, { "i", "í", "ì", "ỉ", "ĩ", "ị" },
	{ "o", "ó", "ò", "ỏ", "õ", "ọ" }, { "ô", "ố", "ồ", "ổ", "ỗ", "ộ" },
	{ "ơ", "ớ", "ờ", "ở", "ỡ", "ợ" }, { "u", "ú", "ù", "ủ", "ũ", "ụ" },
	{ "ư", "ứ", "ừ", "ử", "ữ", "ự" }, { "y", "ý", "ỳ", "ỷ", "ỹ", "ỵ" },
	{ "A", "Á", "À", "Ả", "Ã", "Ạ" }, { "Ă", "Ắ", "Ằ", "Ẳ", "Ẵ", "Ặ" },
	{ "Â", "Ấ", "Ầ", "Ẩ", "Ẫ", "Ậ" }, { "E", "É", "È", "Ẻ", "Ẽ", "Ẹ" },
	{ "Ê", "Ế", "Ề", "Ể", "Ễ", "Ệ" }, { "I", "Í", "Ì", "Ỉ", "Ĩ", "Ị" },
	{ "O", "Ó", "Ò", "Ỏ", "Õ", "Ọ" }, { "Ô", "Ố", "Ồ", "Ổ", "Ỗ", "Ộ" },
	{ "Ơ", "Ớ", "Ờ", "Ở", "Ỡ", "Ợ" }, { "U", "Ú", "Ù", "Ủ", "Ũ", "Ụ" },
	{ "Ư", "Ứ", "Ừ", "Ử", "Ữ", "Ự" }, { "Y", "Ý", "Ỳ", "Ỷ", "Ỹ", "Ỵ" },
};

static const char *const families[] = {
	"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
	"Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh",
	"Mai", "Tô", "Lương", "Quách", "Thái", "Tạ", "Khổng", "Ông", "Ưng",
	"Âu", "Đoàn", "Lâm", "Hà", "Triệu", "Kiều", "Ân", "Ứng", "Ấu"
};
static const char *const middles[] = {
	"Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân",
	"Thu", "Bảo", "Gia", "Hoài", "Khánh", "Diệu", "Mỹ", "Tường", "Phước",
	"Ánh", "Kiều", "Nhật", "Trọng"
};
static const char *const givens[] = {
	"An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hạnh", "Hiếu", "Hùng",
	"Hương", "Khoa", "Lan", "Linh", "Lộc", "Mai", "Nga", "Ổn", "Phúc",
	"Quyên", "Sơn", "Tâm", "Thảo", "Thủy", "Trí", "Tuấn", "Uyên", "Việt",
	"Xuyến", "Yến", "Ửng", "Ỷ", "Ẩn", "Ước", "Ý", "Nhị", "Ỳ"
};
static const char *const onsets[] = {
	"", "b", "c", "ch", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng",
	"nh", "ph", "r", "s", "t", "th", "tr", "v", "x"
};
static const char *const codas[] = { "", "", "c", "m", "n", "ng", "nh", "p",
	"t", "i", "o", "u" };
static const char *const streets[] = {
	"Lê Lợi", "Nguyễn Huệ", "Trần Hưng Đạo", "Hai Bà Trưng", "Điện Biên Phủ",
	"Lý Thường Kiệt", "Phạm Ngũ Lão", "Võ Thị Sáu", "Nguyễn Thị Minh Khai",
	"Cách Mạng Tháng Tám", "Hoàng Diệu", "Đinh Tiên Hoàng", "Trưng Nữ Vương",
	"Ỷ Lan", "Âu Cơ", "Ấp Bắc", "Ông Ích Khiêm", "Ưng Văn Khiêm"
};
static const char *const wards[] = {
	"Phường Bến Nghé", "Phường Đa Kao", "Xã Ẩn Ứ", "Phường Hàng Bạc",
	"Thị trấn Ỷ Lan", "Xã Ưng Hòe", "Phường Ô Chợ Dừa", "Xã Ấp Đồn",
	"Phường Thủy Xuân", "Xã Mường Lèo", "Phường Ngũ Hành Sơn"
};
static const char *const districts[] = {
	"Quận 1", "Quận Hoàn Kiếm", "Huyện Củ Chi", "Thị xã Sơn Tây",
	"Huyện Ứng Hòa", "Quận Đống Đa", "Huyện Ý Yên", "Thành phố Thủ Đức",
	"Huyện Ân Thi", "Quận Ngũ Hành Sơn"
};
static const struct { int code; const char *name; } provinces[] = {
	{ 1, "Thành phố Hà Nội" }, { 79, "Thành phố Hồ Chí Minh" },
	{ 48, "Thành phố Đà Nẵng" }, { 31, "Thành phố Hải Phòng" },
	{ 92, "Thành phố Cần Thơ" }, { 46, "Tỉnh Thừa Thiên Huế" },
	{ 33, "Tỉnh Hưng Yên" }, { 36, "Tỉnh Nam Định" }, { 40, "Tỉnh Nghệ An" },
	{ 66, "Tỉnh Đắk Lắk" }, { 67, "Tỉnh Đắk Nông" }, { 75, "Tỉnh Đồng Nai" },
	{ 89, "Tỉnh An Giang" }, { 94, "Tỉnh Sóc Trăng" }, { 2, "Tỉnh Hà Giang" },
	{ 11, "Tỉnh Điện Biên" }, { 51, "Tỉnh Quảng Ngãi" }
};
static const char *const plain_families[] = { "NGUYEN", "TRAN", "LE",
	"PHAM", "HOANG", "VU", "DANG", "BUI", "DO", "HO", "NGO", "DUONG" };
static const char *const plain_names[] = { "VAN", "THI", "HUU", "MINH",
	"AN", "BINH", "LAN", "HUONG", "TUAN", "YEN", "ON", "UYEN", "DUC" };
static const char *const phone_prefixes[] = { "032", "033", "039", "056",
	"058", "070", "077", "081", "085", "086", "090", "091", "096", "098" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

unsigned
gen_next(struct gen *g, unsigned n)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return n == 0 ? 0 : (unsigned)((g->s >> 11) % n);
}

static const char *
pick(struct gen *g, const char *const *list, size_t n)
{
	return list[gen_next(g, (unsigned)n)];
}

const char *
gen_vowel_form(unsigned i)
{
	i %= GEN_VOWEL_FORMS;
	return vowels[i / 6][i % 6];
}

int
gen_init(struct gen *g, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->s = seed * 0x9E3779B97F4A7C15ULL + 88172645463325252ULL;
	if (g->s == 0)
		g->s = 1;
	if (sodium_init() < 0)
		return -1;
	g->offset = (unsigned)(seed % 1000u);
	{
		/* The issuer key from the seed too: the same seed, the same
		 * texts, passes included. */
		unsigned char ks[crypto_sign_SEEDBYTES];
		uint64_t v = seed;

		crypto_generichash(ks, sizeof(ks), (unsigned char *)&v,
		    sizeof(v), (const unsigned char *)"gen-issuer", 10);
		memset(&g->issuer, 0, sizeof(g->issuer));
		g->issuer.type = KEY_ED25519;
		crypto_sign_seed_keypair(g->issuer.pk, g->issuer.sk, ks);
		sodium_memzero(ks, sizeof(ks));
	}
	return 0;
}

void
gen_release(struct gen *g)
{
	sodium_memzero(g, sizeof(*g));
}

enum gen_kind
gen_kind_for(unsigned i)
{
	static const enum gen_kind cycle[10] = { GEN_CCCD, GEN_PCCOVID,
	    GEN_CCCD, GEN_PHONE, GEN_CCCD, GEN_PASS, GEN_CCCD, GEN_CCCD,
	    GEN_PCCOVID, GEN_CCCD };

	return cycle[i % 10];
}

/* A text builder that fails once full. */
struct sb {
	char *p;
	size_t size, len;
	int over;
};

static void
put(struct sb *b, const char *s)
{
	size_t n = strlen(s);

	if (b->over || b->len + n + 1 > b->size) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static void putf(struct sb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
putf(struct sb *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->over = 1;
		return;
	}
	put(b, tmp);
}

/*
 * A made-up syllable in title case holding vowel form F (0..71, the
 * lower-case forms; a leading vowel takes its capital).
 */
static void
syllable(struct gen *g, struct sb *b, unsigned f)
{
	const char *on = pick(g, onsets, N(onsets));
	char w[8];

	if (on[0] == '\0') {
		put(b, gen_vowel_form(f + GEN_VOWEL_FORMS / 2));
	} else if (strcmp(on, "đ") == 0) {
		put(b, "Đ");
		put(b, gen_vowel_form(f));
	} else {
		snprintf(w, sizeof(w), "%s", on);
		w[0] = (char)(w[0] - 'a' + 'A');
		put(b, w);
		put(b, gen_vowel_form(f));
	}
	put(b, pick(g, codas, N(codas)));
}

/*
 * A name whose last word holds the next vowel form in turn, so that a run
 * of GEN_VOWEL_FORMS names has every form: the upper-case half comes from
 * names written wholly in capitals, as some cards have them.
 */
static void
viet_name(struct gen *g, struct sb *b)
{
	unsigned f = g->vowel_turn++ % GEN_VOWEL_FORMS;
	size_t start = b->len, n;
	uint8_t *up;

	put(b, pick(g, families, N(families)));
	put(b, " ");
	if (gen_next(g, 4) != 0) {
		put(b, pick(g, middles, N(middles)));
		put(b, " ");
	}
	if (gen_next(g, 3) == 0) {
		put(b, pick(g, givens, N(givens)));
		put(b, " ");
	}
	syllable(g, b, f % (GEN_VOWEL_FORMS / 2));
	if (b->over || f < GEN_VOWEL_FORMS / 2)
		return;
	up = u8_toupper((const uint8_t *)b->p + start, b->len - start, NULL,
	    UNINORM_NFC, NULL, &n);
	if (up == NULL || start + n + 1 > b->size) {
		free(up);
		b->over = 1;
		return;
	}
	memcpy(b->p + start, up, n);
	free(up);
	b->len = start + n;
	b->p[b->len] = '\0';
}

static int
days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };

	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ?
	    29 : d[m - 1];
}

static int
gen_cccd(struct gen *g, struct sb *b)
{
	int female = (int)gen_next(g, 2), y = 1930 + (int)gen_next(g, 81);
	int m = 1 + (int)gen_next(g, 12), d = 1 + (int)gen_next(g, (unsigned)
	    days_in(y, m)), iy, im, id, fields, prov = (int)gen_next(g,
	    N(provinces)), oldk = (int)gen_next(g, 3), k;
	unsigned serial = g->serial++;

	/* ID: province, gender and century, two digits of the year, six. */
	putf(b, "%03d%d%02d", provinces[prov].code,
	    (y >= 2000 ? 2 : 0) + female, y % 100);
	/* 7919 is prime to 10^6: unique for the first million. */
	putf(b, "%06ld", (long)((serial * 7919u + g->offset) % 1000000u));
	/* 6 fields (no old ID), 7, or 11 (2024 cards' empty extras). */
	k = (int)gen_next(g, 10);
	fields = k == 0 ? 6 : k < 7 ? 7 : 11;
	if (fields != 6) {
		put(b, "|");
		if (oldk == 1)
			putf(b, "%09ld", (long)gen_next(g, 1000000000u));
		else if (oldk == 2)
			putf(b, "%06ld%06ld", (long)gen_next(g, 1000000),
			    (long)gen_next(g, 1000000));
	}
	put(b, "|");
	viet_name(g, b);
	putf(b, "|%02d%02d%04d", d, m, y);
	put(b, female ? "|Nữ|" : "|Nam|");
	/* Address: house number, street, ward, district, province. */
	if (gen_next(g, 3) == 0)
		put(b, "Số ");
	putf(b, "%ld", 1 + (long)gen_next(g, 400));
	if (gen_next(g, 4) == 0)
		putf(b, "/%ld", 1 + (long)gen_next(g, 60));
	k = (int)gen_next(g, 5);
	put(b, k < 2 ? " Đường " : k == 2 ? " đường " : " ");
	put(b, pick(g, streets, N(streets)));
	put(b, ", ");
	if (gen_next(g, 3) == 0) {
		put(b, "Thôn ");
		syllable(g, b, gen_next(g, GEN_VOWEL_FORMS / 2));
		put(b, ", ");
	}
	put(b, pick(g, wards, N(wards)));
	put(b, ", ");
	put(b, pick(g, districts, N(districts)));
	put(b, ", ");
	put(b, provinces[prov].name);
	/* Issued after 14 years of age and from 2016, before 2026. */
	iy = y + 14 > 2016 ? y + 14 : 2016;
	iy += (int)gen_next(g, (unsigned)(2026 - iy));
	im = 1 + (int)gen_next(g, 12);
	id = 1 + (int)gen_next(g, (unsigned)days_in(iy, im));
	putf(b, "|%02d%02d%04d", id, im, iy);
	if (fields == 11)
		put(b, "||||");
	return 0;
}

static int
gen_pccovid(struct gen *g, struct sb *b)
{
	int y = 1940 + (int)gen_next(g, 70), m = 1 + (int)gen_next(g, 12);
	int mask = (int)gen_next(g, 3), i;
	unsigned serial = g->serial++;

	/* Document number: 12 digits, the first 6 masked (or not). */
	if (gen_next(g, 4) != 0)
		put(b, "******");
	else
		putf(b, "%06ld", (long)gen_next(g, 1000000));
	putf(b, "%06ld|", (long)(serial * 104729u) % 1000000);
	put(b, pick(g, plain_families, N(plain_families)));
	put(b, " ");
	put(b, pick(g, plain_names, N(plain_names)));
	put(b, " ");
	put(b, pick(g, plain_names, N(plain_names)));
	if (mask == 0)
		putf(b, "|%04d-**-**|", y);
	else if (mask == 1)
		putf(b, "|%04d-%02d-**|", y, m);
	else
		putf(b, "|%04d-%02d-%02d|", y, m, 1 + (int)gen_next(g, 28));
	putf(b, "%ld|", 1 + (long)gen_next(g, 9));
	/* QID: hex, unique. */
	putf(b, "q%08lx", (long)serial);
	for (i = 0; i < 3; i++)
		putf(b, "%04lx", (long)gen_next(g, 65536));
	put(b, "|");
	if (gen_next(g, 2))
		putf(b, "ext%ld", (long)gen_next(g, 100000));
	return 0;
}

static int
gen_pass(struct gen *g, struct sb *b)
{
	struct pass_info info;
	struct sb name = { info.name, sizeof(info.name), 0, 0 };
	char text[PASS_TEXT_MAX + 1];

	memset(&info, 0, sizeof(info));
	snprintf(info.id, sizeof(info.id), "visitor-%06u", g->serial++);
	info.role = PASS_VISITOR;
	viet_name(g, &name);
	if (name.over)
		return -1;
	/* Valid from 2020 to 2099: any test clock falls inside. */
	info.not_before = 1577836800;
	info.expires = 4102444800;
	if (pass_issue(&g->issuer, &info, text, sizeof(text)) != 0)
		return -1;
	put(b, text);
	sodium_memzero(&info, sizeof(info));
	return 0;
}

static int
gen_phone(struct gen *g, struct sb *b)
{
	const char *p = pick(g, phone_prefixes, N(phone_prefixes));
	unsigned serial = g->serial++;

	if (gen_next(g, 4) == 0) {
		put(b, "+84");
		put(b, p + 1);
	} else {
		put(b, p);
	}
	/* 7477 is prime to 10^7: unique for the first ten million. */
	putf(b, "%07ld", (long)((serial * 7477u + g->offset) % 10000000u));
	return 0;
}

int
gen_text(struct gen *g, enum gen_kind kind, char *out, size_t size)
{
	struct sb b = { out, size, 0, 0 };
	int r;

	if (size == 0)
		return -1;
	out[0] = '\0';
	switch (kind) {
	case GEN_CCCD: r = gen_cccd(g, &b); break;
	case GEN_PCCOVID: r = gen_pccovid(g, &b); break;
	case GEN_PASS: r = gen_pass(g, &b); break;
	case GEN_PHONE: r = gen_phone(g, &b); break;
	default: r = -1; break;
	}
	if (r != 0 || b.over)
		return -1;
	return (int)b.len;
}
