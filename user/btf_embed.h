/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal BTFs for kernels without their own (scripts/gen-btf-embed.sh). */
#ifndef KR_BTF_EMBED_H
#define KR_BTF_EMBED_H

#include <stddef.h>

struct kr_btf_embed {
	const char *release;
	const unsigned char *data;
	size_t len;
};

extern const struct kr_btf_embed kr_btf_embedded[];	/* ends with release NULL */

#endif
