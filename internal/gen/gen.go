// Package gen writes synthetic bronze data that follows the data contract:
// NDJSON events, CSV transactions and CSV user snapshots under dt=
// partitions, deterministic for a seed, with realistic dirt at a chosen
// rate (late and re-sent events, mixed timestamp formats and zones, integer
// ids, malformed lines, bad CSV rows, reordered headers). The events can
// go to a function instead of files (EventSink: elt generate --kafka), and
// the whole to an s3:// prefix (Write).
package gen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options size the data set.
type Options struct {
	Events int
	Users  int
	Days   int
	Seed   uint64
	Dirty  float64 // share of records given some dirt, 0..1
	Start  time.Time
	Out    string // bronze root
	// Batch, when set, writes an extra batch on top of an earlier data set:
	// its files (part-<batch>-NNNN) sort after the earlier ones in the same
	// dt= partitions, its event and transaction ids are new, its sessions
	// are the earlier ones (so its events are late data for old sessions),
	// and it writes no users.
	Batch string
	// FraudRate plants, per day, bursts the velocity rule must find (four to
	// six transactions of one user within 30 s, users f<day><n>) and as
	// many near misses it must not (four transactions spread over 61 s,
	// users n<day><n>): FraudRate × Users of each a day, at least one when
	// above 0. Their transactions go to a file of their own.
	FraudRate float64
	// EventSink, when set, is given the events instead of the events/
	// files: each line as it would be written, without its line break, in
	// the order of the files' paths (a day's events, then the late ones of
	// the day before), from one goroutine, after all is generated and
	// before any other file is put in place; then once more with nil, so a
	// sink that batches can write what it holds. The line is valid only
	// during the call. An error stops Generate, which writes no file.
	EventSink func(line []byte) error

	w *writer // the files being written, set by Generate
}

// part names a data file, part-0001.json or part-<batch>-0001.json.
func (o Options) part(n int, ext string) string {
	if o.Batch != "" {
		return fmt.Sprintf("part-%s-%04d.%s", o.Batch, n, ext)
	}
	return fmt.Sprintf("part-%04d.%s", n, ext)
}

// idPrefix keeps a batch's event and transaction ids apart from earlier ones.
func (o Options) idPrefix() string {
	if o.Batch != "" {
		return o.Batch + "-"
	}
	return ""
}

// Stats counts what was written: Files are the files (the events' not
// counted when they went to the EventSink).
type Stats struct {
	Events, Transactions, Users, Files int
}

var batchRe = regexp.MustCompile(`^[A-Za-z0-9]+$`)

var (
	countries  = []string{"AR", "BR", "CL", "CO", "ES", "MX", "PE", "US"}
	devices    = []string{"ios", "android", "web"}
	eventTypes = []string{"page_view", "page_view", "page_view", "click", "click", "search", "add_to_cart", "checkout", "login"}
	currencies = []string{"USD", "EUR", "PEN", "COP", "MXN"}
	queries    = []string{`"zapatos"`, `"café"`, `"niño ☕"`, `null`}
)

// Generate writes the data set under o.Out.
func Generate(o Options) (Stats, error) {
	if o.Days < 1 || o.Users < 1 || o.Events < 0 {
		return Stats{}, fmt.Errorf("events, users and days must be positive")
	}
	if o.Batch != "" && !batchRe.MatchString(o.Batch) {
		return Stats{}, fmt.Errorf("--batch %q: use letters and digits only", o.Batch)
	}
	if o.Dirty < 0 || o.Dirty > 1 {
		return Stats{}, fmt.Errorf("--dirty is a share between 0 and 1, found %v", o.Dirty)
	}
	if !(o.FraudRate >= 0 && o.FraudRate <= 1) {
		return Stats{}, fmt.Errorf("--fraud-rate is a share between 0 and 1, found %v", o.FraudRate)
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	}
	o.w = &writer{}
	if o.EventSink != nil {
		// The events are written aside, to be read back in order.
		aside, err := os.MkdirTemp("", "elt-generate-events-")
		if err != nil {
			return Stats{}, err
		}
		defer os.RemoveAll(aside)
		o.w.aside = aside
	}
	st, err := generate(o)
	if err == nil && o.EventSink != nil {
		err = o.w.emit(o.EventSink)
	}
	if err == nil {
		st.Files = len(o.w.files)
		err = o.w.commit()
	}
	if err != nil {
		o.w.abandon()
		return Stats{}, err
	}
	return st, nil
}

// generate writes the data set aside (see writer).
func generate(o Options) (Stats, error) {
	var st Stats
	var mu sync.Mutex
	errs := make(chan error, o.Days+1)
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for d := 0; d < o.Days; d++ {
		wg.Add(1)
		go func(d int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ds, err := genDay(o, d)
			if err != nil {
				errs <- err
				return
			}
			mu.Lock()
			st.Events += ds.Events
			st.Transactions += ds.Transactions
			mu.Unlock()
		}(d)
	}
	var us Stats
	if o.Batch == "" {
		var err error
		if us, err = genUsers(o); err != nil {
			errs <- err
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		return st, e
	}
	st.Users = us.Users
	return st, nil
}

// ExistsError refuses to write over a bronze file: one that was ingested
// would then differ from the manifest.
type ExistsError struct{ Path string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s already exists: elt generate never overwrites bronze files (a build may have ingested them), "+
		"and wrote nothing; add a later batch with --batch NAME, or write to an empty folder with --out", e.Path)
}

// file is a buffered output file under the bronze root, written aside
// (tmp, a hidden .tmp name in its folder, which no source reads) until
// Generate renames it into place at path.
type file struct {
	f         *os.File
	w         *bufio.Writer
	tmp, path string
}

// writer keeps the files a Generate writes, so that they go into place
// together once all are whole, and none does when anything fails.
type writer struct {
	mu    sync.Mutex
	files []*file
	dirs  []string // folders it made
	// aside, when set, is a temporary folder where the events/ files go,
	// to be given to the EventSink (events) rather than put in place.
	aside  string
	events []*file
}

// create starts the file root/parts… aside; a file already at that path
// is refused at once.
func (o Options) create(parts ...string) (*file, error) {
	if o.w.aside != "" && parts[0] == "events" {
		return o.w.createAside(parts...)
	}
	p := filepath.Join(append([]string{o.Out}, parts...)...)
	if _, err := os.Lstat(p); err == nil {
		return nil, &ExistsError{Path: p}
	}
	if err := o.w.mkdirAll(filepath.Dir(p)); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".*.tmp")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp's is 0600
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	out := &file{f: f, w: bufio.NewWriterSize(f, 1<<20), tmp: f.Name(), path: p}
	o.w.mu.Lock()
	o.w.files = append(o.w.files, out)
	o.w.mu.Unlock()
	return out, nil
}

// createAside starts the file aside/parts…, for the EventSink.
func (w *writer) createAside(parts ...string) (*file, error) {
	p := filepath.Join(append([]string{w.aside}, parts...)...)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	out := &file{f: f, w: bufio.NewWriterSize(f, 1<<20), tmp: p, path: p}
	w.mu.Lock()
	w.events = append(w.events, out)
	w.mu.Unlock()
	return out, nil
}

// emit reads the events files back in the order of their paths and gives
// sink each line without its line break, then nil.
func (w *writer) emit(sink func(line []byte) error) error {
	slices.SortFunc(w.events, func(a, b *file) int { return strings.Compare(a.path, b.path) })
	var line []byte
	for _, f := range w.events {
		in, err := os.Open(f.path)
		if err != nil {
			return err
		}
		r := bufio.NewReaderSize(in, 1<<20)
		for {
			chunk, err := r.ReadSlice('\n')
			line = append(line[:0], chunk...)
			for errors.Is(err, bufio.ErrBufferFull) {
				chunk, err = r.ReadSlice('\n')
				line = append(line, chunk...)
			}
			if err != nil && !errors.Is(err, io.EOF) {
				in.Close()
				return fmt.Errorf("reading back %s: %w", f.path, err)
			}
			if len(line) > 0 {
				if serr := sink(bytes.TrimSuffix(line, []byte("\n"))); serr != nil {
					in.Close()
					return serr
				}
			}
			if err != nil { // io.EOF
				break
			}
		}
		in.Close()
	}
	return sink(nil)
}

// mkdirAll makes dir and its missing parents, remembering those it made.
func (w *writer) mkdirAll(dir string) error {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := len(missing) - 1; i >= 0; i-- {
		w.dirs = append(w.dirs, missing[i])
	}
	return nil
}

func (f *file) close() error {
	if err := f.w.Flush(); err != nil {
		f.f.Close()
		return err
	}
	return f.f.Close()
}

// commit moves every file into place, never over one that appeared
// meanwhile (a hard link fails on an existing name; where links are not
// supported, the name is checked just before the rename). If one cannot
// go, those moved already are taken back, so a refusal leaves nothing.
func (w *writer) commit() error {
	for i, f := range w.files {
		err := os.Link(f.tmp, f.path)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			if _, serr := os.Lstat(f.path); serr == nil {
				err = fs.ErrExist
			} else {
				err = os.Rename(f.tmp, f.path)
			}
		}
		if errors.Is(err, fs.ErrExist) {
			err = &ExistsError{Path: f.path}
		}
		if err != nil {
			for _, done := range w.files[:i] {
				os.Remove(done.path)
			}
			return err
		}
	}
	w.discard()
	return nil
}

// discard closes and removes the files written aside (after commit, the
// names they had aside).
func (w *writer) discard() {
	for _, f := range w.files {
		f.f.Close()
		os.Remove(f.tmp)
	}
	for _, f := range w.events {
		f.f.Close() // removed with the folder aside
	}
}

// abandon removes everything written: the files aside and the folders made
// for them (those left empty).
func (w *writer) abandon() {
	w.discard()
	// Deepest first (a folder's path is longer than its parent's): the
	// writers made them in any order.
	slices.SortFunc(w.dirs, func(a, b string) int { return len(b) - len(a) })
	for _, d := range w.dirs {
		os.Remove(d) // only if empty
	}
}

func dt(t time.Time) string { return "dt=" + t.Format("2006-01-02") }

// ts renders a timestamp in one of the contract's forms; dirt picks the
// unusual ones.
func ts(b []byte, t time.Time, r *rand.Rand, dirty bool, quoteJSON bool) []byte {
	q := func(b []byte) []byte {
		if quoteJSON {
			return append(b, '"')
		}
		return b
	}
	if !dirty {
		b = q(b)
		b = t.AppendFormat(b, "2006-01-02T15:04:05Z")
		return q(b)
	}
	switch r.IntN(5) {
	case 0: // epoch milliseconds: a JSON integer, or digits in CSV
		return strconv.AppendInt(b, t.UnixMilli(), 10)
	case 1:
		b = q(b)
		b = t.In(time.FixedZone("", -5*3600)).AppendFormat(b, "2006-01-02T15:04:05-07:00")
		return q(b)
	case 2:
		b = q(b)
		b = t.AppendFormat(b, "2006-01-02 15:04:05")
		return q(b)
	case 3:
		b = q(b)
		b = t.In(time.FixedZone("", 5*3600+1800)).AppendFormat(b, "2006-01-02T15:04:05.000000-07:00")
		return q(b)
	}
	b = q(b)
	b = t.AppendFormat(b, "2006-01-02T15:04:05.000Z")
	return q(b)
}

type dayStats struct{ Events, Transactions int }

// plantFraud writes a day's planted bursts and near misses to their own
// transactions file: all completed, each burst user's and each near-miss
// user's only transactions.
func plantFraud(o Options, d int, day time.Time) (int, error) {
	n := int(o.FraudRate*float64(o.Users) + 0.999999)
	if o.FraudRate == 0 {
		return 0, nil
	}
	f, err := o.create("transactions", dt(day), o.part(9, "csv"))
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(o.Seed+7, uint64(d)+1))
	f.w.WriteString("transaction_id,session_id,user_id,amount,currency,status,transaction_timestamp\n")
	count := 0
	for i := 0; i < n; i++ {
		start := day.Add(time.Duration(r.Int64N(int64(22 * time.Hour))))
		burst := 4 + r.IntN(3)
		for k := 0; k < burst; k++ { // within 30 s: the 4th and later are flagged
			at := start.Add(time.Duration(k*30/(burst-1)) * time.Second)
			fmt.Fprintf(f.w, "%sfb%02d%05d-%d,sf%02d%05d,f%02d%05d,%d.00,USD,completed,%s\n", o.idPrefix(), d, i, k, d, i, d, i, 10+k, at.Format("2006-01-02 15:04:05"))
			count++
		}
		for k := 0; k < 4; k++ { // over 61 s: never more than 3 in a closed 60 s window
			at := start.Add(time.Hour).Add(time.Duration(k*61000/3) * time.Millisecond)
			fmt.Fprintf(f.w, "%snm%02d%05d-%d,sn%02d%05d,n%02d%05d,%d.00,USD,completed,%s\n", o.idPrefix(), d, i, k, d, i, d, i, 10+k, at.Format("2006-01-02 15:04:05.000"))
			count++
		}
	}
	return count, f.close()
}

// genDay writes one day's events and transactions, plus the late arrivals
// and re-sent duplicates that land with the next day.
func genDay(o Options, d int) (dayStats, error) {
	var st dayStats
	r := rand.New(rand.NewPCG(o.Seed, uint64(d)+1))
	day := o.Start.AddDate(0, 0, d)
	next := day.AddDate(0, 0, 1)
	var files [4]*file
	for i, p := range [][]string{
		{"events", dt(day), o.part(1, "json")}, {"events", dt(next), o.part(2, "json")},
		{"transactions", dt(day), o.part(1, "csv")}, {"transactions", dt(next), o.part(2, "csv")},
	} {
		f, err := o.create(p...)
		if err != nil {
			return st, err
		}
		files[i] = f
	}
	ev, late, tx, txLate := files[0], files[1], files[2], files[3]
	planted, err := plantFraud(o, d, day)
	if err != nil {
		return st, err
	}
	st.Transactions += planted
	tx.w.WriteString("transaction_id,session_id,user_id,amount,currency,status,transaction_timestamp\n")
	// The late file reorders its header: columns are matched by name.
	txLate.w.WriteString("transaction_timestamp,status,transaction_id,session_id,user_id,currency,amount\n")

	perDay := o.Events / o.Days
	if d < o.Events%o.Days {
		perDay++
	}
	var buf []byte
	sess := 0
	for n := 0; n < perDay; sess++ {
		sid := fmt.Sprintf("s%02d%07d", d, sess)
		size := 1 + r.IntN(12)
		if size > perDay-n {
			size = perDay - n
		}
		user := ""
		if r.Float64() > 0.08 {
			user = fmt.Sprintf("u%06d", r.IntN(o.Users))
		}
		t := day.Add(time.Duration(r.Int64N(int64(24*time.Hour - time.Hour))))
		for i := 0; i < size; i++ {
			t = t.Add(time.Duration(1+r.IntN(90)) * time.Second)
			dirty := r.Float64() < o.Dirty
			out := ev
			kind := -1
			if dirty {
				kind = r.IntN(8)
			}
			if kind == 0 { // late: arrives with the next day's files
				out = late
			}
			buf = buf[:0]
			if kind == 1 {
				buf = append(buf, `{"event_id": "broken`...) // truncated line
				buf = strconv.AppendInt(buf, int64(n), 10)
				buf = append(buf, '\n')
				out.w.Write(buf)
				n++
				st.Events++
				continue
			}
			buf = append(buf, `{"event_id": `...)
			if kind == 2 { // integer id
				buf = strconv.AppendInt(buf, int64(d)*100_000_000+int64(n), 10)
			} else {
				buf = append(buf, '"')
				buf = append(buf, o.idPrefix()...)
				buf = append(buf, 'e')
				buf = append(buf, sid[1:]...)
				buf = append(buf, '_')
				buf = strconv.AppendInt(buf, int64(i), 10)
				buf = append(buf, '"')
			}
			if kind != 3 { // 3: no session_id
				buf = append(buf, `, "session_id": "`...)
				buf = append(buf, sid...)
				buf = append(buf, '"')
			}
			buf = append(buf, `, "user_id": `...)
			if user == "" {
				buf = append(buf, "null"...)
			} else {
				buf = append(buf, '"')
				buf = append(buf, user...)
				buf = append(buf, '"')
			}
			buf = append(buf, `, "event_type": "`...)
			et := eventTypes[r.IntN(len(eventTypes))]
			if kind == 4 {
				buf = append(buf, " Page_View "...) // normalised by lower(trim())
			} else {
				buf = append(buf, et...)
			}
			buf = append(buf, `", "event_timestamp": `...)
			if kind == 5 {
				buf = append(buf, `"yesterday"`...)
			} else {
				buf = ts(buf, t, r, kind == 6, true)
			}
			buf = append(buf, `, "properties": {"page": "/p/`...)
			buf = strconv.AppendInt(buf, int64(r.IntN(500)), 10)
			buf = append(buf, `", "q": `...)
			buf = append(buf, queries[r.IntN(len(queries))]...)
			buf = append(buf, "}}\n"...)
			out.w.Write(buf)
			if kind == 7 { // re-sent: the same event again, with the next day's files
				late.w.Write(buf)
				st.Events++
			}
			n++
			st.Events++
		}
		if r.Float64() < 0.2 {
			st.Transactions += writeTransaction(tx, txLate, r, o.idPrefix()+"t"+sid[1:], sid, user, t, o.Dirty)
		}
	}
	for _, f := range files {
		if err := f.close(); err != nil {
			return st, err
		}
	}
	return st, nil
}

func writeTransaction(tx, txLate *file, r *rand.Rand, id, sid, user string, t time.Time, dirt float64) int {
	amount := fmt.Sprintf("%d.%02d", 1+r.IntN(2000), r.IntN(100))
	cur := currencies[r.IntN(len(currencies))]
	t = t.Add(time.Duration(5+r.IntN(60)) * time.Second)
	status := "completed"
	if r.Float64() < 0.25 {
		status = "pending" // completed later, in the next day's file
	} else if r.Float64() < 0.1 {
		status = "failed"
	}
	if r.Float64() < dirt {
		switch r.IntN(4) {
		case 0:
			amount = "12.345"
		case 1:
			cur = "US"
		case 2:
			fmt.Fprintf(tx.w, "%s,%s,%s,%s\n", id, sid, user, amount) // short row
			return 1
		case 3:
			cur = ` "eur" `
		}
	}
	var b []byte
	b = append(b, id+","+sid+","+user+","+amount+","+cur+","+status+","...)
	b = ts(b, t, r, r.Float64() < dirt, false)
	b = append(b, '\n')
	tx.w.Write(b)
	if status != "pending" {
		return 1
	}
	b = ts(b[:0], t.Add(time.Duration(30+r.IntN(600))*time.Second), r, false, false)
	fmt.Fprintf(txLate.w, "%s,completed,%s,%s,%s,%s,%s\n", b, id, sid, user, cur, amount)
	return 2
}

// genUsers writes a first snapshot of every user and a later one with a
// share of them changed (reordered header, an extra column).
func genUsers(o Options) (Stats, error) {
	var st Stats
	r := rand.New(rand.NewPCG(o.Seed, 0))
	first, err := o.create("users", dt(o.Start.AddDate(0, 0, -1)), "part-0001.csv")
	if err != nil {
		return st, err
	}
	later, err := o.create("users", dt(o.Start.AddDate(0, 0, o.Days/2)), "part-0001.csv")
	if err != nil {
		return st, err
	}
	first.w.WriteString("user_id,country,device,signup_date,updated_at\n")
	later.w.WriteString("updated_at,user_id,extra_col,device,country,signup_date\n")
	for i := 0; i < o.Users; i++ {
		id := fmt.Sprintf("u%06d", i)
		signup := o.Start.AddDate(0, 0, -30-r.IntN(700)).Format("2006-01-02")
		upd := o.Start.AddDate(0, 0, -r.IntN(30)).Add(time.Duration(r.IntN(86400)) * time.Second)
		country := countries[r.IntN(len(countries))]
		if r.Float64() < o.Dirty {
			country = " " + country + " "
		}
		fmt.Fprintf(first.w, "%s,%s,%s,%s,%s\n", id, country, devices[r.IntN(len(devices))], signup, upd.Format(time.RFC3339))
		st.Users++
		if r.Float64() < 0.1 {
			upd2 := upd.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			fmt.Fprintf(later.w, "%s,%s,x,%s,%s,%s\n", upd2.Format(time.RFC3339), id, devices[r.IntN(len(devices))], countries[r.IntN(len(countries))], signup)
			st.Users++
		}
	}
	if err := first.close(); err != nil {
		return st, err
	}
	return st, later.close()
}
