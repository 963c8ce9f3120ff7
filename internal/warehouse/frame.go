package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"

	duckdb "github.com/duckdb/duckdb-go/v2"
	"github.com/duckdb/duckdb-go/v2/mapping"
)

// A Frame is rows Go has prepared, column by column, for DuckDB to read in
// bulk: `SELECT … FROM elt_frame(id)` scans the frame shared under id,
// reading only the columns the query uses. It is how records parsed in Go
// reach SQL without passing their text through statement parameters or a
// temporary file.
type Frame struct {
	Columns []Column
	Rows    int
}

// A Column of a frame: BIGINT (Ints) or VARCHAR (Spans of Sources), with
// the rows that are NULL. A VARCHAR value is a piece of one of the
// column's sources (the text of a whole file, say), so a column of millions
// of values holds no pointer per value for Go's garbage collector to chase.
type Column struct {
	Name    string
	Ints    []int64
	Sources []string
	Spans   []Span
	// Null marks the rows that are NULL; nil when none is.
	Null []bool
	text bool
}

// A Span is a VARCHAR value: Len bytes at Off in the column's source Src.
type Span struct{ Src, Off, Len uint32 }

// IntColumn makes an empty BIGINT column with room for n rows.
func IntColumn(name string, n int) *Column {
	return &Column{Name: name, Ints: make([]int64, 0, n)}
}

// TextColumn makes an empty VARCHAR column with room for n rows.
func TextColumn(name string, n int) *Column {
	return &Column{Name: name, Spans: make([]Span, 0, n), text: true}
}

// Text tells whether the column is VARCHAR.
func (c *Column) Text() bool { return c.text }

// AddNull appends a NULL row.
func (c *Column) AddNull() {
	if c.Null == nil {
		c.Null = make([]bool, c.Len(), max(cap(c.Spans), cap(c.Ints)))
	}
	c.Null = append(c.Null, true)
	if c.text {
		c.Spans = append(c.Spans, Span{})
	} else {
		c.Ints = append(c.Ints, 0)
	}
}

// AddSource adds a text that values of the column are pieces of, and
// returns its number for AddSpan.
func (c *Column) AddSource(s string) uint32 {
	c.Sources = append(c.Sources, s)
	return uint32(len(c.Sources) - 1)
}

// AddSpan appends the value that is n bytes at off in source src.
func (c *Column) AddSpan(src, off, n uint32) {
	c.Spans = append(c.Spans, Span{src, off, n})
	if c.Null != nil {
		c.Null = append(c.Null, false)
	}
}

// AddString appends a VARCHAR value of its own.
func (c *Column) AddString(s string) {
	c.AddSpan(c.AddSource(s), 0, uint32(len(s)))
}

// AddInt appends a BIGINT value.
func (c *Column) AddInt(n int64) {
	c.Ints = append(c.Ints, n)
	if c.Null != nil {
		c.Null = append(c.Null, false)
	}
}

// Len is the number of rows the column holds.
func (c *Column) Len() int {
	if c.text {
		return len(c.Spans)
	}
	return len(c.Ints)
}

// value is row r of a VARCHAR column.
func (c *Column) value(r int) string {
	sp := c.Spans[r]
	return c.Sources[sp.Src][sp.Off : sp.Off+sp.Len]
}

// NewFrame makes a frame of columns that all hold the same number of rows.
func NewFrame(cols ...*Column) (*Frame, error) {
	f := &Frame{}
	for i, c := range cols {
		if i == 0 {
			f.Rows = c.Len()
		} else if c.Len() != f.Rows {
			return nil, fmt.Errorf("frame column %s has %d rows, %s has %d", c.Name, c.Len(), cols[0].Name, f.Rows)
		}
		f.Columns = append(f.Columns, *c)
	}
	return f, nil
}

// frames holds the frames a query may scan, by id.
var (
	frames    sync.Map // int64 → *Frame
	nextFrame atomic.Int64
)

// Share makes a frame readable as elt_frame(id) until the returned
// function is called.
func Share(f *Frame) (id int64, unshare func()) {
	id = nextFrame.Add(1)
	frames.Store(id, f)
	return id, func() { frames.Delete(id) }
}

// registerFrames creates the table function elt_frame(id) in the database
// (its system catalog, so every connection has it).
func registerFrames(ctx context.Context, db *sql.DB) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	bigint, err := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	if err != nil {
		return err
	}
	fn := duckdb.ParallelChunkTableFunction{
		Config: duckdb.TableFunctionConfig{Arguments: []duckdb.TypeInfo{bigint}},
		BindArguments: func(_ map[string]any, args ...any) (duckdb.ParallelChunkTableSource, error) {
			id, _ := args[0].(int64)
			f, ok := frames.Load(id)
			if !ok {
				return nil, fmt.Errorf("elt_frame(%d): no such frame", id)
			}
			return &frameScan{f: f.(*Frame)}, nil
		},
	}
	if err := duckdb.RegisterTableUDF(conn, "elt_frame", fn); err != nil {
		return fmt.Errorf("register elt_frame: %w", err)
	}
	return nil
}

// frameScan is one scan of a frame: DuckDB's threads take the next
// chunk's worth of rows in turn, so what the query does with the rows runs
// on every thread.
type frameScan struct {
	f    *Frame
	next atomic.Int64
}

// unprojected is what duckdb-go's error for a column the query does not
// read says (its sentinel is not exported).
const unprojected = "unprojected column"

func (s *frameScan) ColumnInfos() []duckdb.ColumnInfo {
	bigint, _ := duckdb.NewTypeInfo(duckdb.TYPE_BIGINT)
	varchar, _ := duckdb.NewTypeInfo(duckdb.TYPE_VARCHAR)
	out := make([]duckdb.ColumnInfo, len(s.f.Columns))
	for i, c := range s.f.Columns {
		out[i] = duckdb.ColumnInfo{Name: c.Name, T: bigint}
		if c.Text() {
			out[i].T = varchar
		}
	}
	return out
}

func (s *frameScan) Cardinality() *duckdb.CardinalityInfo {
	return &duckdb.CardinalityInfo{Cardinality: uint(s.f.Rows), Exact: true}
}

func (s *frameScan) Init() duckdb.ParallelTableSourceInfo {
	return duckdb.ParallelTableSourceInfo{MaxThreads: max(1, s.f.Rows/(4*duckdb.GetDataChunkCapacity()))}
}

func (s *frameScan) NewLocalState() any { return struct{}{} }

func (s *frameScan) FillChunk(_ any, chunk duckdb.DataChunk) error {
	size := duckdb.GetDataChunkCapacity()
	from := int(s.next.Add(int64(size))) - size
	n := min(size, s.f.Rows-from)
	if n <= 0 {
		return chunk.SetSize(0)
	}
	if err := chunk.SetSize(n); err != nil {
		return err
	}
	for ci := range s.f.Columns {
		c := &s.f.Columns[ci]
		vec, err := chunk.GetVector(ci)
		if err != nil {
			if strings.Contains(err.Error(), unprojected) {
				continue // a column the query does not read
			}
			return err
		}
		direct, ok := rawVector(vec)
		for r := 0; r < n; r++ {
			var err error
			switch {
			case c.Null != nil && c.Null[from+r]:
				err = chunk.SetValue(ci, r, nil)
			case !ok && c.Text():
				err = duckdb.SetChunkValue(chunk, ci, r, c.value(from+r))
			case !ok:
				err = duckdb.SetChunkValue(chunk, ci, r, c.Ints[from+r])
			case c.Text():
				direct.setString(r, c.value(from+r))
			default:
				direct.setInt(r, c.Ints[from+r])
			}
			if err != nil {
				return fmt.Errorf("elt_frame column %s row %d: %w", c.Name, from+r, err)
			}
		}
	}
	return nil
}

// A direct is a chunk's vector written in place: its data (BIGINT values,
// or VARCHAR's 16-byte string_t) and its C handle. Through duckdb-go, each
// value is a call into C; in place, only a string too long to be inlined
// is one (DuckDB copies it into the vector's heap, checking its UTF-8), and
// a NULL. Scanning 1.14M records of 6 fields (4 of them inlined) took
// 0.23-0.24 s against 0.36-0.44 s (design/performance.md).
type direct struct {
	data unsafe.Pointer
	vec  mapping.Vector
}

// vectorLayout is where duckdb-go keeps a vector's data pointer and C
// handle, both unexported: the index of Vector's field v, and of dataPtr and
// vec in the struct v points to. ok is false when they are not there with
// exactly the types expected (another driver version): values then go
// through duckdb-go, and TestFrameDirect fails.
type vectorLayout struct {
	v, data, vec int
	ok           bool
}

var layout = findLayout()

func findLayout() vectorLayout {
	v, ok := reflect.TypeOf(duckdb.Vector{}).FieldByName("v")
	if !ok || v.Type.Kind() != reflect.Pointer || v.Type.Elem().Kind() != reflect.Struct {
		return vectorLayout{}
	}
	data, okData := v.Type.Elem().FieldByName("dataPtr")
	vec, okVec := v.Type.Elem().FieldByName("vec")
	if !okData || !okVec || len(data.Index) != 1 || len(vec.Index) != 1 ||
		data.Type != reflect.TypeOf(unsafe.Pointer(nil)) || vec.Type != reflect.TypeOf(mapping.Vector{}) {
		return vectorLayout{}
	}
	return vectorLayout{v: v.Index[0], data: data.Index[0], vec: vec.Index[0], ok: true}
}

// rawVector is a vector to write in place; ok is false when it cannot be.
func rawVector(v duckdb.Vector) (d direct, ok bool) {
	if !layout.ok {
		return d, false
	}
	p := reflect.ValueOf(&v).Elem().Field(layout.v)
	if p.IsNil() {
		return d, false
	}
	e := p.Elem()
	d.data = *(*unsafe.Pointer)(unsafe.Pointer(e.Field(layout.data).UnsafeAddr()))
	d.vec = *(*mapping.Vector)(unsafe.Pointer(e.Field(layout.vec).UnsafeAddr()))
	return d, d.data != nil && d.vec.Ptr != nil
}

// setInt writes row r of a BIGINT vector.
func (d direct) setInt(r int, v int64) { *(*int64)(unsafe.Add(d.data, 8*r)) = v }

// inlined is the longest string DuckDB keeps inside its string_t: a
// 4-byte length and up to 12 bytes, the rest zero.
const inlined = 12

// setString writes row r of a VARCHAR vector: in place when s is short and
// UTF-8, else through DuckDB's C call (which copies s into the vector's
// heap, and makes a value that is not UTF-8 NULL).
func (d direct) setString(r int, s string) {
	if len(s) > inlined || !utf8.ValidString(s) {
		mapping.VectorAssignStringElement(d.vec, mapping.IdxT(r), s)
		return
	}
	p := (*[16]byte)(unsafe.Add(d.data, 16*r))
	*p = [16]byte{}
	*(*uint32)(unsafe.Pointer(&p[0])) = uint32(len(s))
	copy(p[4:], s)
}
