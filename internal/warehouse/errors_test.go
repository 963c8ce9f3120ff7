package warehouse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// TestErrorKinds: a DuckDB error's kind is read from its type, and is the
// name DuckDB writes before its message; the message keeps the rest, its
// LINE context turned into a line and column. An error wrapped in more
// words, or not DuckDB's, is of kind "Error" with its whole text.
func TestErrorKinds(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), Options{Threads: 2, NoFiles: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, d DECIMAL(4,2))"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		typ         duckdb.ErrorType
		kind, msg   string // msg: the message's start
		line, col   int
	}{
		{"binder", "SELECT nope FROM t", duckdb.ErrorTypeBinder, "Binder Error", `Referenced column "nope" not found`, 1, 8},
		{"parser", "SELECT 1 +", duckdb.ErrorTypeParser, "Parser Error", "syntax error at end of input", 0, 0},
		{"parser with a position", "SELECT 1 FROM FROM", duckdb.ErrorTypeParser, "Parser Error", `syntax error at or near "FROM"`, 1, 15},
		{"catalog", "SELECT *\nFROM nowhere", duckdb.ErrorTypeCatalog, "Catalog Error", "Table with name nowhere does not exist", 2, 6},
		{"conversion", "SELECT 'a'::INTEGER", duckdb.ErrorTypeConversion, "Conversion Error", "Could not convert string 'a' to INT32", 1, 11},
		{"constraint", "INSERT INTO t VALUES (1, 1), (1, 2)", duckdb.ErrorTypeConstraint, "Constraint Error", "PRIMARY KEY or UNIQUE constraint violation", 0, 0},
		{"out of range", "SELECT 2147483647::INTEGER + 1::INTEGER", duckdb.ErrorTypeOutOfRange, "Out of Range Error", "Overflow in addition of INT32", 0, 0},
		{"invalid input", "SELECT error('boom')", duckdb.ErrorTypeInvalidInput, "Invalid Input Error", "boom", 0, 0},
		{"permission", "SELECT * FROM read_csv('/etc/hostname')", duckdb.ErrorTypePermission, "Permission Error", `Cannot access file "/etc/hostname"`, 1, 15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ExecContext(ctx, tc.query)
			if err == nil {
				t.Fatal("no error")
			}
			if !isType(err, tc.typ) {
				de, _ := duckdbError(err)
				t.Fatalf("%v: type %v, want %v", err, de, tc.typ)
			}
			if IsPermission(err) != (tc.typ == duckdb.ErrorTypePermission) {
				t.Errorf("IsPermission(%v) = %v", err, !(tc.typ == duckdb.ErrorTypePermission))
			}
			qe := AsQueryError(err)
			if qe.Kind != tc.kind || !strings.HasPrefix(qe.Msg, tc.msg) || strings.Contains(qe.Msg, "LINE ") || qe.Line != tc.line || qe.Col != tc.col {
				t.Errorf("%q: %+v, want kind %q, message from %q at %d:%d", err, qe, tc.kind, tc.msg, tc.line, tc.col)
			}
			if !strings.HasPrefix(err.Error(), qe.Kind+": "+qe.Msg) {
				t.Errorf("kind and message %q are not DuckDB's text %q", qe.Error(), err)
			}
			// Wrapped in words of elt's: one error of kind "Error".
			wrapped := fmt.Errorf("drop a macro no file declares: %w", err)
			if qe := AsQueryError(wrapped); qe.Kind != "Error" || !strings.HasPrefix(qe.Msg, "drop a macro no file declares: "+tc.kind+": ") {
				t.Errorf("wrapped: %+v", qe)
			}
		})
	}
	// Not DuckDB's at all, even with words like DuckDB's.
	for _, err := range []error{errors.New("boom"), errors.New("Binder Error: not from DuckDB")} {
		if qe := AsQueryError(err); qe.Kind != "Error" || qe.Msg != err.Error() || qe.Line != 0 {
			t.Errorf("%v: %+v", err, qe)
		}
	}
	if AsQueryError(nil) != nil {
		t.Error("AsQueryError(nil) is not nil")
	}
	// A QueryError passes through, as made.
	qe := &QueryError{Kind: "Parser Error", Msg: "x", Line: 2, Col: 3}
	if got := AsQueryError(fmt.Errorf("w: %w", qe)); got != qe {
		t.Errorf("a QueryError: %+v", got)
	}
}

// TestCarets: an error's column counts characters, not bytes, where
// DuckDB gave the position as its caret under the LINE context, so a
// caret drawn Col-1 spaces in stands under the offending character of a
// line with multi-byte characters before it. (The gate's positions, from
// json_serialize_sql, are query.TestGateCarets'.)
func TestCarets(t *testing.T) {
	ctx := context.Background()
	db := memoryDB(t)
	for _, tc := range []struct {
		name, query string
		line        int    // the error's line
		at          string // the text the caret stands under (its start)
	}{
		{"ascii", "SELECT x, nope FROM range(1) x", 1, "nope"},
		{"accents", "SELECT 'é', ñ FROM range(1) x", 1, "ñ"},
		{"wide characters", "SELECT '日本語', 'ü' || nope FROM range(1) x", 1, "nope"},
		{"second line", "SELECT 'é'\n  , 'ñ日' AS a, zz FROM range(1) x", 2, "zz"},
		{"combining mark", "SELECT 'e\u0301', nope FROM range(1) x", 1, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ExecContext(ctx, tc.query)
			qe := AsQueryError(err)
			if qe == nil || qe.Line != tc.line || qe.Col < 1 {
				t.Fatalf("%v: %+v, want line %d with a column", err, qe, tc.line)
			}
			src := strings.Split(tc.query, "\n")[qe.Line-1]
			runes := []rune(src)
			caret := strings.Repeat(" ", qe.Col-1) + "^"
			if tc.at == "" {
				// At the end of the line.
				if qe.Col != len(runes)+1 {
					t.Errorf("column %d, want %d (past the end of %q)", qe.Col, len(runes)+1, src)
				}
				return
			}
			if qe.Col > len(runes) || !strings.HasPrefix(string(runes[qe.Col-1:]), tc.at) {
				t.Errorf("the caret stands under the wrong character:\n%s\n%s\nwant it under %q (column %d of %d characters, %d bytes)", src, caret, tc.at, qe.Col, len(runes), len(src))
			}
			if utf8.RuneCountInString(caret) != qe.Col {
				t.Errorf("caret %q", caret)
			}
		})
	}
}

// TestOpenClassified: DuckDB's errors opening the warehouse are told apart
// by their type: a file that is not a database, or is damaged, is an
// *OpenError (with the recovery hint); one another process holds open for
// writing is a *LockError naming that process.
func TestOpenClassified(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notDB := filepath.Join(dir, "text.duckdb")
	if err := os.WriteFile(notDB, []byte(strings.Repeat("not a database\n", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	damaged := filepath.Join(dir, "damaged.duckdb")
	db, err := Open(ctx, damaged, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE t AS SELECT range AS i FROM range(100000)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	info, err := os.Stat(damaged)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(damaged, info.Size()/2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path string }{{"not a database", notDB}, {"damaged", damaged}} {
		t.Run(tc.name, func(t *testing.T) {
			db, err := Open(ctx, tc.path, Options{Threads: 1})
			if err == nil {
				db.Close()
				t.Fatal("opened")
			}
			var oe *OpenError
			if !errors.As(err, &oe) || !isType(oe.Err, duckdb.ErrorTypeIO, duckdb.ErrorTypeSerialization) || !strings.Contains(err.Error(), "hint: the file is damaged") {
				t.Errorf("%T %v", err, err)
			}
		})
	}
	t.Run("locked", func(t *testing.T) {
		locked := filepath.Join(dir, "locked.duckdb")
		cmd := exec.Command(os.Args[0], "-test.run=^TestHoldWarehouse$")
		cmd.Env = append(os.Environ(), "ELT_TEST_HOLD="+locked)
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { in.Close(); cmd.Wait() }()
		if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "holding\n" {
			t.Fatalf("the holder said %q (%v)", line, err)
		}
		db, err := Open(ctx, locked, Options{Threads: 1})
		if err == nil {
			db.Close()
			t.Fatal("opened a warehouse another process writes")
		}
		var le *LockError
		if !errors.As(err, &le) || !errors.Is(err, ErrLocked) || le.PID != cmd.Process.Pid {
			t.Errorf("%T %+v, want a *LockError naming process %d", err, err, cmd.Process.Pid)
		}
	})
}

// TestHoldWarehouse is TestOpenClassified's other process: it opens the
// warehouse ELT_TEST_HOLD for writing and holds it until its input ends.
func TestHoldWarehouse(t *testing.T) {
	path := os.Getenv("ELT_TEST_HOLD")
	if path == "" {
		t.Skip("run by TestOpenClassified")
	}
	db, err := Open(context.Background(), path, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fmt.Println("holding")
	bufio.NewReader(os.Stdin).ReadString('\n')
}
