// Package fingerprint names what a bronze file holds, for the file
// manifest (elt.files.fingerprint): "xxh3:" and the 128-bit XXH3 of its
// bytes in 32 hex digits (canonical, big-endian). Manifests written before
// migration 0011 hold the bare sha256 of the bytes in 64 hex digits; such
// a file is compared in that kind (a touched file is only hashed again in
// it), and a file read again whole is kept in the current kind (Reading).
//
// XXH3 is not a cryptographic hash: the manifest asks whether a file
// changed by accident (bronze files are append-only), not whether someone
// with write access to bronze forged one. Hashing every byte with sha256
// took about 2 of a 10M-event build's 55 CPU seconds; XXH3 takes next to
// nothing (design/performance.md).
package fingerprint

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"

	"github.com/zeebo/xxh3"
)

// Kind is how a fingerprint is made.
type Kind int

const (
	// XXH3 is the kind given to files read for the first time.
	XXH3 Kind = iota
	// SHA256 is the kind of manifests written before migration 0011 (and of
	// seeds' state, which keeps it).
	SHA256
)

const prefix = "xxh3:"

// KindOf tells the kind of a fingerprint: a bare 64-digit one is sha256,
// anything else (and "") XXH3.
func KindOf(fp string) Kind {
	if len(fp) == 2*sha256.Size {
		if _, err := hex.DecodeString(fp); err == nil {
			return SHA256
		}
	}
	return XXH3
}

// Hash fingerprints the bytes written to it.
type Hash struct {
	xxh *xxh3.Hasher
	sha hash.Hash
}

// New returns a Hash of kind k.
func New(k Kind) *Hash {
	if k == SHA256 {
		return &Hash{sha: sha256.New()}
	}
	return &Hash{xxh: xxh3.New()}
}

// Write adds p; it never fails.
func (h *Hash) Write(p []byte) (int, error) {
	if h.sha != nil {
		return h.sha.Write(p)
	}
	return h.xxh.Write(p)
}

// String is the fingerprint of what was written so far.
func (h *Hash) String() string {
	if h.sha != nil {
		return hex.EncodeToString(h.sha.Sum(nil))
	}
	b := h.xxh.Sum128().Bytes()
	return prefix + hex.EncodeToString(b[:])
}

// piece is how much Of reads between two looks at its context.
const piece = 1 << 20

// Of is the fingerprint of kind k of what r holds, read in pieces of 1 MB;
// it stops, with ctx's error, as soon as ctx is done (it looks between
// pieces).
func Of(ctx context.Context, r io.Reader, k Kind) (string, error) {
	h := New(k)
	if err := Feed(ctx, r, h); err != nil {
		return "", err
	}
	return h.String(), nil
}

// Feed writes what r holds to w in pieces of 1 MB, stopping with ctx's
// error as soon as ctx is done (it looks between pieces).
func Feed(ctx context.Context, r io.Reader, w io.Writer) error {
	buf := make([]byte, piece)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		w.Write(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// File is Of a file's bytes.
func File(ctx context.Context, path string, k Kind) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return Of(ctx, f, k)
}

// Reading fingerprints what is written to it in the current kind, and in
// the kind of a fingerprint a manifest holds when that is another: a file
// of an older manifest read again whole (by a full refresh) is compared in
// its old kind and kept in the new one.
type Reading struct {
	now, like *Hash
}

// NewReading returns a Reading for a file whose manifest holds like ("" for
// none); with compareOnly (a file only hashed again to be compared, whose
// manifest row stays), only like's kind is computed.
func NewReading(like string, compareOnly bool) *Reading {
	k := KindOf(like)
	if compareOnly || k == XXH3 {
		return &Reading{now: New(k)}
	}
	return &Reading{now: New(XXH3), like: New(k)}
}

// Write adds p; it never fails.
func (r *Reading) Write(p []byte) (int, error) {
	if r.like != nil {
		r.like.Write(p)
	}
	return r.now.Write(p)
}

// Sums are the fingerprint to keep (the current kind's, but like's with
// compareOnly) and the one to compare with like (its kind's; the same when
// like is of the current kind).
func (r *Reading) Sums() (keep, compare string) {
	keep = r.now.String()
	if r.like == nil {
		return keep, keep
	}
	return keep, r.like.String()
}
