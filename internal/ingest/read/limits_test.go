package read

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/contract"
)

// readAll reads a file in format (one field, a) as File does, giving its records (as
// showRecords shows them) and its first error.
func readAll(ctx context.Context, format contract.Format, path string) (string, error) {
	var parts []string
	var err error
	File(ctx, path, Path(path), 0, format, []string{"a"}, "", false, func(p Piece) bool {
		if p.Err != nil {
			err = p.Err
			return false
		}
		if p.Records != nil {
			if s := showRecords(p.Records); s != "" {
				parts = append(parts, s)
			}
		}
		return true
	})
	return strings.Join(parts, " | "), err
}

// endless is a named pipe fed with pattern over and over until its reader
// goes; written counts the bytes the reader took.
func endless(t *testing.T, first, pattern string) (path string, written *atomic.Int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("no named pipes:", err)
	}
	written = &atomic.Int64{}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		block := []byte(strings.Repeat(pattern, 4096/len(pattern)+1))
		n, err := w.Write([]byte(first))
		written.Add(int64(n))
		for err == nil {
			n, err = w.Write(block)
			written.Add(int64(n))
		}
	}()
	return path, written
}

// TestLimitsBeforeBuffering: an NDJSON line longer than the line limit, and
// a CSV file larger than the file limit, are errors found when the limit is
// passed, never after reading the rest (an endless pipe stops at the limit
// and its pipe buffer); the error names the file and the line.
func TestLimitsBeforeBuffering(t *testing.T) {
	defer func(n, l int) { ChunkBytes, textLimit = n, l }(ChunkBytes, textLimit)
	ChunkBytes, textLimit = 97, 1000
	const slack = 1 << 20 // what a pipe may hold written but unread
	ndjson, csv := contract.NDJSON, contract.CSV
	for _, tc := range []struct {
		name         string
		format       contract.Format
		first, again string
		want         string
	}{
		{"ndjson without a line break", ndjson, "", "x", "line 1 is longer than 1000 bytes"},
		{"ndjson, a long third line", ndjson, "{\"a\": 1}\r\n{\"a\": 2}\r", "y", "line 3 is longer than 1000 bytes"},
		{"csv", csv, "a\n", "1\n", "is larger than 1000 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, written := endless(t, tc.first, tc.again)
			done := make(chan error, 1)
			go func() {
				_, err := readAll(context.Background(), tc.format, path)
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("still reading after %d bytes: the limit is not applied before buffering", written.Load())
			}
			if n := written.Load(); n > int64(textLimit)+slack {
				t.Errorf("read %d bytes for a limit of %d", n, textLimit)
			}
		})
	}
}

// TestLineLimitEdges: a line of exactly the limit is read whatever its line
// break and wherever the chunks end; one byte more is an error at its line.
func TestLineLimitEdges(t *testing.T) {
	defer func(n, l int) { ChunkBytes, textLimit = n, l }(ChunkBytes, textLimit)
	textLimit = 40
	src := contract.NDJSON
	line := func(n int) string { // a JSON object of n bytes
		return `{"a": "` + strings.Repeat("x", n-9) + `"}`
	}
	for _, br := range []string{"\n", "\r\n", "\r", ""} {
		for _, tc := range []struct {
			in, err string
		}{
			{line(20) + "\n" + line(40) + br, ""},
			{"\xEF\xBB\xBF" + line(37) + "\r\n" + line(40) + br, ""},
			{line(20) + "\r\n" + line(41) + br, "line 2 is longer than 40 bytes"},
			{line(40) + "\r" + line(20) + "\r" + line(41) + br + line(20), "line 3 is longer than 40 bytes"},
		} {
			path := filepath.Join(t.TempDir(), "f.json")
			os.WriteFile(path, []byte(tc.in), 0o644)
			ChunkBytes = 1 << 20
			whole, _ := readAll(context.Background(), src, path)
			for n := 1; n <= 50; n++ {
				ChunkBytes = n
				got, err := readAll(context.Background(), src, path)
				switch {
				case tc.err == "" && (err != nil || got != whole):
					t.Errorf("%q in chunks of %d: %v\ngot  %s\nwant %s", tc.in, n, err, got, whole)
				case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
					t.Errorf("%q in chunks of %d: %v, want %q", tc.in, n, err, tc.err)
				}
			}
		}
	}
}
