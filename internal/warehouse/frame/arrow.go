//go:build duckdb_arrow

package frame

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/memory/mallocator"
	duckdb "github.com/duckdb/duckdb-go/v2"
)

// Arrow tells whether this elt hands streams to DuckDB as Arrow record
// batches (ShareStreamOn): built with the duckdb_arrow tag, under which
// duckdb-go has Arrow; make builds it so.
const Arrow = true

// An Arrow record batch holds at most batchRows rows and, past its first
// row, batchBytes of text: DuckDB's threads take a batch each (and scan it
// 2,048 rows at a time), and the frames of the batches they hold stay in
// memory, so a batch of wide rows is fewer of them (rows of 4 KB on 4
// threads, batches of 65,536 rows: peak RSS 3.1 GB against elt_frame's
// 2.3 GB, each thread holding a frame of its own).
var (
	batchRows  = 65536
	batchBytes = 8 << 20
)

// cMemory is where the batches' buffers live: C's heap, since DuckDB holds
// them past the call that hands them over.
var cMemory = mallocator.NewMallocator()

// shareArrow registers a stream as an Arrow view of conn's, under a name of
// its own, and returns the name and what drops the view and releases the
// stream.
func shareArrow(ctx context.Context, conn *sql.Conn, first *Frame, s Stream) (string, func() error, error) {
	fields := make([]arrow.Field, len(first.Columns))
	for i, c := range first.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}
		if c.text {
			fields[i].Type = arrow.BinaryTypes.LargeString
		}
		if c.json {
			// Arrow's canonical JSON extension: DuckDB reads the column
			// as JSON, unchecked.
			fields[i].Metadata = arrow.NewMetadata([]string{"ARROW:extension:name"}, []string{"arrow.json"})
		}
	}
	r := &arrowReader{schema: arrow.NewSchema(fields, nil), s: s, f: first, left: map[*Frame]*frameMemory{}}
	r.refs.Store(1)
	// DuckDB's C API makes the view a lasting one of the connection's
	// default schema (not a temporary one), replacing any of its name: a
	// random name is no user's view or table. The build's transaction
	// holds it until unshare drops it.
	name := fmt.Sprintf("elt_arrow_%016x", rand.Uint64())
	var release func()
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("a connection of %T, not DuckDB's", dc)
		}
		ar, err := duckdb.NewArrowFromConn(c)
		if err != nil {
			return err
		}
		release, err = ar.RegisterView(r, name)
		return err
	})
	if err != nil {
		return "", nil, fmt.Errorf("register the Arrow view %s: %w", name, err)
	}
	r.Release() // the stream holds it now
	return name, func() error {
		// The view points at the stream: it goes first. In a transaction
		// that failed, it goes with the transaction.
		_, err := conn.ExecContext(context.WithoutCancel(ctx), "DROP VIEW IF EXISTS "+name)
		release()
		if err != nil {
			return fmt.Errorf("drop the Arrow view %s: %w", name, err)
		}
		return nil
	}, nil
}

// arrowReader is a stream as Arrow record batches (array.RecordReader),
// which DuckDB's scan takes one at a time. Each batch is a copy of rows of
// a frame in C's memory (frameMemory), and the stream's Done is told of a
// frame once the reader is past it and DuckDB has released every batch made
// from it: DuckDB's thread releases a batch when it takes its next, after
// pushing the batch's rows through the statement's pipeline.
type arrowReader struct {
	refs   atomic.Int64
	schema *arrow.Schema
	s      Stream
	cur    arrow.RecordBatch
	err    error
	next   int // the next row of f
	// mu guards f (the frame read now, nil at the end) and left (the
	// frames whose batches DuckDB holds), which DuckDB's threads change
	// as they release batches.
	mu   sync.Mutex
	f    *Frame
	left map[*Frame]*frameMemory
}

func (r *arrowReader) Retain() { r.refs.Add(1) }

// Release lets go of the last batch made, once the stream is released (a
// statement that failed did not take the next).
func (r *arrowReader) Release() {
	if r.refs.Add(-1) == 0 && r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *arrowReader) Schema() *arrow.Schema          { return r.schema }
func (r *arrowReader) Err() error                     { return r.err }
func (r *arrowReader) Record() arrow.RecordBatch      { return r.cur }
func (r *arrowReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Next makes the next batch: the next rows of the frame read now, or of
// the stream's next frame.
func (r *arrowReader) Next() bool {
	if r.cur != nil { // DuckDB holds what it took of it
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil {
		return false
	}
	r.mu.Lock()
	f := r.f
	r.mu.Unlock()
	for f != nil && r.next >= f.Rows {
		// Next may wait for what Done gives back: not under mu.
		nf, err := r.s.Next()
		r.mu.Lock()
		r.f, r.next = nf, 0
		r.done(f)
		r.mu.Unlock()
		if err != nil {
			r.err = err
			return false
		}
		f = nf
	}
	if f == nil {
		return false
	}
	r.mu.Lock()
	m := r.left[f]
	if m == nil {
		m = &frameMemory{r: r, f: f}
		r.left[f] = m
	}
	r.mu.Unlock()
	from := r.next
	n := fit(f, from)
	r.next += n
	r.cur = m.batch(r.schema, from, n)
	return true
}

// fit is how many rows from row from of f make a batch: at most
// batchRows, and at least one, with at most batchBytes of text after the
// first.
func fit(f *Frame, from int) int {
	n := min(batchRows, f.Rows-from)
	size := 0
	for r := from; r < from+n; r++ {
		for ci := range f.Columns {
			if c := &f.Columns[ci]; c.text {
				size += int(c.Spans[r].Len)
			}
		}
		if size > batchBytes && r > from {
			return r - from
		}
	}
	return n
}

// done tells the stream of f once the reader is past it and DuckDB holds
// none of its batches; under mu.
func (r *arrowReader) done(f *Frame) {
	if f == nil || f == r.f {
		return
	}
	if m := r.left[f]; m != nil && m.buffers > 0 {
		return
	}
	delete(r.left, f)
	if r.s.Done != nil {
		r.s.Done(f)
	}
}

// notUTF8 is valid (a new validity bitmap if nil) with the values of a
// batch's text column that are not UTF-8 marked NULL.
func notUTF8(m *frameMemory, valid *memory.Buffer, offs []int64, text []byte, n int) *memory.Buffer {
	if valid == nil {
		valid = m.buffer((n + 7) / 8)
		bitutil.SetBitsTo(valid.Bytes(), 0, int64(n), true)
	}
	bits := valid.Bytes()
	for r := range n {
		if !utf8.Valid(text[offs[r]:offs[r+1]]) {
			bitutil.ClearBit(bits, r)
		}
	}
	return valid
}

// frameMemory allocates the buffers of a frame's batches in C's memory
// (memory.Allocator) and counts those not yet freed: the last freed after
// the reader is past the frame is when DuckDB is done with it.
type frameMemory struct {
	r       *arrowReader
	f       *Frame
	buffers int // under r.mu
}

func (m *frameMemory) Allocate(size int) []byte {
	m.r.mu.Lock()
	m.buffers++
	m.r.mu.Unlock()
	return cMemory.Allocate(size)
}

func (m *frameMemory) Reallocate(size int, b []byte) []byte {
	return cMemory.Reallocate(size, b)
}

func (m *frameMemory) Free(b []byte) {
	if cap(b) == 0 { // a buffer of no bytes, never allocated
		return
	}
	cMemory.Free(b)
	m.r.mu.Lock()
	defer m.r.mu.Unlock()
	m.buffers--
	m.r.done(m.f)
}

// buffer is a buffer of n bytes of m's.
func (m *frameMemory) buffer(n int) *memory.Buffer {
	b := memory.NewResizableBuffer(m)
	b.Resize(n)
	return b
}

// batch copies rows from..from+n of m's frame into a record batch.
func (m *frameMemory) batch(schema *arrow.Schema, from, n int) arrow.RecordBatch {
	cols := make([]arrow.Array, len(m.f.Columns))
	for ci := range m.f.Columns {
		c := &m.f.Columns[ci]
		var valid *memory.Buffer
		nulls := 0
		if c.Null != nil {
			valid = m.buffer((n + 7) / 8)
			bits := valid.Bytes()
			clear(bits)
			for r, null := range c.Null[from : from+n] {
				if null {
					nulls++
				} else {
					bits[r/8] |= 1 << (r % 8)
				}
			}
		}
		var data *array.Data
		if c.text {
			// 64-bit offsets (LargeString): a batch's text may pass 2 GB.
			offsets := m.buffer(8 * (n + 1))
			offs := arrow.Int64Traits.CastFromBytes(offsets.Bytes())
			size := 0
			for r, sp := range c.Spans[from : from+n] {
				offs[r] = int64(size)
				size += int(sp.Len)
			}
			offs[n] = int64(size)
			values := m.buffer(size)
			at, text := 0, values.Bytes()
			for _, sp := range c.Spans[from : from+n] {
				if sp.Len > 0 {
					at += copy(text[at:], c.Sources[sp.Src][sp.Off:sp.Off+sp.Len])
				}
			}
			if !utf8.Valid(text[:size]) {
				// As elt_frame (DuckDB's check of each value): a value that
				// is not UTF-8 is NULL. DuckDB takes Arrow's text as it is.
				valid = notUTF8(m, valid, offs, text, n)
				nulls = n - bitutil.CountSetBits(valid.Bytes(), 0, n)
			}
			data = array.NewData(arrow.BinaryTypes.LargeString, n, []*memory.Buffer{valid, offsets, values}, nil, nulls, 0)
			offsets.Release()
			values.Release()
		} else {
			values := m.buffer(8 * n)
			copy(arrow.Int64Traits.CastFromBytes(values.Bytes()), c.Ints[from:from+n])
			data = array.NewData(arrow.PrimitiveTypes.Int64, n, []*memory.Buffer{valid, values}, nil, nulls, 0)
			values.Release()
		}
		if valid != nil {
			valid.Release()
		}
		cols[ci] = array.MakeFromData(data)
		data.Release()
	}
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release()
	}
	return rec
}
