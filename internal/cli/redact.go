package cli

import (
	"io"

	"github.com/digitalservices/elt/internal/diag"
)

// redactWriter writes to w what it is given with every URL's password
// redacted (diag.Redact): stderr carries errors, warnings and --trace,
// never data, so nothing there shows a password.
type redactWriter struct{ w io.Writer }

func (r redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, diag.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
