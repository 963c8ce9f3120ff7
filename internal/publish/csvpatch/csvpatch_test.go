package csvpatch

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestField: the text of a field of a record as DuckDB writes it, quotes
// and all.
func TestField(t *testing.T) {
	for _, c := range []struct {
		rec  string
		k    int
		want string
	}{
		{"a,b,c\n", 0, "a"},
		{"a,b,c\n", 2, "c"},
		{"a,b,c\r\n", 2, "c"},
		{"a,b,c", 1, "b"},
		{",b\n", 0, ""},
		{`"",b` + "\n", 0, `""`},
		{`"x,y",b` + "\n", 0, `"x,y"`},
		{`a,"x,y",c` + "\n", 2, "c"},
		{`"q""x",b` + "\n", 0, `"q""x"`},
		{"\"l\nm\",b\n", 0, "\"l\nm\""},
		{"\"l\nm\",b\n", 1, "b"},
		{"a,b\n", 2, ""},
	} {
		if got := string(field([]byte(c.rec), c.k)); got != c.want {
			t.Errorf("field(%q, %d) = %q, want %q", c.rec, c.k, got, c.want)
		}
	}
}

// TestCSVReader: records end at a line break outside quotes, however long,
// at their offsets; a last record without its line break is refused.
func TestCSVReader(t *testing.T) {
	long := strings.Repeat("x", 3<<20) // beyond the reader's buffer
	for _, c := range []struct {
		name string
		text string
		want []string
		err  error
	}{
		{"lines", "h\na\nb\n", []string{"h\n", "a\n", "b\n"}, nil},
		{"a quoted line break", "h\n\"a\nb\",c\nd\n", []string{"h\n", "\"a\nb\",c\n", "d\n"}, nil},
		{"quotes doubled", "h\n\"a\"\"\nb\",c\n", []string{"h\n", "\"a\"\"\nb\",c\n"}, nil},
		{"a long line", "h\n" + long + "\nz\n", []string{"h\n", long + "\n", "z\n"}, nil},
		{"a long quoted line", "h\n\"" + long + "\n\"\nz\n", []string{"h\n", "\"" + long + "\n\"\n", "z\n"}, nil},
		{"no last line break", "h\na", []string{"h\n"}, ErrUnpatchable},
		{"a quote left open", "h\n\"a\n", []string{"h\n"}, ErrUnpatchable},
		{"empty", "", nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newCSVReader(strings.NewReader(c.text))
			var got []string
			var at int64
			for {
				rec, off, err := r.next()
				if err != nil {
					if c.err == nil && err != io.EOF || c.err != nil && !errors.Is(err, c.err) {
						t.Fatalf("error %v, want %v", err, c.err)
					}
					break
				}
				if off != at {
					t.Fatalf("record %d at %d, want %d", len(got), off, at)
				}
				at += int64(len(rec))
				got = append(got, string(rec))
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("records %q, want %q", short(got), short(c.want))
			}
		})
	}
}

func short(s []string) []string {
	out := slices.Clone(s)
	for i, x := range out {
		if len(x) > 40 {
			out[i] = x[:20] + "..." + x[len(x)-10:]
		}
	}
	return out
}

// TestFilesStopsWhole: when an added file cannot be moved in, Files returns
// before reading any file, so nothing writes into out after it returns.
func TestFilesStopsWhole(t *testing.T) {
	dir, added, out := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "out")
	if err := os.MkdirAll(filepath.Join(dir, "p=a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p=a", "data_0.csv"), []byte("k,v\n1,a\n2,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// p=b/data_0.csv is listed but missing: moving it in fails.
	_, err := Files(context.Background(), dir, []string{"p=a/data_0.csv"}, added, []string{"p=b/data_0.csv"}, out, 0, map[string]struct{}{"1": {}})
	if err == nil {
		t.Fatal("no error for an added file that is missing")
	}
	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(out, "p=a", "data_0.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a file was written after Files returned: %v", err)
	}
}
