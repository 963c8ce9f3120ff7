// Package frame owns the rows Go prepares for DuckDB to read in bulk: a
// frame's columns, and the table function elt_frame(id) that scans a
// frame, or a stream of them in one statement.
package frame

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	duckdb "github.com/duckdb/duckdb-go/v2"
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
	json bool
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

// JSONColumn makes an empty VARCHAR column with room for n rows that an
// Arrow stream (ShareStreamOn) hands to DuckDB as JSON, which DuckDB then
// takes without parsing it (its cast from VARCHAR would, to check it). Its
// values need not all be JSON: a statement casts a row's value to VARCHAR
// (free), or to JSON where its maker vouches for it. elt_frame reads it as
// VARCHAR, and the same cast to JSON then checks the value.
func JSONColumn(name string, n int) *Column {
	c := TextColumn(name, n)
	c.json = true
	return c
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

// New makes a frame of columns that all hold the same number of rows.
func New(cols ...*Column) (*Frame, error) {
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

// frames holds the frames (*Frame) and streams (*stream) a query may
// scan, by id.
var (
	frames    sync.Map
	nextFrame atomic.Int64
)

// Share makes a frame readable as elt_frame(id) until the returned
// function is called.
func Share(f *Frame) (id int64, unshare func()) {
	id = nextFrame.Add(1)
	frames.Store(id, f)
	return id, func() { frames.Delete(id) }
}

// A Stream is frames one scan of elt_frame(id) reads one after another,
// so that one statement loads many: first, then each that Next gives
// until it gives nil (or an error, which fails the statement). Every frame
// has first's columns. Done, when set, is told of each frame once every
// chunk taken from it has been through the statement's pipeline: a thread
// takes its next chunk only after pushing its last one through (the
// pipeline of a scan, its projections and filters, and an INSERT). A
// thread that fails the statement never comes back, and DuckDB waits for
// the others: Next must not wait for Done to be told of a frame.
type Stream struct {
	Next func() (*Frame, error)
	Done func(*Frame)
}

type stream struct {
	Stream
	first *Frame
	id    int64
	// scanned is set by the scan that reads the stream: another (a
	// statement that reads elt_frame(id) twice) fails rather than waits
	// for frames the first took.
	scanned atomic.Bool
}

// ShareStream makes a stream readable as elt_frame(id), by one scan, until
// the returned function is called. Next and Done are called on DuckDB's
// threads, one call at a time.
func ShareStream(first *Frame, s Stream) (id int64, unshare func()) {
	id = nextFrame.Add(1)
	frames.Store(id, &stream{Stream: s, first: first, id: id})
	return id, func() { frames.Delete(id) }
}

// ShareStreamOn makes a stream readable by one statement on conn, and
// returns the relation the statement reads it as, and what to call after
// the statement. define readies the statement to read the relation it is
// given (a view over it, say); whole tells whether the statement then
// reads the relation whole (ReadsWhole).
//
// When elt is built with Arrow (the duckdb_arrow build tag, as make builds
// it) the relation is first an Arrow view of conn's: DuckDB scans Go's
// record batches, each column of a batch one copy in C's memory, where
// elt_frame costs a call into DuckDB for each value (2M rows of 2 BIGINT
// and 6 VARCHAR columns: half the CPU; design/performance.md). DuckDB 1.5
// tells an Arrow stream registered through its C API (duckdb_arrow_scan,
// which duckdb-go's Arrow.RegisterView calls) neither the columns a
// statement reads nor its filters, yet reads the batches it gets as if they
// held only those columns and rows: a statement reading some columns reads
// the wrong ones. So the view is kept only when whole says the statement
// reads it whole; otherwise, or without Arrow, or with no conn, the
// relation is elt_frame(id) (ShareStream), which define is given in turn.
// The Arrow view is dropped by unshare (an error of which leaves it in the
// statement's transaction, which must then not commit).
func ShareStreamOn(ctx context.Context, conn *sql.Conn, first *Frame, s Stream, define func(rel string) error, whole func(rel string) (bool, error)) (rel string, unshare func() error, err error) {
	if Arrow && conn != nil {
		rel, unshare, err := shareArrow(ctx, conn, first, s)
		if err != nil {
			return "", nil, err
		}
		ok := false
		if err = define(rel); err == nil {
			ok, err = whole(rel)
		}
		if err == nil && ok {
			return rel, unshare, nil
		}
		if uerr := unshare(); err == nil {
			err = uerr
		}
		if err != nil {
			return "", nil, err
		}
	}
	id, stop := ShareStream(first, s)
	rel = fmt.Sprintf("elt_frame(%d)", id)
	if err := define(rel); err != nil {
		stop()
		return "", nil, err
	}
	return rel, func() error { stop(); return nil }, nil
}

// Register creates the table function elt_frame(id) in the database
// (its system catalog, so every connection has it); warehouse.Open does.
func Register(ctx context.Context, db *sql.DB) error {
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
			switch f, _ := frames.Load(id); f := f.(type) {
			case *Frame:
				return &frameScan{f: f}, nil
			case *stream:
				s := &frameScan{f: f.first, stream: f, out: map[*Frame]int{}}
				s.fetched = sync.NewCond(&s.mu)
				return s, nil
			}
			return nil, fmt.Errorf("elt_frame(%d): no such frame", id)
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
	// A stream's scan takes chunks under mu: f is the frame read now
	// (nil at the end), next its next row, out the chunks of each frame
	// whose threads have not come back for another; one thread at a time
	// asks for the next frame (fetching), the others wait (fetched).
	stream   *stream
	reads    bool // the stream's scan is this one
	mu       sync.Mutex
	out      map[*Frame]int
	fetching bool
	fetched  *sync.Cond
}

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
	return &duckdb.CardinalityInfo{Cardinality: uint(s.f.Rows), Exact: s.stream == nil}
}

func (s *frameScan) Init() duckdb.ParallelTableSourceInfo {
	if s.stream != nil {
		return duckdb.ParallelTableSourceInfo{MaxThreads: runtime.NumCPU()}
	}
	return duckdb.ParallelTableSourceInfo{MaxThreads: max(1, s.f.Rows/(4*duckdb.GetDataChunkCapacity()))}
}

// NewLocalState is a thread's: the frame of the chunk it took last.
func (s *frameScan) NewLocalState() any { return new(*Frame) }

// take gives a thread (held, its state) the frame and the rows of its next
// chunk: none at the end.
func (s *frameScan) take(held **Frame) (f *Frame, from, n int, err error) {
	size := duckdb.GetDataChunkCapacity()
	if s.stream == nil {
		from = int(s.next.Add(int64(size))) - size
		return s.f, from, max(0, min(size, s.f.Rows-from)), nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.reads {
		if !s.stream.scanned.CompareAndSwap(false, true) {
			return nil, 0, 0, fmt.Errorf("elt_frame(%d) is a stream of frames that one scan reads, and the statement reads it twice", s.stream.id)
		}
		s.reads = true
	}
	if *held != nil { // the thread is done with its last chunk
		s.out[*held]--
		s.done(*held)
		*held = nil
	}
	for s.f != nil && int(s.next.Load()) >= s.f.Rows {
		if s.fetching { // another thread asks Next: wait for it
			s.fetched.Wait()
			continue
		}
		// Next may wait for what Done gives back, so other threads may
		// come back meanwhile.
		s.fetching = true
		old := s.f
		s.mu.Unlock()
		f, err := s.stream.Next()
		s.mu.Lock()
		s.fetching = false
		s.fetched.Broadcast()
		s.f = f
		if err != nil {
			s.f = nil
			return nil, 0, 0, err
		}
		s.next.Store(0)
		s.done(old)
	}
	if s.f == nil {
		return nil, 0, 0, nil
	}
	from = int(s.next.Add(int64(size))) - size
	s.out[s.f]++
	*held = s.f
	return s.f, from, min(size, s.f.Rows-from), nil
}

// done tells the stream of f once the scan is past it and no chunk of it
// is out.
func (s *frameScan) done(f *Frame) {
	if f != s.f && s.out[f] == 0 {
		delete(s.out, f)
		if s.stream.Done != nil {
			s.stream.Done(f)
		}
	}
}

// FillChunk writes the next chunk's rows through duckdb-go's public
// setter, SetChunkValue: an integer is stored by Go, a string is one call
// into DuckDB's C API (duckdb_vector_assign_string_element, which copies it
// into the vector's heap and makes a value that is not UTF-8 NULL). A column
// the query does not read is passed over. elt_frame wrote integers and short strings straight
// into the vectors' memory, through duckdb-go's unexported fields, until
// its gain in a whole build proved within the noise (design/performance.md).
func (s *frameScan) FillChunk(state any, chunk duckdb.DataChunk) error {
	f, from, n, err := s.take(state.(**Frame))
	if err != nil {
		return err
	}
	if n <= 0 {
		return chunk.SetSize(0)
	}
	if err := chunk.SetSize(n); err != nil {
		return err
	}
	for ci := range f.Columns {
		c := &f.Columns[ci]
		if _, err := chunk.GetVector(ci); err != nil {
			// GetVector refuses a column the query does not read, which
			// SetChunkValue passes over without error: such a column is
			// passed over whole.
			if duckdb.SetChunkValue[any](chunk, ci, 0, nil) == nil {
				continue
			}
			return err
		}
		for r := 0; r < n; r++ {
			var err error
			switch {
			case c.Null != nil && c.Null[from+r]:
				err = chunk.SetValue(ci, r, nil)
			case c.text:
				err = duckdb.SetChunkValue(chunk, ci, r, c.value(from+r))
			default:
				err = duckdb.SetChunkValue(chunk, ci, r, c.Ints[from+r])
			}
			if err != nil {
				return fmt.Errorf("elt_frame column %s row %d: %w", c.Name, from+r, err)
			}
		}
	}
	return nil
}

// Pipelined tells whether DuckDB runs statement (one EXPLAIN takes) with
// its scan of elt_frame in one pipeline up to a filter that calls fn,
// with projections only between: each thread then pushes a chunk through
// that filter before it takes another, which is what a Stream's Done
// needs to mean that fn has seen every row of a frame. A join (a subquery)
// or a window on the way holds rows back, and is not.
func Pipelined(ctx context.Context, q querier, statement, fn string) (bool, error) {
	path, scans, err := scanPath(ctx, q, statement, "elt_frame")
	if err != nil || scans != 1 {
		return false, err
	}
	for i := len(path) - 2; i >= 0; i-- {
		switch {
		case path[i].Name == "PROJECTION":
		case path[i].Name == "FILTER" && path[i].mentions(strings.ToLower(fn)):
			return true, nil
		default:
			return false, nil
		}
	}
	return false, nil
}

// ReadsWhole tells whether DuckDB runs statement (one EXPLAIN takes) with
// one Arrow scan, of f's columns, all of them in their order, and no
// filter pushed into it: what an Arrow view of a stream needs
// (ShareStreamOn).
func ReadsWhole(ctx context.Context, q querier, statement string, f *Frame) (bool, error) {
	path, scans, err := scanPath(ctx, q, statement, "arrow_scan")
	if err != nil || scans != 1 {
		return false, err
	}
	var info map[string]any
	if err := json.Unmarshal(path[len(path)-1].Extra, &info); err != nil {
		return false, nil
	}
	if _, ok := info["Filters"]; ok {
		return false, nil
	}
	var read []string
	switch p := info["Projections"].(type) {
	case string:
		read = strings.Split(p, "\n")
	case []any:
		for _, v := range p {
			s, _ := v.(string)
			read = append(read, s)
		}
	}
	if len(read) != len(f.Columns) {
		return false, nil
	}
	for i, c := range f.Columns {
		if read[i] != c.Name {
			return false, nil
		}
	}
	return true, nil
}

type querier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

// operator is an operator of a plan in EXPLAIN (FORMAT JSON).
type operator struct {
	Name     string          `json:"name"`
	Children []operator      `json:"children"`
	Extra    json.RawMessage `json:"extra_info"`
}

func (o operator) mentions(name string) bool {
	return strings.Contains(strings.ToLower(o.Name+string(o.Extra)), name)
}

// scanPath is the operators of statement's plan from a root down to a scan
// (a leaf) that mentions name, and how many such scans the plan has (the
// path is the last one's).
func scanPath(ctx context.Context, q querier, statement, name string) (path []operator, scans int, err error) {
	var key, plan string
	if err := q.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+statement).Scan(&key, &plan); err != nil {
		return nil, 0, err
	}
	var roots []operator
	if err := json.Unmarshal([]byte(plan), &roots); err != nil {
		return nil, 0, fmt.Errorf("the plan of %.40s…: %w", statement, err)
	}
	var at []operator
	var find func(o operator)
	find = func(o operator) {
		at = append(at, o)
		if len(o.Children) == 0 && o.mentions(name) {
			scans++
			path = slices.Clone(at)
		}
		for _, c := range o.Children {
			find(c)
		}
		at = at[:len(at)-1]
	}
	for _, r := range roots {
		find(r)
	}
	return path, scans, nil
}
