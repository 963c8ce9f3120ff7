package gen

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// eventLines reads the events/ files under dir in the order of their paths.
func eventLines(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	filepath.WalkDir(filepath.Join(dir, "events"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			paths = append(paths, p)
		}
		return err
	})
	slices.Sort(paths)
	var lines []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.SplitAfter(string(b), "\n")...)
		if lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
	}
	return lines
}

// TestEventSink: with an EventSink, the sink is given exactly the lines the
// events/ files would hold, in the order of their paths, each without its
// line break, then nil; no events/ file is written, the other files are
// the same as without the sink, and Files counts them only. An error from
// the sink writes no file at all.
func TestEventSink(t *testing.T) {
	o := Options{Events: 5000, Users: 40, Days: 3, Seed: 5, Dirty: 0.2, FraudRate: 0.05}
	files := t.TempDir()
	o.Out = files
	want, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	wantLines := eventLines(t, files)
	if err := os.RemoveAll(filepath.Join(files, "events")); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		fail int // the sink fails at this call, 0 never
	}{{"all", 0}, {"sink fails", 1234}} {
		t.Run(tc.name, func(t *testing.T) {
			o := o
			o.Out = filepath.Join(t.TempDir(), "bronze")
			var got []string
			ended := false
			o.EventSink = func(line []byte) error {
				if ended {
					t.Fatal("a line after nil")
				}
				if line == nil {
					ended = true
					return nil
				}
				if len(got)+1 == tc.fail {
					return errors.New("broker gone")
				}
				got = append(got, string(line)+"\n")
				return nil
			}
			st, err := Generate(o)
			if tc.fail > 0 {
				if err == nil || err.Error() != "broker gone" {
					t.Fatalf("Generate returned %v, want the sink's error", err)
				}
				if _, err := os.Stat(o.Out); !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("a failed Generate left %s (%v)", o.Out, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !ended {
				t.Error("the sink was not called with nil at the end")
			}
			if !slices.Equal(got, wantLines) {
				t.Fatalf("the sink got %d lines, the files hold %d (or in another order)", len(got), len(wantLines))
			}
			if st.Events != len(got) || st.Events != want.Events {
				t.Errorf("Events = %d, the sink got %d, without it %d", st.Events, len(got), want.Events)
			}
			if _, err := os.Stat(filepath.Join(o.Out, "events")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("events/ written beside the sink (%v)", err)
			}
			if digest(t, o.Out) != digest(t, files) {
				t.Error("the other files differ from those written without the sink")
			}
			if st.Files != want.Files-2*o.Days || st.Transactions != want.Transactions || st.Users != want.Users {
				t.Errorf("stats %+v, want those of %+v without 2 event files a day", st, want)
			}
		})
	}
}
