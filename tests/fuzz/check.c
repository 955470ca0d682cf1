// SPDX-License-Identifier: GPL-2.0
/*
 * Strict checkers of what kvmrace writes, for the fuzz harnesses:
 *   JSON (RFC 8259: grammar, escapes, UTF-8, no duplicate keys in an object,
 *         one value and nothing after it);
 *   XML 1.0 well-formedness (UTF-8, legal characters and character
 *         references, the five predefined entities only, matching tags,
 *         unique attributes, one root);
 *   TAP 13 as kvmrace writes it (version, plan, numbered points, YAML blocks
 *         whose lines are mappings or list items with valid scalars);
 *   kvmrace's perf-script export (every record parses back).
 * Each returns NULL or what is wrong, with the offset in *at.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "ftline.h"
#include "fuzz.h"
#include "perfcodec.h"

/* ---- UTF-8 ---- */

/* The code point at s (strict: no overlong forms, surrogates or values
 * past U+10FFFF); its length in *len, or -1 if invalid. */
static long utf8(const unsigned char *s, const unsigned char *end, int *len)
{
	unsigned char c = s[0];
	long cp, min;
	int n, i;

	if (c < 0x80) {
		*len = 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2; cp = c & 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3; cp = c & 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4; cp = c & 0x07; min = 0x10000;
	} else {
		return -1;
	}
	if (end - s < n)
		return -1;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*len = n;
	return cp;
}

/* ---- JSON ---- */

struct jp {
	const unsigned char *s, *p, *end;
	const char *err;
	int depth;
};

#define JSON_MAX_DEPTH 128

static bool j_fail(struct jp *j, const char *msg)
{
	if (!j->err)
		j->err = msg;
	return false;
}

static void j_ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static bool j_hex4(struct jp *j)
{
	int i;

	for (i = 0; i < 4; i++, j->p++)
		if (j->p >= j->end || !strchr("0123456789abcdefABCDEF", *j->p) || !*j->p)
			return j_fail(j, "bad \\u escape in a string");
	return true;
}

static bool j_string(struct jp *j)
{
	j->p++;	/* the opening quote */
	for (;;) {
		int len;

		if (j->p >= j->end)
			return j_fail(j, "unterminated string");
		if (*j->p == '"') {
			j->p++;
			return true;
		}
		if (*j->p < 0x20)
			return j_fail(j, "raw control character in a string");
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end)
				return j_fail(j, "unterminated escape");
			if (*j->p == 'u') {
				j->p++;
				if (!j_hex4(j))
					return false;
				continue;
			}
			if (!*j->p || !strchr("\"\\/bfnrt", *j->p))
				return j_fail(j, "invalid escape in a string");
			j->p++;
			continue;
		}
		if (utf8(j->p, j->end, &len) < 0)
			return j_fail(j, "invalid UTF-8 in a string");
		j->p += len;
	}
}

static bool digits(struct jp *j)
{
	const unsigned char *q = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > q;
}

static bool j_number(struct jp *j)
{
	if (*j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!(j->p < j->end && *j->p >= '1' && *j->p <= '9') || !digits(j))
		return j_fail(j, "invalid number");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (!digits(j))
			return j_fail(j, "invalid number (no digit after '.')");
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (!digits(j))
			return j_fail(j, "invalid number (no exponent digits)");
	}
	return true;
}

static bool j_lit(struct jp *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n))
		return j_fail(j, "invalid literal");
	j->p += n;
	return true;
}

struct span {
	const unsigned char *p;
	size_t n;
};

static bool j_value(struct jp *j);

static bool j_object(struct jp *j)
{
	struct span *keys = NULL;
	size_t nk = 0, cap = 0, i;
	bool ok = false;

	j->p++;
	j_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return true;
	}
	for (;;) {
		const unsigned char *k;

		j_ws(j);
		if (j->p >= j->end || *j->p != '"') {
			j_fail(j, "expected a key string");
			break;
		}
		k = j->p;
		if (!j_string(j))
			break;
		for (i = 0; i < nk; i++)
			if (keys[i].n == (size_t)(j->p - k) && !memcmp(keys[i].p, k, keys[i].n)) {
				j->p = k;
				j_fail(j, "duplicate key in an object");
				goto out;
			}
		if (nk == cap) {
			struct span *nkeys = realloc(keys, (cap = cap ? cap * 2 : 16) * sizeof(*keys));

			if (!nkeys)
				abort();
			keys = nkeys;
		}
		keys[nk].p = k;
		keys[nk++].n = (size_t)(j->p - k);
		j_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			j_fail(j, "expected ':' after a key");
			break;
		}
		j->p++;
		if (!j_value(j))
			break;
		j_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			ok = true;
			break;
		}
		j_fail(j, "expected ',' or '}' in an object");
		break;
	}
out:
	free(keys);
	return ok;
}

static bool j_array(struct jp *j)
{
	j->p++;
	j_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return true;
	}
	for (;;) {
		if (!j_value(j))
			return false;
		j_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return true;
		}
		return j_fail(j, "expected ',' or ']' in an array");
	}
}

static bool j_value(struct jp *j)
{
	bool ok;

	j_ws(j);
	if (j->p >= j->end)
		return j_fail(j, "expected a value");
	switch (*j->p) {
	case '{':
	case '[':
		if (++j->depth > JSON_MAX_DEPTH)
			return j_fail(j, "nesting too deep");
		ok = *j->p == '{' ? j_object(j) : j_array(j);
		j->depth--;
		return ok;
	case '"':
		return j_string(j);
	case 't':
		return j_lit(j, "true");
	case 'f':
		return j_lit(j, "false");
	case 'n':
		return j_lit(j, "null");
	default:
		if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
			return j_number(j);
		return j_fail(j, "unexpected character");
	}
}

const char *fz_check_json(const char *s, size_t n, size_t *at)
{
	struct jp j = { (const unsigned char *)s, (const unsigned char *)s, (const unsigned char *)s + n, NULL, 0 };

	if (j_value(&j)) {
		j_ws(&j);
		if (j.p != j.end)
			j_fail(&j, "text after the JSON value");
	}
	*at = (size_t)(j.p - j.s);
	return j.err;
}

/* ---- XML ---- */

struct xp {
	const unsigned char *s, *p, *end;
	const char *err;
};

static bool x_fail(struct xp *x, const char *msg)
{
	if (!x->err)
		x->err = msg;
	return false;
}

static bool xml_char(long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) ||
	       (c >= 0x10000 && c <= 0x10ffff);
}

/* One character of content: legal XML, valid UTF-8. */
static bool x_char(struct xp *x)
{
	int len;
	long c = utf8(x->p, x->end, &len);

	if (c < 0)
		return x_fail(x, "invalid UTF-8");
	if (!xml_char(c))
		return x_fail(x, "character not allowed in XML");
	x->p += len;
	return true;
}

static bool name_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || c >= 0x80;
}

static bool name_char(unsigned char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static bool x_name(struct xp *x, struct span *sp)
{
	const unsigned char *q = x->p;

	if (x->p >= x->end || !name_start(*x->p))
		return x_fail(x, "expected a name");
	while (x->p < x->end && name_char(*x->p)) {
		if (*x->p >= 0x80) {
			if (!x_char(x))
				return false;
		} else {
			x->p++;
		}
	}
	sp->p = q;
	sp->n = (size_t)(x->p - q);
	return true;
}

static bool x_is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void x_ws(struct xp *x)
{
	while (x->p < x->end && x_is_ws(*x->p))
		x->p++;
}

/* &name; or &#N; or &#xH; at p */
static bool x_ref(struct xp *x)
{
	static const char *const ent[] = { "amp;", "lt;", "gt;", "quot;", "apos;" };
	size_t i;

	x->p++;
	if (x->p < x->end && *x->p == '#') {
		long c = 0;
		bool hex = false, any = false;

		x->p++;
		if (x->p < x->end && *x->p == 'x') {
			hex = true;
			x->p++;
		}
		for (; x->p < x->end && *x->p != ';'; x->p++) {
			int d;

			if (*x->p >= '0' && *x->p <= '9')
				d = *x->p - '0';
			else if (hex && *x->p >= 'a' && *x->p <= 'f')
				d = *x->p - 'a' + 10;
			else if (hex && *x->p >= 'A' && *x->p <= 'F')
				d = *x->p - 'A' + 10;
			else
				return x_fail(x, "invalid character reference");
			c = c * (hex ? 16 : 10) + d;
			if (c > 0x10ffff)
				return x_fail(x, "character reference out of range");
			any = true;
		}
		if (x->p >= x->end || !any)
			return x_fail(x, "unterminated character reference");
		if (!xml_char(c))
			return x_fail(x, "character reference to a character not allowed in XML");
		x->p++;
		return true;
	}
	for (i = 0; i < sizeof(ent) / sizeof(ent[0]); i++) {
		size_t l = strlen(ent[i]);

		if ((size_t)(x->end - x->p) >= l && !memcmp(x->p, ent[i], l)) {
			x->p += l;
			return true;
		}
	}
	return x_fail(x, "undefined entity reference (no DTD: only amp, lt, gt, quot, apos)");
}

/* to the end marker, every character legal; "--" not allowed in comments */
static bool x_until(struct xp *x, const char *marker, bool comment)
{
	size_t l = strlen(marker);

	for (;;) {
		if (x->p >= x->end)
			return x_fail(x, "unterminated markup");
		if ((size_t)(x->end - x->p) >= l && !memcmp(x->p, marker, l)) {
			x->p += l;
			return true;
		}
		if (comment && x->end - x->p >= 2 && x->p[0] == '-' && x->p[1] == '-')
			return x_fail(x, "'--' inside a comment");
		if (!x_char(x))
			return false;
	}
}

static bool x_misc(struct xp *x)
{
	if (x->end - x->p >= 4 && !memcmp(x->p, "<!--", 4)) {
		x->p += 4;
		return x_until(x, "-->", true);
	}
	if (x->end - x->p >= 2 && !memcmp(x->p, "<?", 2)) {
		struct span n;

		x->p += 2;
		if (!x_name(x, &n))
			return false;
		if (n.n == 3 && !strncasecmp((const char *)n.p, "xml", 3))
			return x_fail(x, "XML declaration not at the start");
		return x_until(x, "?>", false);
	}
	return x_fail(x, "expected markup");
}

#define XML_MAX_DEPTH 256
#define XML_MAX_ATTRS 64

static bool x_element(struct xp *x, int depth)
{
	struct span name, attrs[XML_MAX_ATTRS];
	int na = 0, i;

	if (depth > XML_MAX_DEPTH)
		return x_fail(x, "nesting too deep");
	x->p++;	/* '<' */
	if (!x_name(x, &name))
		return false;
	for (;;) {
		bool ws = x->p < x->end && x_is_ws(*x->p);
		struct span a;
		unsigned char q;

		x_ws(x);
		if (x->p >= x->end)
			return x_fail(x, "unterminated start tag");
		if (*x->p == '/') {
			if (x->end - x->p < 2 || x->p[1] != '>')
				return x_fail(x, "expected '/>'");
			x->p += 2;
			return true;
		}
		if (*x->p == '>') {
			x->p++;
			break;
		}
		if (!ws)
			return x_fail(x, "no space before an attribute");
		if (!x_name(x, &a))
			return false;
		for (i = 0; i < na; i++)
			if (attrs[i].n == a.n && !memcmp(attrs[i].p, a.p, a.n))
				return x_fail(x, "duplicate attribute");
		if (na == XML_MAX_ATTRS)
			return x_fail(x, "too many attributes");
		attrs[na++] = a;
		x_ws(x);
		if (x->p >= x->end || *x->p != '=')
			return x_fail(x, "expected '=' after an attribute name");
		x->p++;
		x_ws(x);
		if (x->p >= x->end || (*x->p != '"' && *x->p != '\''))
			return x_fail(x, "attribute value not quoted");
		q = *x->p++;
		for (;;) {
			if (x->p >= x->end)
				return x_fail(x, "unterminated attribute value");
			if (*x->p == q) {
				x->p++;
				break;
			}
			if (*x->p == '<')
				return x_fail(x, "'<' in an attribute value");
			if (*x->p == '&') {
				if (!x_ref(x))
					return false;
				continue;
			}
			if (!x_char(x))
				return false;
		}
	}
	/* content */
	for (;;) {
		if (x->p >= x->end)
			return x_fail(x, "unclosed element");
		if (*x->p == '<') {
			if (x->end - x->p >= 2 && x->p[1] == '/') {
				struct span end;

				x->p += 2;
				if (!x_name(x, &end))
					return false;
				if (end.n != name.n || memcmp(end.p, name.p, name.n))
					return x_fail(x, "end tag does not match the start tag");
				x_ws(x);
				if (x->p >= x->end || *x->p != '>')
					return x_fail(x, "expected '>' after the end tag name");
				x->p++;
				return true;
			}
			if (x->end - x->p >= 9 && !memcmp(x->p, "<![CDATA[", 9)) {
				x->p += 9;
				if (!x_until(x, "]]>", false))
					return false;
				continue;
			}
			if (x->end - x->p >= 2 && (x->p[1] == '!' || x->p[1] == '?')) {
				if (!x_misc(x))
					return false;
				continue;
			}
			if (!x_element(x, depth + 1))
				return false;
			continue;
		}
		if (*x->p == '&') {
			if (!x_ref(x))
				return false;
			continue;
		}
		if (x->end - x->p >= 3 && !memcmp(x->p, "]]>", 3))
			return x_fail(x, "']]>' in text");
		if (!x_char(x))
			return false;
	}
}

const char *fz_check_xml(const char *s, size_t n, size_t *at)
{
	struct xp x = { (const unsigned char *)s, (const unsigned char *)s, (const unsigned char *)s + n, NULL };
	bool root = false;

	if (n >= 5 && !memcmp(s, "<?xml", 5) && (n == 5 || x_is_ws((unsigned char)s[5]))) {
		x.p += 5;
		if (!x_until(&x, "?>", false))
			goto out;
	}
	for (;;) {
		x_ws(&x);
		if (x.p >= x.end)
			break;
		if (*x.p != '<') {
			x_fail(&x, root ? "text after the root element" : "text before the root element");
			break;
		}
		if (x.end - x.p >= 2 && (x.p[1] == '!' || x.p[1] == '?')) {
			if (x.end - x.p >= 9 && !memcmp(x.p, "<!DOCTYPE", 9)) {
				x_fail(&x, "DOCTYPE (kvmrace writes none)");
				break;
			}
			if (!x_misc(&x))
				break;
			continue;
		}
		if (root) {
			x_fail(&x, "a second root element");
			break;
		}
		if (!x_element(&x, 0))
			break;
		root = true;
	}
	if (!x.err && !root)
		x_fail(&x, "no root element");
out:
	*at = (size_t)(x.p - x.s);
	return x.err;
}

/* ---- TAP 13 (as kvmrace writes it) ---- */

/* A YAML double-quoted scalar at p (to the closing quote), the rest of the
 * line only spaces. */
static const char *yaml_dq(const char *p, const char *eol, const char **at)
{
	for (p++; p < eol; p++) {
		if (*p == '"') {
			for (p++; p < eol; p++)
				if (*p != ' ') {
					*at = p;
					return "text after a quoted YAML scalar";
				}
			return NULL;
		}
		if (*p == '\\') {
			if (++p >= eol || !strchr("0abtnvfre \"/\\N_LPxuU\t", *p)) {
				*at = p;
				return "invalid escape in a YAML double-quoted scalar";
			}
			continue;
		}
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			*at = p;
			return "control character in a YAML scalar";
		}
	}
	*at = p;
	return "unterminated YAML double-quoted scalar";
}

/* A YAML line of a TAP diagnostic block: "  key: value", "  - key: value",
 * "  key:" (a nested mapping or list follows). */
static const char *yaml_line(const char *p, const char *eol, const char **at)
{
	const char *k;

	if (eol - p < 2 || p[0] != ' ' || p[1] != ' ') {
		*at = p;
		return "YAML line not indented inside the block";
	}
	while (p < eol && *p == ' ')
		p++;
	if (eol - p >= 2 && p[0] == '-' && p[1] == ' ')
		p += 2;
	for (k = p; p < eol && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'); p++)
		;
	if (p == k || p >= eol || *p != ':') {
		*at = p;
		return "expected 'key:' in a YAML line";
	}
	p++;
	if (p == eol)
		return NULL;
	if (*p != ' ') {
		*at = p;
		return "no space after 'key:'";
	}
	p++;
	if (p == eol) {
		*at = p;
		return "trailing space after 'key:'";
	}
	if (*p == '"')
		return yaml_dq(p, eol, at);
	/* a plain scalar: no indicator first, no ": " or " #" inside */
	if (strchr("[]{},&*!|>'%@`#\" ", *p) ||
	    (strchr("-?:", *p) && (p + 1 == eol || p[1] == ' '))) {
		*at = p;
		return "YAML plain scalar starts with an indicator";
	}
	for (; p < eol; p++) {
		if ((p[0] == ':' && (p + 1 == eol || p[1] == ' ')) || (p[0] == ' ' && p + 1 < eol && p[1] == '#')) {
			*at = p;
			return "': ' or ' #' in a YAML plain scalar";
		}
		if ((unsigned char)*p < 0x20) {
			*at = p;
			return "control character in a YAML scalar";
		}
	}
	if (p[-1] == ' ') {
		*at = p - 1;
		return "trailing space in a YAML plain scalar";
	}
	return NULL;
}

const char *fz_check_tap(const char *s, size_t n, size_t *at)
{
	const char *p = s, *end = s + n, *bad = NULL, *msg = NULL;
	long plan = -1, num = 0;
	bool yaml = false, after_point = false;
	int line = 0;

	while (p < end && !msg) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		if (!eol) {
			bad = p;
			msg = "last line without a newline";
			break;
		}
		len = (size_t)(eol - p);
		line++;
		if (line == 1) {
			if (len != 14 || memcmp(p, "TAP version 13", 14)) {
				bad = p;
				msg = "first line is not 'TAP version 13'";
			}
		} else if (yaml) {
			if (len == 5 && !memcmp(p, "  ...", 5))
				yaml = false;
			else
				msg = yaml_line(p, eol, &bad);
		} else if (len == 5 && !memcmp(p, "  ---", 5)) {
			if (!after_point) {
				bad = p;
				msg = "YAML block not after a test point";
			}
			yaml = true;
			after_point = false;
		} else if (len > 3 && !memcmp(p, "1..", 3)) {
			char *e;

			if (plan >= 0 || num) {
				bad = p;
				msg = "plan not right after the version line, or twice";
			} else {
				plan = strtol(p + 3, &e, 10);
				if (e != eol || plan < 0) {
					bad = p;
					msg = "malformed plan";
				}
			}
		} else if ((len > 3 && !memcmp(p, "ok ", 3)) || (len > 7 && !memcmp(p, "not ok ", 7))) {
			const char *q = p + (*p == 'o' ? 3 : 7);
			char *e;
			long k = strtol(q, &e, 10);

			if (k != num + 1 || e == q) {
				bad = q;
				msg = "test point out of sequence";
			} else if (e != eol && (eol - e < 4 || memcmp(e, " - ", 3) || memchr(e, '#', (size_t)(eol - e)))) {
				bad = e;
				msg = "malformed test point description";
			}
			num = k;
			after_point = true;
			p = eol + 1;
			continue;
		} else if (len && *p == '#') {
			/* a comment */
		} else {
			bad = p;
			msg = "not a TAP line";
		}
		after_point = false;
		p = eol + 1;
	}
	if (!msg && yaml) {
		bad = end;
		msg = "unterminated YAML block";
	}
	if (!msg && plan != num) {
		bad = end;
		msg = "plan does not match the test points";
	}
	*at = (size_t)((bad ? bad : end) - s);
	return msg;
}

/* ---- kvmrace's perf script export ---- */

/* A record line against what the engine gave: NULL if it matches. */
static const char *same(const struct kr_ftline *l, const struct fz_rec *r)
{
	struct kr_event ev;

	if (l->ts != r->ts)
		return "a record's time differs from the event's";
	if (l->pid != r->tid || l->tgid != r->pid)
		return "a record's pid/tid differs from the event's";
	if (l->cpu != r->cpu)
		return "a record's CPU differs from the event's";
	if (r->finding)
		return strcmp(l->event + 8, kr_kind_name(r->kind)) ? "a finding's record has another name" : NULL;
	memset(&ev, 0, sizeof(ev));
	if (kr_perf_kvmrace_event(l->event, l->payload, &ev) != 1)
		return "a kvmrace event whose payload does not parse back";
	if (strncmp(ev.comm, r->ev.comm, KR_COMM_LEN))
		return "a kvmrace event's comm parses back to another";
	if (ev.type != r->ev.type || ev.vcpu != r->ev.vcpu || ev.cause != r->ev.cause || ev.reason != r->ev.reason ||
	    ev.err != r->ev.err || ev.tif != r->ev.tif || ev.tif_raw != r->ev.tif_raw || ev.src_tid != r->ev.src_tid ||
	    ev.flags != r->ev.flags || ev.soft_mask != r->ev.soft_mask || ev.irq_happened != r->ev.irq_happened)
		return "a kvmrace event's payload parses back to other values";
	return NULL;
}

const char *fz_check_perf_script(const char *s, size_t n, const struct fz_rec *recs, size_t nrec, size_t *at)
{
	const char *p = s, *end = s + n;
	uint64_t seen = 0;
	char *copy = NULL;
	size_t cap = 0;
	bool head = false, tail = false;
	const char *msg = NULL;

	while (p < end && !msg) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		*at = (size_t)(p - s);
		if (!eol) {
			msg = "last line without a newline";
			break;
		}
		len = (size_t)(eol - p);
		if (tail) {
			msg = "text after the end line";
		} else if (!head) {
			if (len < 11 || memcmp(p, "# kvmrace: ", 11))
				msg = "first line is not '# kvmrace: ...'";
			head = true;
		} else if (len >= 15 && !memcmp(p, "# kvmrace-end: ", 15)) {
			tail = true;
		} else {
			struct kr_ftline l;
			const char *fr = eol + 1, *fe;

			if (len + 1 > cap) {
				free(copy);
				copy = malloc(cap = len + 1);
				if (!copy)
					abort();
			}
			memcpy(copy, p, len);
			copy[len] = 0;
			if (kr_ftrace_parse_line(copy, &l) != 1) {
				msg = "a record line the importer does not parse";
				break;
			}
			if (strncmp(l.event, "kvmrace:", 8)) {
				msg = "a record that is not a kvmrace event";
				break;
			}
			if (seen >= nrec) {
				msg = "more records than events and findings the engine gave";
				break;
			}
			msg = same(&l, &recs[seen]);
			if (msg)
				break;
			/* a frame line and a blank line end each record */
			fe = fr < end ? memchr(fr, '\n', (size_t)(end - fr)) : NULL;
			if (!fe || *fr != '\t' || fe + 1 >= end || fe[1] != '\n') {
				*at = (size_t)(fr - s);
				msg = "a record without its frame line and blank line";
				break;
			}
			seen++;
			eol = fe + 1;
		}
		p = eol + 1;
	}
	free(copy);
	if (!msg && !tail) {
		*at = n;
		msg = "no '# kvmrace-end:' line";
	}
	if (!msg && seen != nrec) {
		*at = n;
		msg = "fewer records than events and findings the engine gave";
	}
	return msg;
}
