package discover

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiscover: the files matching the patterns, in byte order of their
// paths, under the prefix; names still being written never read; the rest
// unmatched; links followed; a missing folder, a dangling link and a loop
// refused, naming them.
func TestDiscover(t *testing.T) {
	write := func(t *testing.T, dir string, names ...string) {
		for _, n := range names {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name      string
		files     []string
		links     map[string]string // link (in the folder) → target (relative to the folder)
		patterns  []string
		want      string // Rel of the files found
		unmatched string
		err       string
	}{
		{name: "patterns and arrival order", files: []string{"b.json", "a.json", "2024/01/c.json", "x.csv", "notes.txt"},
			patterns: []string{"**/*.json"}, want: "p/2024/01/c.json p/a.json p/b.json", unmatched: "notes.txt x.csv"},
		{name: "a pattern without ** stays at the top", files: []string{"a.json", "sub/b.json"},
			patterns: []string{"*.json"}, want: "p/a.json", unmatched: "sub/b.json"},
		{name: "names being written are never read", files: []string{".a.json", "_b.json", "c.json.tmp", "d.json.part", "_staging/e.json", "f.json"},
			patterns: []string{"**/*"}, want: "p/f.json"},
		{name: "links to files and folders", files: []string{"real/a.json", "outside/b.json"},
			links: map[string]string{"l.json": "real/a.json", "more": "outside"}, patterns: []string{"**/*.json"},
			want: "p/l.json p/more/b.json p/outside/b.json p/real/a.json"},
		{name: "a dangling link", files: []string{"a.json"}, links: map[string]string{"gone.json": "nothing.json"},
			patterns: []string{"**/*.json"}, err: "gone.json is a dangling link (to "},
		{name: "a link loop", files: []string{"sub/a.json"}, links: map[string]string{"sub/back": "."},
			patterns: []string{"**/*.json"}, err: "sub/back is a link loop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, dir, tc.files...)
			for link, target := range tc.links {
				abs := filepath.Join(dir, filepath.FromSlash(link))
				if err := os.Symlink(filepath.Join(dir, filepath.FromSlash(target)), abs); err != nil {
					t.Skip("no symbolic links:", err)
				}
			}
			l, err := Discover(context.Background(), Folder{Source: "s", Dir: dir, Prefix: "p", Patterns: tc.patterns})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range l.Files {
				got = append(got, f.Rel)
				if f.Size != 3 || f.ModTime.IsZero() || !filepath.IsAbs(f.Abs) {
					t.Errorf("%s: size %d, modified %v, at %s", f.Rel, f.Size, f.ModTime, f.Abs)
				}
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Errorf("files %q, want %q", g, tc.want)
			}
			if u := strings.Join(l.Unmatched, " "); u != tc.unmatched {
				t.Errorf("unmatched %q, want %q", u, tc.unmatched)
			}
		})
	}
}

// TestDiscoverFolder: a source folder that is missing, a dangling link or
// a file is an error naming the source and what to do.
func TestDiscoverFolder(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Skip("no symbolic links:", err)
	}
	for _, tc := range []struct{ dir, want string }{
		{filepath.Join(dir, "missing"), "source s: no folder " + filepath.Join(dir, "missing") + ": create it"},
		{dangling, "source s: its folder " + dangling + " is a dangling link (to " + filepath.Join(dir, "nowhere") + ")"},
		{file, "source s: " + file + " is not a folder"},
	} {
		if _, err := Discover(context.Background(), Folder{Source: "s", Dir: tc.dir, Patterns: []string{"**/*"}}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.dir, err, tc.want)
		}
	}
}
