package contract

import (
	"regexp"
	"testing"
)

// TestTimestampShape: TimestampShape accepts exactly what TimestampPattern
// matches whole, on chosen cases and on every one-byte change (replaced,
// removed, added) of valid texts of each shape.
func TestTimestampShape(t *testing.T) {
	re := regexp.MustCompile(`^(?:` + TimestampPattern + `)$`)
	cases := []struct {
		s    string
		want bool
	}{
		{"2026-11-01T21:00:22Z", true},
		{"2026-11-01 21:00:22", true},
		{"2026-11-01T23:59:59.123456+05:30", true},
		{"2026-11-01T00:00:00.1-00:00", true},
		{"9999-99-99T00:00:00", true}, // the shape only: the cast checks the calendar
		{"2026-11-01T24:00:00Z", false},
		{"2026-11-01T20:60:00Z", false},
		{"2026-11-01T20:00:60Z", false},
		{"2026-11-01T20:00:00.Z", false},
		{"2026-11-01T20:00:00.1234567Z", false},
		{"2026-11-01T20:00:00+24:00", false},
		{"2026-11-01T20:00:00+0530", false},
		{"2026-11-01T20:00:00z", false},
		{"2026-11-01t20:00:00Z", false},
		{"2026-11-01", false},
		{" 2026-11-01T20:00:00Z", false},
		{"2026-11-01T20:00:00Z ", false},
		{"２026-11-01T20:00:00Z", false},
		{"", false},
	}
	for _, c := range cases {
		if got := TimestampShape(c.s); got != c.want || re.MatchString(c.s) != c.want {
			t.Errorf("%q: TimestampShape %v, the pattern %v, want %v", c.s, got, re.MatchString(c.s), c.want)
		}
	}
	seeds := []string{"2026-11-01T21:00:22", "2026-11-01 21:00:22Z", "2026-11-01T21:00:22.123456", "2026-11-01T21:00:22.5+23:59", "2026-11-01T19:09:50-10:00"}
	alphabet := []byte("0123456789:-+. TtZz9\x00é")
	check := func(s string) {
		if got, want := TimestampShape(s), re.MatchString(s); got != want {
			t.Errorf("%q: TimestampShape %v, the pattern %v", s, got, want)
		}
	}
	for _, s := range seeds {
		check(s)
		for i := 0; i <= len(s); i++ {
			if i < len(s) {
				check(s[:i] + s[i+1:])
			}
			for _, c := range alphabet {
				if i < len(s) {
					check(s[:i] + string(c) + s[i+1:])
				}
				check(s[:i] + string(c) + s[i:])
			}
		}
	}
}
