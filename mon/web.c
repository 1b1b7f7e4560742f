/*
 * web.c - the dashboard page (mon/web/index.html) inside the binary, so
 * `talon monitor` serves it without a file to find at run time. The
 * path is relative to the repository root, where make runs the compiler;
 * the Makefile makes mon/web.o depend on the page.
 */
#include "mon/web.h"

__asm__(".section .rodata\n"
	".global tl_mon_web_index\n"
	".type tl_mon_web_index, @object\n"
	"tl_mon_web_index:\n"
	".incbin \"mon/web/index.html\"\n"
	".global tl_mon_web_index_end\n"
	"tl_mon_web_index_end:\n"
	".byte 0\n"
	".previous\n");
