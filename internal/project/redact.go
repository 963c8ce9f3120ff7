package project

import "regexp"

var (
	// secretInURL is the password of a URL's user information
	// (scheme://user:password@host), up to the last @ before the host.
	secretInURL = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^\s/:@"'` + "`" + `]*:)[^\s/"'` + "`" + `]*@`)
	// secretParam is a password given as a URL's query parameter.
	secretParam = regexp.MustCompile(`(?i)([?&](?:password|passwd|pwd|pass)=)[^&\s"'` + "`" + `]*`)
)

// Redacted is what a password in a URL is replaced with.
const Redacted = "***"

// Redact replaces the password of every URL in s (redis://user:secret@host
// → redis://user:***@host, ?password=secret → ?password=***), wherever s is
// kept or shown: the run history, warnings, errors and traces. Text
// without such a URL is returned as it is.
func Redact(s string) string {
	s = secretInURL.ReplaceAllString(s, "${1}"+Redacted+"@")
	return secretParam.ReplaceAllString(s, "${1}"+Redacted)
}
