package contract

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The shapes of a field's text that ingestion reads as a value of its type:
// its generated SQL (internal/ingest) matches them in DuckDB, and a default
// is checked by them here, before anything runs.
const (
	// IntegerPattern is an integer's text.
	IntegerPattern = `-?[0-9]+`
	// DatePattern is a date's text, YYYY-MM-DD.
	DatePattern = `[0-9]{4}-[0-9]{2}-[0-9]{2}`
	// TimestampPattern is a timestamp's text: YYYY-MM-DD[T| ]HH:MM:SS,
	// then .f{1,6}, then Z or ±HH:MM, each optional.
	TimestampPattern = DatePattern + `[T ]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?`
)

// TimestampShape tells whether s is a whole match of TimestampPattern,
// without a regular expression: ingestion's Go reader marks a timestamp
// field's text of this shape, so DuckDB casts it without matching the
// pattern (design/performance.md).
func TimestampShape(s string) bool {
	// YYYY-MM-DD, T or a space, HH:MM:SS: 19 bytes.
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':' ||
		!digits(s[0:4]) || !digits(s[5:7]) || !digits(s[8:10]) ||
		!hourMinute(s[11:16]) || s[17] < '0' || s[17] > '5' || !digits(s[18:19]) {
		return false
	}
	rest := s[19:]
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && n <= 7 && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 || n > 7 {
			return false // no digit, or more than 6
		}
		rest = rest[n:]
	}
	switch {
	case rest == "" || rest == "Z":
		return true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-'):
		return hourMinute(rest[1:])
	}
	return false
}

// hourMinute tells whether s is HH:MM, 00:00 to 23:59.
func hourMinute(s string) bool {
	return len(s) == 5 && digits(s[0:2]) && (s[0] < '2' || s[0] == '2' && s[1] <= '3') &&
		s[2] == ':' && s[3] >= '0' && s[3] <= '5' && digits(s[4:5])
}

// digits tells whether s is of ASCII digits only.
func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// DecimalPattern is the text of a value of the decimal type t: at most p-s
// digits before the point once leading zeros are set aside (which bounds
// the value below 10^(p-s)), at most s after it.
func (t FieldType) DecimalPattern() string {
	p, s := t.Decimal()
	re := `-?0+`
	if p > s {
		re = fmt.Sprintf(`-?0*[0-9]{1,%d}`, p-s)
	}
	if s > 0 {
		re += fmt.Sprintf(`(\.[0-9]{1,%d})?`, s)
	}
	return re
}

var (
	integerTextRe   = regexp.MustCompile(`^` + IntegerPattern + `$`)
	dateTextRe      = regexp.MustCompile(`^` + DatePattern + `$`)
	timestampTextRe = regexp.MustCompile(`^` + TimestampPattern + `$`)
	epochMillisRe   = regexp.MustCompile(`^[0-9]+$`)
)

// trimSpaces is the contract's trim: spaces (U+0020) at either end only.
func trimSpaces(s string) string { return strings.Trim(s, " ") }

// valueOf checks that text is a value of the field's type as ingestion
// reads a string (a default is one), and returns it as a number for
// integer and decimal fields.
func (f Field) valueOf(format Format, text string) (float64, error) {
	switch f.Type.Base() {
	case Integer:
		v := trimSpaces(text)
		if !integerTextRe.MatchString(v) {
			return 0, fmt.Errorf("%q is not a whole number", text)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is beyond a 64-bit integer", text)
		}
		return float64(n), nil
	case Decimal:
		p, s := f.Type.Decimal()
		v := trimSpaces(text)
		if !regexp.MustCompile("^" + f.Type.DecimalPattern() + "$").MatchString(v) {
			return 0, fmt.Errorf("%q is not a %s (at most %d digits before the point and %d after)", text, f.Type, p-s, s)
		}
		n, _ := strconv.ParseFloat(v, 64)
		return n, nil
	case Boolean:
		if v := strings.ToLower(trimSpaces(text)); v != "true" && v != "false" {
			return 0, fmt.Errorf("%q is not true or false", text)
		}
	case Date:
		if _, err := time.Parse("2006-01-02", text); err != nil || !dateTextRe.MatchString(text) {
			return 0, fmt.Errorf("%q is not a date YYYY-MM-DD", text)
		}
	case Timestamp:
		if timestampTextRe.MatchString(text) {
			// the date, then the time after the T or space
			if _, err := time.Parse("2006-01-02 15:04:05", text[:10]+" "+text[11:19]); err == nil {
				return 0, nil
			}
		} else if epochMillisRe.MatchString(text) {
			if _, err := strconv.ParseInt(text, 10, 64); err == nil {
				return 0, nil
			}
		}
		return 0, fmt.Errorf("%q is not a timestamp YYYY-MM-DD HH:MM:SS[.ffffff][Z|+HH:MM] or epoch milliseconds", text)
	case JSON:
		// In NDJSON a default stands for a JSON string; elsewhere it is JSON text.
		if format != NDJSON && !json.Valid([]byte(text)) {
			return 0, fmt.Errorf("%q is not valid JSON", text)
		}
	}
	return 0, nil
}

// validateValues checks a field's default (a value of its type, within its
// values, max_length, pattern and bounds) and its bounds (numbers, min at most max).
func (f Field) validateValues(format Format, bad func(key string) func(string, ...any)) {
	for _, b := range []struct {
		key string
		v   *float64
	}{{"min", f.Min}, {"max", f.Max}} {
		if b.v != nil && (math.IsNaN(*b.v) || math.IsInf(*b.v, 0)) {
			bad(b.key)("%s must be a finite number, found %v", b.key, *b.v)
			return
		}
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		bad("min")("min %v is above max %v: no value could pass", *f.Min, *f.Max)
		return
	}
	if f.Default == nil {
		return
	}
	d := *f.Default
	n, err := f.valueOf(format, d)
	switch {
	case err != nil:
		bad("default")("default %v: the default must be a value of the field's type, %s", err, f.Type)
	case len(f.Values) > 0 && (f.Type.Base() == Text || f.Type.Base() == ID) && !slices.Contains(f.Values, d):
		bad("default")("default %q is not one of the field's values (%s)", d, strings.Join(f.Values, ", "))
	case f.MaxLength > 0 && len(d) > f.MaxLength:
		bad("default")("default %q is %d bytes, longer than the field's max_length %d", d, len(d), f.MaxLength)
	case f.Min != nil && n < *f.Min, f.Max != nil && n > *f.Max:
		bad("default")("default %q is outside the field's min and max", d)
	case f.Pattern != "" && (f.Type.Base() == Text || f.Type.Base() == ID):
		if re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`); err == nil && !re.MatchString(d) {
			bad("default")("default %q does not match the field's pattern %s", d, f.Pattern)
		}
	}
}
