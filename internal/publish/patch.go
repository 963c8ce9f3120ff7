package publish

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/publish/csvpatch"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Changes is what changed in a model's rows after the run its export last
// took (state.ExportChangesSince).
type Changes struct {
	// Since is that run's version (state.Runs.Version).
	Since string
	// Keys is how many of the model's keys changed since.
	Keys int64
	// Query returns those keys as text (column key).
	Query string
}

// patchKeys are the types of a unique_key whose values Patch matches by
// the text DuckDB writes of them: text that names one value only, and that
// casts back to it.
var patchKeys = map[string]bool{"VARCHAR": true, "TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true,
	"UTINYINT": true, "USMALLINT": true, "UINTEGER": true, "UBIGINT": true, "UUID": true, "DATE": true}

// errPatchCount says that a patched CSV export would not hold the model's
// rows one for one: the export is written whole instead.
var errPatchCount = errors.New("its rows would not match the model's")

// Patch brings the export of m in output up to date when only some keys of
// its rows changed since the run it holds: of its CSV files, only the
// changed keys' rows are written, and the other rows' records are copied
// (a file that gained or lost none is linked). Its other formats are
// written whole. As Write, it writes into a fresh folder, records what it
// holds and swaps it in.
//
// It applies when the export holds the rows of ch's run (see holds), the
// model has a unique_key of a type in patchKeys, and at most a quarter of
// its keys changed; it returns false, having written nothing, otherwise.
// Each file's records whose key field is the text of a changed key are
// left out (the keys written by DuckDB as the export writes them), and the
// changed keys' rows now are appended to the first file of their
// partition's folder, or make its file when it has none. A file left with
// no record goes, as DuckDB writes none. The records copied and appended
// must make the model's row count, or errPatchCount is returned, and the
// export is to be written whole.
//
// 10M events, +1%: gold.user_session_analysis's CSV files (113 MB, 15,353
// of 1,538,406 sessions changed) in about 0.2 s against 0.8 s.
func Patch(ctx context.Context, q warehouse.Querier, m *project.Model, output string, ch Changes, version string, runID int64) (rows int64, patched bool, err error) {
	e := m.Header.Export
	key := m.Header.UniqueKey
	if e == nil || !slices.Contains(e.Formats, "csv") || key == "" || ch.Since == "" || ch.Query == "" {
		return 0, false, nil
	}
	final := Dir(output, m)
	r, x, ok := holds(ctx, q, m, final, ch.Since)
	if !ok || r.Rows == 0 {
		return 0, false, nil
	}
	k := slices.IndexFunc(x.t.Columns, func(c redshift.Column) bool { return strings.EqualFold(c.Name, key) })
	if k < 0 {
		return 0, false, nil
	}
	col := x.t.Columns[k]
	keyType := strings.ToUpper(strings.TrimSpace(col.Type))
	if !patchKeys[keyType] {
		return 0, false, nil
	}
	var total int64
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+sqlname.Qualified(m.Schema, m.Name).String()).Scan(&total); err != nil {
		return 0, false, err
	}
	if total == 0 || 4*ch.Keys > total {
		return 0, false, nil
	}
	tmp, old, err := aside(m, final, runID)
	if err != nil {
		return 0, false, err
	}
	defer func() {
		if err != nil || !patched {
			removeAll(tmp)
		}
	}()
	for _, f := range e.Formats {
		if f == "csv" {
			continue
		}
		if _, err := writeFormat(ctx, q, m, x, tmp, f); err != nil {
			return 0, false, err
		}
	}
	// The changed keys, as the export writes them, and their rows now.
	scratch := filepath.Join(tmp, ".patch")
	if err := mkdirAll(scratch, 0o755); err != nil {
		return 0, false, err
	}
	ident := sqlname.Ident(col.Name)
	keys := fmt.Sprintf("SELECT CAST(key AS %s) AS %s FROM (%s)", keyType, ident, ch.Query)
	mp, err := redshift.Map(col)
	if err != nil {
		return 0, false, err
	}
	keysFile := filepath.Join(scratch, "keys.csv")
	if _, err := q.ExecContext(ctx, fmt.Sprintf("COPY (SELECT %s FROM (%s)) TO %s (%s)", mp.Export, keys, sqlname.Literal(keysFile), copyOptions("csv", nil))); err != nil {
		return 0, false, fmt.Errorf("export %s as csv: %w", m.ID(), err)
	}
	added := filepath.Join(scratch, "csv")
	target := added
	if len(x.parts) == 0 {
		target = filepath.Join(added, "data.csv")
		if err := mkdirAll(added, 0o755); err != nil {
			return 0, false, err
		}
	}
	res, err := q.ExecContext(ctx, fmt.Sprintf("COPY (%s WHERE %s IN (SELECT %[2]s FROM (%s))) TO %s (%s)",
		x.sel, ident, keys, sqlname.Literal(target), copyOptions("csv", x.parts)))
	if err != nil {
		return 0, false, fmt.Errorf("export %s as csv: %w", m.ID(), err)
	}
	n, _ := res.RowsAffected()
	set, err := csvpatch.Keys(keysFile)
	if err != nil {
		return 0, false, err
	}
	olds, err := lake.LocalFiles(filepath.Join(final, "csv"))
	if err != nil {
		return 0, false, err
	}
	adds, err := lake.LocalFiles(added)
	if err != nil && !errors.Is(err, fs.ErrNotExist) { // no rows, no file
		return 0, false, err
	}
	kept, err := csvpatch.Files(ctx, filepath.Join(final, "csv"), olds, added, adds, filepath.Join(tmp, "csv"), k, set)
	if err != nil {
		return 0, false, fmt.Errorf("export %s as csv: %w", m.ID(), err)
	}
	if kept+n != total {
		return 0, false, fmt.Errorf("export %s as csv: %w (%d records kept and %d written, for %d rows)", m.ID(), errPatchCount, kept, n, total)
	}
	if err := removeAll(scratch); err != nil {
		return 0, false, err
	}
	if err := writeRecord(ctx, q, m, x, tmp, version, total); err != nil {
		return 0, false, fmt.Errorf("export %s: %w", m.ID(), err)
	}
	if err := swap(tmp, final, old); err != nil {
		return 0, false, err
	}
	return total, true, nil
}
