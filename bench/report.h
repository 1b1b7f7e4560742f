/*
 * report.h - `talon bench report DIR`: DIR/results.jsonl (the lines of
 * bench/support/suite.h) into DIR/report.md and SVG plots beside it.
 */
#ifndef TL_BENCH_REPORT_H
#define TL_BENCH_REPORT_H

/*
 * Read DIR/results.jsonl and write DIR/report.md plus the plots it links
 * (latency-<suite>.svg, peer.svg, rtt-rate.svg, recovery.svg; a plot
 * without data is skipped with a note in report.md, never drawn empty).
 *
 * The file is untrusted: lines longer than 64 KiB, lines that are not a
 * JSON object with a "bench" string and either the histogram fields or
 * a "value", are skipped with a warning on stderr naming the line
 * number. Lines without "bench" but with a "command" string are
 * metadata (the command that produced the run). Returns 0, or -1 after
 * a message on stderr when the file is missing or unreadable, holds no
 * valid line, or an output file cannot be written.
 */
int tl_bench_report(const char *dir);

#endif /* TL_BENCH_REPORT_H */
