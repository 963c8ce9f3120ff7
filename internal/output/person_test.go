package output

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/digitalservices/elt/internal/diag"
)

// TestError: a problem in a file is shown as it is (path:line:col, the
// line, a caret), a list of problems each so with their count, anything
// else after elt:, however wrapped.
func TestError(t *testing.T) {
	fe := &diag.FileError{Path: "models/a.sql", Line: 2, Col: 3, Msg: "no such column", Source: "SELECT x"}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{errors.New("boom"), "elt: boom"},
		{fe, "models/a.sql:2:3: no such column\n     2 | SELECT x\n       |   ^"},
		{fmt.Errorf("build: %w", fe), "models/a.sql:2:3: no such column\n     2 | SELECT x\n       |   ^"},
		{diag.Errors{fe, errors.New("two")}, "models/a.sql:2:3: no such column\n     2 | SELECT x\n       |   ^\nelt: two\n2 errors"},
		{diag.Errors{errors.New("one")}, "elt: one\n1 error"},
	} {
		if got := Error(tc.err); got != tc.want {
			t.Errorf("%v:\ngot  %q\nwant %q", tc.err, got, tc.want)
		}
	}
}

// TestRedacting: a URL's password never reaches the writer; the count
// written is what was given.
func TestRedacting(t *testing.T) {
	var b bytes.Buffer
	in := "elt: redis://user:secret@host:6379/0 refused\n"
	n, err := Redacting(&b).Write([]byte(in))
	if err != nil || n != len(in) {
		t.Fatalf("wrote %d, %v", n, err)
	}
	if got := b.String(); bytes.Contains(b.Bytes(), []byte("secret")) || got != diag.Redact(in) {
		t.Errorf("wrote %q", got)
	}
}
