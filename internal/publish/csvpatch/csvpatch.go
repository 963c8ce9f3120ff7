// Package csvpatch brings CSV files written by DuckDB up to date by key:
// the records of some keys left out, the rest copied as they are, and
// records written anew appended, file by file (publish.Patch, for an
// export's CSV files). The files are DuckDB's COPY ... (FORMAT csv,
// HEADER true): a header record, fields separated by commas, a field
// quoted with '"' when it holds a comma, a quote (doubled) or a line break,
// or is the empty string (`""`, where NULL is an empty field), each record
// ended by '\n'. A record spans lines only inside quotes, so
// it ends at the first '\n' after an even number of quotes; a key is
// matched by its field's text as written, quotes and all.
package csvpatch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"

	"golang.org/x/sync/errgroup"
)

// ErrUnpatchable says that a file is not as DuckDB writes one.
var ErrUnpatchable = errors.New("the file is not as DuckDB writes CSV")

// csvReader reads the records of a CSV file one at a time.
type csvReader struct {
	r   *bufio.Reader
	acc []byte // a record that spans lines or the buffer
	pos int64  // where the next record starts
}

func newCSVReader(f io.Reader) *csvReader {
	return &csvReader{r: bufio.NewReaderSize(f, 1<<20)}
}

// next returns the next record with its line break, valid until the next
// call, and its offset in the file; io.EOF after the last.
func (c *csvReader) next() (rec []byte, at int64, err error) {
	line, err := c.r.ReadSlice('\n')
	at = c.pos
	if err == nil && bytes.IndexByte(line, '"') < 0 {
		c.pos += int64(len(line))
		return line, at, nil
	}
	c.acc = append(c.acc[:0], line...)
	open := bytes.Count(line, []byte{'"'})%2 == 1 // inside quotes at its end
	for err == bufio.ErrBufferFull || (err == nil && open) {
		line, err = c.r.ReadSlice('\n')
		c.acc = append(c.acc, line...)
		open = open != (bytes.Count(line, []byte{'"'})%2 == 1)
	}
	switch {
	case err == io.EOF && len(c.acc) == 0:
		return nil, at, io.EOF
	case err == io.EOF:
		return nil, at, ErrUnpatchable // the last record ends without a line break
	case err != nil:
		return nil, at, err
	}
	c.pos += int64(len(c.acc))
	return c.acc, at, nil
}

// field returns the text of field k of rec as written, quotes and all,
// without the record's line break.
func field(rec []byte, k int) []byte {
	rec = bytes.TrimSuffix(rec, []byte{'\n'})
	rec = bytes.TrimSuffix(rec, []byte{'\r'})
	if bytes.IndexByte(rec, '"') < 0 {
		for ; k > 0; k-- {
			i := bytes.IndexByte(rec, ',')
			if i < 0 {
				return nil
			}
			rec = rec[i+1:]
		}
		if i := bytes.IndexByte(rec, ','); i >= 0 {
			return rec[:i]
		}
		return rec
	}
	quoted, start := false, 0
	for i, b := range rec {
		switch {
		case b == '"':
			quoted = !quoted
		case b == ',' && !quoted:
			if k == 0 {
				return rec[start:i]
			}
			k, start = k-1, i+1
		}
	}
	if k == 0 {
		return rec[start:]
	}
	return nil
}

// Keys reads the keys of a CSV file of one column with a header, as
// written.
func Keys(path string) (map[string]struct{}, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := map[string]struct{}{}
	c := newCSVReader(f)
	for i := 0; ; i++ {
		rec, _, err := c.next()
		if err == io.EOF {
			return keys, nil
		} else if err != nil {
			return nil, err
		}
		if i > 0 {
			keys[string(field(rec, 0))] = struct{}{}
		}
	}
}

// csvScan is what scanCSV found in a file of an export.
type csvScan struct {
	header []byte
	drops  [][2]int64 // the records of changed keys, [start, end) in bytes
	kept   int64      // the records of the other keys
	size   int64
}

// scanCSV reads the CSV file at path and finds its records whose field k
// is one of keys.
func scanCSV(path string, k int, keys map[string]struct{}) (s csvScan, err error) {
	f, err := os.Open(path)
	if err != nil {
		return s, err
	}
	defer f.Close()
	c := newCSVReader(f)
	rec, _, err := c.next()
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, ErrUnpatchable) // not even a header
	}
	s.header = bytes.Clone(rec)
	for {
		rec, at, err := c.next()
		if err == io.EOF {
			break
		} else if err != nil {
			return s, fmt.Errorf("%s: %w", path, err)
		}
		if _, ok := keys[string(field(rec, k))]; !ok {
			s.kept++
			continue
		}
		if n := len(s.drops); n > 0 && s.drops[n-1][1] == at {
			s.drops[n-1][1] = at + int64(len(rec)) // the record right after
		} else {
			s.drops = append(s.drops, [2]int64{at, at + int64(len(rec))})
		}
	}
	s.size = c.pos
	return s, nil
}

// writePatched writes to out the file at old without the records s drops,
// then the records of the CSV file add (its header left out, which must be
// old's), when add is not "". The bytes are copied from file to file (by
// the kernel, where it can).
func writePatched(out, old string, s csvScan, add string) (err error) {
	src, err := os.Open(old)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
	}()
	copyRange := func(from, to int64) error {
		if to <= from {
			return nil
		}
		if _, err := src.Seek(from, io.SeekStart); err != nil {
			return err
		}
		_, err := io.Copy(dst, io.LimitReader(src, to-from))
		return err
	}
	from := int64(0)
	for _, d := range s.drops {
		if err := copyRange(from, d[0]); err != nil {
			return err
		}
		from = d[1]
	}
	if err := copyRange(from, s.size); err != nil {
		return err
	}
	if add == "" {
		return nil
	}
	a, err := os.Open(add)
	if err != nil {
		return err
	}
	defer a.Close()
	header, _, err := newCSVReader(a).next()
	if err != nil || !bytes.Equal(header, s.header) {
		return fmt.Errorf("%s: %w (its header is not the export's)", add, ErrUnpatchable)
	}
	if _, err := a.Seek(int64(len(header)), io.SeekStart); err != nil {
		return err
	}
	_, err = io.Copy(dst, a)
	return err
}

// Files writes into out the CSV files olds of dir without the records
// whose field k is one of keys, the first file of each folder followed by
// the records of the file of that folder among adds, under added (a file of
// adds in a folder without an old file is moved), and returns how many
// records of dir's files it kept; olds and adds are slash-separated paths
// relative to their folders (trees of files, as a partitioned COPY writes
// them). A file with no record to leave out or add is linked rather than
// copied; one with no record left goes.
func Files(ctx context.Context, dir string, olds []string, added string, adds []string, out string, k int, keys map[string]struct{}) (kept int64, err error) {
	olds = slices.Sorted(slices.Values(olds))
	byFolder := map[string]string{} // the file of each folder added to
	for _, rel := range adds {
		if _, twice := byFolder[path.Dir(rel)]; twice {
			return 0, fmt.Errorf("%s: %w (two files in one partition)", added, ErrUnpatchable)
		}
		byFolder[path.Dir(rel)] = rel
	}
	// Which old file each added file goes to: the first of its folder.
	// The others are moved in first, before any file is read.
	into := make([]string, len(olds))
	taken := map[string]bool{}
	for i, rel := range olds {
		if a, ok := byFolder[path.Dir(rel)]; ok && !taken[a] {
			into[i], taken[a] = filepath.Join(added, filepath.FromSlash(a)), true
		}
	}
	for _, a := range adds {
		if taken[a] {
			continue
		}
		dst := filepath.Join(out, filepath.FromSlash(a))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return 0, err
		}
		if err := os.Rename(filepath.Join(added, filepath.FromSlash(a)), dst); err != nil {
			return 0, err
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	keptBy := make([]int64, len(olds))
	for i, rel := range olds {
		add := into[i]
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			src, dst := filepath.Join(dir, filepath.FromSlash(rel)), filepath.Join(out, filepath.FromSlash(rel))
			s, err := scanCSV(src, k, keys)
			if err != nil {
				return err
			}
			keptBy[i] = s.kept
			if s.kept == 0 && add == "" {
				return nil // no record left: no file, as DuckDB writes none
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			if len(s.drops) == 0 && add == "" && os.Link(src, dst) == nil {
				return nil
			}
			return writePatched(dst, src, s, add)
		})
	}
	if err := g.Wait(); err != nil {
		return 0, err
	}
	for _, n := range keptBy {
		kept += n
	}
	return kept, nil
}
