package state

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/warehouse"
)

// Known is what the manifest remembers of one ingested file.
type Known struct {
	Size       int64
	ModTime    time.Time
	ChangeTime *time.Time // nil for files ingested before elt recorded it
	Inode      *int64
	// ETag and VersionID are an object's, on object storage ("" for a
	// local file).
	ETag, VersionID string
	// Fingerprint is its content's (package fingerprint).
	Fingerprint string
}

// Manifest is the ingested files of one source, by path relative to the
// bronze root.
type Manifest map[string]Known

// Missing lists, sorted, the manifest's files that are not in have.
func (m Manifest) Missing(have map[string]bool) []string {
	var out []string
	for rel := range m {
		if !have[rel] {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// ReadManifest reads the files of a source that earlier builds ingested.
func ReadManifest(ctx context.Context, q warehouse.Querier, source string) (Manifest, error) {
	rows, err := q.QueryContext(ctx, `SELECT file, size, modified_at, changed_at, inode, coalesce(etag, ''), coalesce(version_id, ''), fingerprint FROM elt.files WHERE source = ?`, source)
	if err != nil {
		return nil, fmt.Errorf("read the file manifest: %w", err)
	}
	defer rows.Close()
	out := Manifest{}
	for rows.Next() {
		var f string
		var k Known
		if err := rows.Scan(&f, &k.Size, &k.ModTime, &k.ChangeTime, &k.Inode, &k.ETag, &k.VersionID, &k.Fingerprint); err != nil {
			return nil, err
		}
		out[f] = k
	}
	return out, rows.Err()
}

// Look is how a file looks on disk, or an object in a listing: what tells
// whether it must be read again.
type Look struct {
	Size       int64
	ModTime    time.Time
	ChangeTime time.Time
	Inode      uint64
	// ETag and VersionID are an object's identity on object storage (its
	// key is the file's name): set for objects, "" for files.
	ETag, VersionID string
}

// Same tells whether the file looks exactly as when it was ingested: an
// object by its size, last-modified time, ETag and version; a file by its
// size, modification and change times and inode.
func (k Known) Same(l Look) bool {
	if l.ETag != "" {
		return k.Size == l.Size && k.ModTime.Equal(l.ModTime) && k.ETag == l.ETag && k.VersionID == l.VersionID
	}
	return k.Size == l.Size && k.ModTime.Equal(l.ModTime) && k.ChangeTime != nil && k.ChangeTime.Equal(l.ChangeTime) &&
		k.Inode != nil && uint64(*k.Inode) == l.Inode
}

// nullable is s, or NULL for "".
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Relook records how an ingested file with unchanged content looks now
// (touched, or copied with its bytes), so it is not hashed again.
func (b Books) Relook(ctx context.Context, q warehouse.Querier, source, file string, l Look) error {
	_, err := q.ExecContext(ctx, `UPDATE `+b.files+` SET size = ?, modified_at = ?, changed_at = ?, inode = ?, etag = ?, version_id = ? WHERE source = ? AND file = ?`,
		l.Size, l.ModTime, l.ChangeTime, int64(l.Inode), nullable(l.ETag), nullable(l.VersionID), source, file)
	if err != nil {
		return fmt.Errorf("record %s: %w", file, err)
	}
	return nil
}

// Ingested is a file read into bronze: how it looked, its content's
// fingerprint, and how many records it held.
type Ingested struct {
	File        string
	Look        Look
	Fingerprint string
	Records     int64
}

// RecordFiles adds ingested files to the manifest, up to 500 a statement
// (an INSERT a file took 1.7 ms each: 28 files, 0.05 s of an increment).
func (b Books) RecordFiles(ctx context.Context, q warehouse.Querier, source string, runID int64, files []Ingested) error {
	for len(files) > 0 {
		n := min(len(files), 500)
		var args []any
		for _, f := range files[:n] {
			args = append(args, source, f.File, f.Look.Size, f.Look.ModTime, f.Look.ChangeTime, int64(f.Look.Inode), nullable(f.Look.ETag), nullable(f.Look.VersionID), f.Fingerprint, f.Records, runID)
		}
		_, err := q.ExecContext(ctx, `INSERT INTO `+b.files+` (source, file, size, modified_at, changed_at, inode, etag, version_id, fingerprint, records, run_id, ingested_at)
		VALUES `+strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP), ", n-1)+"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP)", args...)
		if err != nil {
			what := files[0].File
			if n > 1 {
				what = fmt.Sprintf("%s and %d more files", what, n-1)
			}
			return fmt.Errorf("record %s: %w", what, err)
		}
		files = files[n:]
	}
	return nil
}

// Forget drops what was ingested from a source, for a full refresh: its
// manifest rows and its quarantined records.
func Forget(ctx context.Context, q warehouse.Querier, source string) error {
	for _, s := range []string{`DELETE FROM silver.quarantine WHERE source = ?`, `DELETE FROM elt.files WHERE source = ?`, `DELETE FROM elt.stream_batches WHERE source = ?`} {
		if _, err := q.ExecContext(ctx, s, source); err != nil {
			return fmt.Errorf("full refresh of %s: %w", source, err)
		}
	}
	return nil
}

// Tally is what the manifest and the quarantine hold of one source: the
// records of every file (or Kafka message) ever read and the records
// quarantined.
type Tally struct{ Read, Quarantined int64 }

// Count tallies a source's records.
func Count(ctx context.Context, q warehouse.Querier, source string) (Tally, error) {
	var t Tally
	err := q.QueryRowContext(ctx, `SELECT (SELECT coalesce(sum(records), 0) FROM elt.files WHERE source = ?),
		(SELECT count(*) FROM silver.quarantine WHERE source = ?)`, source, source).Scan(&t.Read, &t.Quarantined)
	if err != nil {
		return t, err
	}
	// Messages of Kafka sources, in a warehouse that has their table (elt
	// docs reads older ones, not migrated, as they are).
	var streams bool
	if err := q.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE schema_name = 'elt' AND table_name = 'stream_batches'`).Scan(&streams); err != nil || !streams {
		return t, err
	}
	var messages int64
	err = q.QueryRowContext(ctx, `SELECT coalesce(sum(records), 0) FROM elt.stream_batches WHERE source = ?`, source).Scan(&messages)
	t.Read += messages
	return t, err
}
