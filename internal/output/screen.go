package output

import (
	"database/sql"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/digitalservices/elt/internal/diag"
)

// ReadLimit consumes rows, keeping the first limit (all when limit < 0),
// each made plain by plain (as Read), and counting the rest in Total
// without converting them.
func ReadLimit(rows *sql.Rows, limit int, plain func(row []any)) (*Result, error) {
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	r := &Result{}
	for _, c := range cols {
		r.Columns = append(r.Columns, c.Name())
		r.Types = append(r.Types, c.DatabaseTypeName())
	}
	var n int64
	for rows.Next() {
		n++
		if limit >= 0 && len(r.Rows) >= limit {
			continue
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		plain(vals)
		r.Rows = append(r.Rows, vals)
	}
	if n > int64(len(r.Rows)) {
		r.Total = n
	}
	return r, rows.Err()
}

// minColumn is the narrowest a column is cut to before a table is shown
// vertically instead.
const minColumn = 6

// WriteScreen renders r as a table that fits width columns of a terminal:
// the widest columns are cut with … until it fits, and when even that
// cannot fit, each row is shown vertically (column = value, one a line,
// like DuckDB's .mode line). The last line says how many rows there are
// and how many are shown.
func WriteScreen(w io.Writer, r *Result, width int) error {
	cs := cells(r, "NULL")
	ws := widths(r, cs)
	fit := append([]int(nil), ws...)
	total := func() int {
		n := 1
		for _, x := range fit {
			n += x + 3
		}
		return n
	}
	for total() > width {
		widest := -1
		for i, x := range fit {
			if x > minColumn && (widest < 0 || x > fit[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		fit[widest]--
	}
	var b strings.Builder
	if total() <= width {
		cut := &Result{Columns: make([]string, len(r.Columns)), Types: r.Types}
		for i, c := range r.Columns {
			cut.Columns[i] = truncate(c, fit[i])
		}
		rows := make([][]string, len(cs))
		for ri, row := range cs {
			rows[ri] = make([]string, len(row))
			for i, v := range row {
				rows[ri][i] = truncate(v, fit[i])
			}
		}
		writeBox(&b, cut, rows, fit)
	} else {
		name := 0
		for _, c := range r.Columns {
			name = max(name, utf8.RuneCountInString(c))
		}
		name = min(name, width/3)
		for ri, row := range cs {
			label := fmt.Sprintf("── row %d ", ri+1)
			b.WriteString(label + strings.Repeat("─", max(0, width-utf8.RuneCountInString(label))) + "\n")
			for i, v := range row {
				b.WriteString(pad(truncate(r.Columns[i], name), name, false) + " │ " + truncate(v, width-name-3) + "\n")
			}
		}
	}
	b.WriteString(rowsLine(r))
	_, err := io.WriteString(w, b.String())
	return err
}

// rowsLine counts the rows, and says how to see those not shown.
func rowsLine(r *Result) string {
	shown := int64(len(r.Rows))
	if r.Total <= shown {
		return fmt.Sprintf("%d row%s\n", shown, diag.Plural(int(shown)))
	}
	return fmt.Sprintf("%s rows, %d shown (--limit N or --all for more)\n", Count(r.Total), shown)
}

// truncate cuts s to n runes, the last one an ellipsis when cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	rs := []rune(s)
	return string(rs[:n-1]) + "…"
}
