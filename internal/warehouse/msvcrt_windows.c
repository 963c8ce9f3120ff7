// The UCRT entry points DuckDB's prebuilt Windows libraries call and
// msvcrt.dll lacks, written over msvcrt's own (see msvcrt_windows.go).

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include <wchar.h>

#ifndef _UCRT

// UCRT's option bits for its printf family (corecrt_stdio_config.h).
#define ucrtStandardSnprintf 2ULL // return the length needed, as C99's snprintf does

// __stdio_common_vsnprintf_s is UCRT's vsnprintf_s / _vsnprintf_s: at most
// maxCount characters (all that fit when it is _TRUNCATE), always ended by
// a NUL; -1 when the text was cut. mingw-w64's own formatter does the
// formatting, as it reads C99's conversions (%zu, %lld) as UCRT does and
// msvcrt.dll may not.
int __stdio_common_vsnprintf_s(unsigned long long options, char *buf, size_t size, size_t maxCount, const char *format, _locale_t locale, va_list args) {
	(void)options;
	(void)locale;
	if (buf == NULL || size == 0) {
		return -1;
	}
	size_t limit = (maxCount == _TRUNCATE || maxCount >= size) ? size : maxCount + 1;
	int n = __mingw_vsnprintf(buf, limit, format, args);
	if (n < 0 || (size_t)n >= limit) {
		if (maxCount != _TRUNCATE && maxCount >= size) {
			buf[0] = '\0'; // did not fit and cutting was not asked for
		}
		return -1;
	}
	return n;
}

// __stdio_common_vswprintf is UCRT's vswprintf family: the number of wide
// characters written, or -1 when they did not fit (ended by a NUL as far as
// they fit); with the standard-snprintf option, the number needed. Wide %s
// reads a wide string, as UCRT's default (legacy wide specifiers) and
// msvcrt do.
int __stdio_common_vswprintf(unsigned long long options, wchar_t *buf, size_t size, const wchar_t *format, _locale_t locale, va_list args) {
	(void)locale;
	va_list again;
	va_copy(again, args);
	int n = size > 0 ? _vsnwprintf(buf, size, format, args) : -1;
	if (n < 0 || (size_t)n >= size) {
		if (size > 0) {
			buf[size - 1] = L'\0';
		}
		n = (options & ucrtStandardSnprintf) ? _vscwprintf(format, again) : -1;
	}
	va_end(again);
	return n;
}

// UCRT reaches _timezone and _tzname through functions (__timezone,
// __tzname) called through the import table: the table entries are these.
static long *ucrtTimezone(void) { return &_timezone; }
static char **ucrtTzname(void) { return _tzname; }
long *(*__imp___timezone)(void) = ucrtTimezone;
char **(*__imp___tzname)(void) = ucrtTzname;

#endif
