package discover

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/ingest/fingerprint"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/state"
)

// Objects lists a source whose folder is an s3:// prefix: every object
// under it (all pages), the latest version of each on a versioned bucket,
// matched against the source's patterns by its key relative to the
// prefix, in key order; keys with a segment InProgress marks are skipped,
// as names on disk are. An object's name in the warehouse is its full
// s3://bucket/key, its look its size, last-modified time, ETag and version.
func Objects(ctx context.Context, src Folder) (Listing, error) {
	var l Listing
	prefix, err := lake.Parse(src.Dir)
	if err != nil {
		return l, fmt.Errorf("source %s: %w", src.Source, err)
	}
	store, err := lake.Connect(ctx, src.Storage)
	if err != nil {
		return l, fmt.Errorf("source %s: %w", src.Source, err)
	}
	objs, err := store.List(ctx, prefix)
	if err != nil {
		return l, fmt.Errorf("source %s: %w", src.Source, err)
	}
	if len(objs) == 0 {
		return l, fmt.Errorf("source %s: nothing under %s: check the bucket and prefix (paths.bronze, the source's path), "+
			"or, for a source with no files yet, create its folder (an empty object %s/, as the S3 console's Create folder makes)", src.Source, prefix, prefix)
	}
	for _, o := range objs {
		if o.IsFolder() {
			continue
		}
		rel := strings.TrimPrefix(o.Key, prefix.Key)
		rel = strings.TrimPrefix(rel, "/")
		if hidden(rel) {
			continue
		}
		if !matchAny(src.Patterns, rel) {
			l.Unmatched = append(l.Unmatched, rel)
			continue
		}
		l.Files = append(l.Files, File{Rel: o.URL.String(), Abs: o.URL.String(), store: store, obj: o,
			Look: state.Look{Size: o.Size, ModTime: o.Modified, ETag: o.ETag, VersionID: o.VersionID}})
	}
	return l, nil
}

// hidden tells whether a key relative to its prefix has a segment
// InProgress marks (a name starting with . or _, or ending .tmp or .part).
func hidden(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if InProgress(seg) {
			return true
		}
	}
	return false
}

// Remote tells whether the file is an object in a bucket.
func (f File) Remote() bool { return f.store != nil }

// Open opens the file for reading: a file on disk, or an object as it was
// listed (its version, or its ETag: lake.ErrChanged if it was rewritten
// since).
func (f File) Open(ctx context.Context) (io.ReadCloser, error) {
	if f.store == nil {
		return os.Open(f.Abs)
	}
	return f.store.Open(ctx, f.obj), nil
}

// downloadPrefix starts the name of a downloaded object's copy, followed
// by the id of the process that made it, a dash, and random digits.
const downloadPrefix = "elt-download-"

// Download copies an object to a new file in dir ("" is the system's
// temporary folder), returning its path and the fingerprints of its bytes
// to keep and to compare with like, what the manifest holds of it ("" for
// nothing; fingerprint.Reading), for DuckDB to read a Parquet object from
// disk. The file's name carries the process's id, for SweepDownloads.
func (f File) Download(ctx context.Context, dir, like string) (path, keep, compare string, err error) {
	if f.store == nil {
		return "", "", "", fmt.Errorf("%s is not an object", f.Abs)
	}
	h := fingerprint.NewReading(like, false)
	if path, err = f.store.Download(ctx, f.obj, dir, fmt.Sprintf("%s%d-*.parquet", downloadPrefix, os.Getpid()), h); err != nil {
		return "", "", "", err
	}
	keep, compare = h.Sums()
	return path, keep, compare, nil
}

// SweepDownloads removes from dir ("" is the system's temporary folder) the
// copies Download made for processes that no longer run: a build killed
// (kill -9, a crash, the machine stopped) while it read Parquet objects
// could not remove its own. Copies of a running build are left alone.
func SweepDownloads(dir string) {
	if dir == "" {
		dir = os.TempDir()
	}
	names, _ := filepath.Glob(filepath.Join(dir, downloadPrefix+"*.parquet"))
	for _, name := range names {
		id, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(name), downloadPrefix), "-")
		pid, err := strconv.Atoi(id)
		if !ok || err != nil || pid <= 0 || pid == os.Getpid() || running(pid) {
			continue
		}
		os.Remove(name)
	}
}
