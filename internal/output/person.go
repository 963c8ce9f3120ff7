package output

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
)

// Error is an error as a person reads it on stderr: a problem in a user's
// file (diag.FileError) as it is, at path:line:col with its caret; a list
// of problems (diag.Errors) each so, then how many; anything else prefixed
// with elt:.
func Error(err error) string {
	var es diag.Errors
	if errors.As(err, &es) {
		parts := make([]string, len(es))
		for i, e := range es {
			parts[i] = Error(e)
		}
		return strings.Join(parts, "\n") + fmt.Sprintf("\n%d error%s", len(es), diag.Plural(len(es)))
	}
	var fe *diag.FileError
	if errors.As(err, &fe) {
		return fe.Error()
	}
	return "elt: " + err.Error()
}

// Redacting writes to w what it is given with every URL's password
// redacted (diag.Redact): stderr carries errors, warnings, events and
// --trace, never data, so nothing there shows a password.
func Redacting(w io.Writer) io.Writer { return redactWriter{w} }

type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, diag.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
