package fingerprint

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFingerprint: each kind's value for known inputs (XXH3-128 of nothing
// is the reference implementation's test vector; sha256 of "abc" is FIPS
// 180-2's), and KindOf tells each apart.
func TestFingerprint(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		in   string
		want string
	}{
		{"xxh3 of nothing", XXH3, "", "xxh3:99aa06d3014798d86001c324468d497f"},
		{"sha256 of abc", SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"sha256 of nothing", SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(tc.kind)
			h.Write([]byte(tc.in))
			if got := h.String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if k := KindOf(tc.want); k != tc.kind {
				t.Fatalf("KindOf(%s) = %d, want %d", tc.want, k, tc.kind)
			}
			got, err := Of(context.Background(), strings.NewReader(tc.in), tc.kind)
			if err != nil || got != tc.want {
				t.Fatalf("Of: %s, %v; want %s", got, err, tc.want)
			}
		})
	}
	for fp, want := range map[string]Kind{
		"":                                      XXH3,
		"xxh3:0123456789abcdef0123456789abcdef": XXH3,
		strings.Repeat("g", 64):                 XXH3, // not hex
		strings.Repeat("a", 63):                 XXH3,
		strings.Repeat("a", 64):                 SHA256,
	} {
		if got := KindOf(fp); got != want {
			t.Errorf("KindOf(%q) = %d, want %d", fp, got, want)
		}
	}
}

// TestFingerprintInPieces: bytes written in pieces of any size, or read by
// Of across its 1 MB pieces, fingerprint as when written at once.
func TestFingerprintInPieces(t *testing.T) {
	data := make([]byte, 3*piece+12345)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for _, kind := range []Kind{XXH3, SHA256} {
		whole := New(kind)
		whole.Write(data)
		want := whole.String()
		for _, size := range []int{1, 7, 64, 1000, 4096, piece - 1, piece + 1} {
			h := New(kind)
			for rest := data; len(rest) > 0; {
				n := min(size, len(rest))
				h.Write(rest[:n])
				rest = rest[n:]
			}
			if got := h.String(); got != want {
				t.Fatalf("kind %d in pieces of %d: %s, want %s", kind, size, got, want)
			}
		}
		if got, err := Of(context.Background(), bytes.NewReader(data), kind); err != nil || got != want {
			t.Fatalf("kind %d, Of: %s, %v; want %s", kind, got, err, want)
		}
	}
}

// TestFingerprintCancelled: Of stops with the context's error.
func TestFingerprintCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Of(ctx, bytes.NewReader(make([]byte, 10)), XXH3); err != context.Canceled {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestReading: a file read whole is kept in XXH3 and compared in the kind
// its manifest row holds; one only hashed again to be compared is hashed
// in that kind alone.
func TestReading(t *testing.T) {
	const in = "abc"
	x, s := New(XXH3), New(SHA256)
	x.Write([]byte(in))
	s.Write([]byte(in))
	xxh, sha := x.String(), s.String()
	for _, tc := range []struct {
		name          string
		like          string
		compareOnly   bool
		keep, compare string
	}{
		{"a new file", "", false, xxh, xxh},
		{"an XXH3 file read again", xxh, false, xxh, xxh},
		{"a sha256 file read again", sha, false, xxh, sha},
		{"a sha256 file hashed to compare", sha, true, sha, sha},
		{"an XXH3 file hashed to compare", xxh, true, xxh, xxh},
	} {
		r := NewReading(tc.like, tc.compareOnly)
		r.Write([]byte(in))
		if keep, compare := r.Sums(); keep != tc.keep || compare != tc.compare {
			t.Errorf("%s: keep %s, compare %s; want %s, %s", tc.name, keep, compare, tc.keep, tc.compare)
		}
	}
}
