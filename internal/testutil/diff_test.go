package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// diffCases are pairs of texts, from want to got.
var diffCases = []struct{ name, want, got string }{
	{"equal", "a\nb\n", "a\nb\n"},
	{"one line changed", "a\nb\nc\n", "a\nB\nc\n"},
	{"added at the end", "a\nb\n", "a\nb\nc\n"},
	{"removed at the start", "a\nb\nc\n", "b\nc\n"},
	{"from empty", "", "a\nb\n"},
	{"to empty", "a\nb\n", ""},
	{"two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n", "1\nX\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\nY\n15\n"},
	{"close changes share a hunk", "1\n2\n3\n4\n5\n6\n7\n8\n", "1\nX\n3\n4\n5\n6\nY\n8\n"},
	{"no newline at the end", "a\nb", "a\nb\n"},
	{"reordered", "a\nb\nc\nd\n", "c\nd\na\nb\n"},
}

// TestDiff: Diff writes what GNU diff -u writes, past the two header
// lines (which carry dates there), or "" for equal texts.
func TestDiff(t *testing.T) {
	bin, err := exec.LookPath("diff")
	if err != nil {
		t.Skip("no diff(1) to compare with")
	}
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			got := Diff("want", tc.want, "got", tc.got)
			dir := t.TempDir()
			a, b := filepath.Join(dir, "want"), filepath.Join(dir, "got")
			os.WriteFile(a, []byte(tc.want), 0o644)
			os.WriteFile(b, []byte(tc.got), 0o644)
			out, _ := exec.Command(bin, "-u", a, b).Output()
			want := string(out)
			if want != "" {
				// diff -u's headers name the files with their dates.
				_, want, _ = strings.Cut(want, "\n")
				_, want, _ = strings.Cut(want, "\n")
				want = "--- want\n+++ got\n" + want
			}
			if got != want {
				t.Errorf("Diff:\n%s\ndiff -u:\n%s", got, want)
			}
		})
	}
}
