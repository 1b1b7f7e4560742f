/*
 * log.c - the log's lines and where they go (see log.h).
 */
#include "runtime/log.h"
#include "runtime/clock.h"
#include "runtime/config.h"
#include "persist/json_esc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_level = TL_LOG_INFO;
static int log_format = TL_LOG_TEXT;
/* The descriptor every line goes to: stderr, or the file's own
 * descriptor, which keeps its number across reopens (dup2). */
static int log_fd = STDERR_FILENO;
static char log_path[TL_PATH_MAX];
static atomic_int log_reopen;

void tl_log_set_level(int level) { log_level = level; }

void tl_log_set_format(int format) { log_format = format; }

static const char *const level_text[] = { "ERROR", "WARN ", "INFO ", "DEBUG" };
static const char *const level_json[] = { "ERROR", "WARN", "INFO", "DEBUG" };

static int log_clamp(int level) { return level < 0 ? 0 : level > 3 ? 3 : level; }

/* O_APPEND: several writers (and logrotate's copy) never overwrite. */
static int log_open(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int tl_log_open_file(const char *path, char *err, size_t errlen)
{
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof(log_path)) {
		snprintf(err, errlen, "log.file: expected a path of 1..%zu bytes",
			 sizeof(log_path) - 1);
		return -1;
	}
	int fd = log_open(path);
	if (fd < 0) {
		snprintf(err, errlen, "log.file \"%s\": cannot open for appending: %s", path,
			 strerror(errno));
		return -1;
	}
	if (log_fd == STDERR_FILENO) {
		log_fd = fd;
	} else {
		dup2(fd, log_fd);
		close(fd);
	}
	memcpy(log_path, path, len + 1);
	return 0;
}

void tl_log_close_file(void)
{
	if (log_fd != STDERR_FILENO)
		close(log_fd);
	log_fd = STDERR_FILENO;
	log_path[0] = '\0';
	atomic_store(&log_reopen, 0);
}

bool tl_log_to_file(void) { return log_fd != STDERR_FILENO; }

void tl_log_request_reopen(void) { atomic_store(&log_reopen, 1); }

void tl_log_reopen_pending(void)
{
	/* One thread wins the flag; the others go on writing to whichever
	 * file the descriptor names at the time of their write. */
	if (!atomic_load_explicit(&log_reopen, memory_order_relaxed) ||
	    !atomic_exchange(&log_reopen, 0))
		return;
	if (log_fd == STDERR_FILENO) {
		tl_log(TL_LOG_INFO, "log: reopen asked for (SIGHUP); the log is stderr, "
				    "nothing to reopen");
		return;
	}
	int fd = log_open(log_path);
	if (fd < 0) {
		tl_log(TL_LOG_ERROR, "log: cannot reopen %s: %s; still writing to the file "
				     "opened before", log_path, strerror(errno));
		return;
	}
	tl_log(TL_LOG_INFO, "log: reopening %s (SIGHUP)", log_path);
	dup2(fd, log_fd);
	close(fd);
	tl_log(TL_LOG_INFO, "log: reopened %s (SIGHUP)", log_path);
}

static void log_write(const char *line, size_t len)
{
	while (len > 0) {
		ssize_t w = write(log_fd, line, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* nowhere left to say so */
		line += w;
		len -= (size_t)w;
	}
}

/* "2026-11-21T04:50:01.123Z" into ts (64: room for any year). */
static void log_ts(char ts[64])
{
	tl_time_t now = tl_clock_realtime_ns();
	time_t sec = (time_t)(now / TL_NS_PER_S);
	struct tm tm;
	gmtime_r(&sec, &tm);
	snprintf(ts, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long)(now % TL_NS_PER_S / 1000000));
}

/* One line: msg, and in JSON the extra members (",\"k\":v..." or ""). */
static void log_line(int level, const char *msg, const char *extra)
{
	char line[4096], ts[64];
	size_t n;
	level = log_clamp(level);
	log_ts(ts);
	if (log_format == TL_LOG_JSON) {
		int k = snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"",
				 ts, level_json[level]);
		/* room for the closing quote, the extras, "}\n" */
		size_t xlen = strlen(extra);
		if (xlen > sizeof(line) / 2)
			xlen = 0;	/* never: events' keys are far shorter */
		size_t room = sizeof(line) - (size_t)k - xlen - 3;
		size_t e = tl_json_esc(line + k, room, msg, strlen(msg));
		n = (size_t)k + (e < room ? e : strlen(line + k));
		line[n++] = '"';
		memcpy(line + n, extra, xlen);
		n += xlen;
		line[n++] = '}';
	} else {
		int k = snprintf(line, sizeof(line), "%s %s %s", ts, level_text[level], msg);
		n = k < 0 ? 0 : (size_t)k < sizeof(line) - 1 ? (size_t)k : sizeof(line) - 2;
		/* a message is one line: a venue's newline must not fake another */
		for (size_t i = 0; i < n; i++)
			if (line[i] == '\n' || line[i] == '\r')
				line[i] = ' ';
	}
	/* One write per line so concurrent writers do not interleave. */
	line[n++] = '\n';
	log_write(line, n);
}

void tl_log(int level, const char *fmt, ...)
{
	tl_log_reopen_pending();
	if (level > log_level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line(level, msg, "");
}

void tl_log_event(const tl_event_t *ev)
{
	int lvl = ev->priority >= 9 ? TL_LOG_WARN : TL_LOG_INFO;
	if (ev->type == TL_EV_ORDER_REJECTED)
		lvl = TL_LOG_WARN;
	tl_log_reopen_pending();
	if (lvl > log_level)
		return;
	char msg[512], extra[1536] = "";
	tl_event_format(ev, msg, sizeof(msg));
	if (log_format == TL_LOG_JSON)
		tl_event_json_fields(ev, extra, sizeof(extra));
	log_line(lvl, msg, extra);
}
