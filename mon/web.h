/*
 * web.h - the dashboard page embedded in the binary (web.c).
 */
#ifndef TL_MON_WEB_H
#define TL_MON_WEB_H

/* The bytes of mon/web/index.html: [tl_mon_web_index,
 * tl_mon_web_index_end). */
extern const char tl_mon_web_index[];
extern const char tl_mon_web_index_end[];

#endif /* TL_MON_WEB_H */
