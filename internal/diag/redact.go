package diag

import (
	"regexp"
	"strings"
)

var (
	// schemeRe is the start of a URL: its scheme and //, then the user
	// name up to its colon, when it has one.
	schemeRe = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://([^\s/:@"'` + "`" + `]*):`)
	// secretParam is a password given as a URL's query parameter.
	secretParam = regexp.MustCompile(`(?i)([?&](?:password|passwd|pwd|pass)=)[^&\s"'` + "`" + `]*`)
)

// Redacted is what a password in a URL is replaced with.
const Redacted = "***"

// Redact replaces the password of every URL in s (redis://user:secret@host
// → redis://user:***@host, ?password=secret → ?password=***), wherever s is
// kept or shown: the run history, warnings, errors and traces. Text
// without such a URL is returned as it is.
//
// A password is whatever stands between the user name's colon and the
// last @ before the next URL or the end of the line: written without
// percent-encoding, it may hold an @, a /, a space, a quote, # or ?. A URL
// without a password followed on its line by another @ loses a little too
// much to ***, never a password.
func Redact(s string) string {
	var b strings.Builder
	for {
		m := schemeRe.FindStringIndex(s)
		if m == nil {
			break
		}
		rest := s[m[1]:]
		end := len(rest)
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			end = i
		}
		if next := schemeRe.FindStringIndex(rest[:end]); next != nil {
			end = next[0]
		}
		at := strings.LastIndexByte(rest[:end], '@')
		if at < 0 {
			b.WriteString(s[:m[1]])
			s = rest
			continue
		}
		b.WriteString(s[:m[1]] + Redacted)
		s = rest[at:]
	}
	b.WriteString(s)
	return secretParam.ReplaceAllString(b.String(), "${1}"+Redacted)
}

// secretKeyRe finds a YAML key that names a secret (password, secret,
// token) and its value, block or flow style.
var secretKeyRe = regexp.MustCompile(`(?im)((?:^|[\s{,])["']?([a-z_]*(?:password|passwd|secret|token)[a-z_]*)["']?[ \t]*:[ \t]*)([^,}\r\n]*)`)

// MaskSecretValues masks, in YAML text shown under an error, the value of
// every key that names a secret (password: x → password: ***); a key
// naming the environment variable that holds one (password_env) keeps
// its value.
func MaskSecretValues(text string) string {
	return secretKeyRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := secretKeyRe.FindStringSubmatch(m)
		if strings.HasSuffix(strings.ToLower(sub[2]), "_env") || strings.TrimSpace(sub[3]) == "" {
			return m
		}
		return sub[1] + Redacted
	})
}
