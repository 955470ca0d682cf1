/* SPDX-License-Identifier: GPL-2.0 */
/* A binary ftrace record as the kernel's trace text, through libtraceevent
 * (the raw ftrace reader and trace.dat): built with HAVE_LIBTRACEEVENT. */
#ifndef KR_TEP_H
#define KR_TEP_H

#ifdef HAVE_LIBTRACEEVENT
struct tep_handle;
struct tep_record;
/* "comm-pid [cpu] flags sec.nsec: event: info", the events' own print
 * formats, no plugins; malloc'd, NULL if out of memory. */
char *kr_tep_line(struct tep_handle *tep, struct tep_record *rec);
#endif

#endif
