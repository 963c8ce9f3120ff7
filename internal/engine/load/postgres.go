package load

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// Copy runs query on DuckDB and copies its rows into table on PostgreSQL
// with pgx's CopyFrom, in tx, one row at a time (DuckDB's rows are read as
// pgx sends them: no more than a row is held). Each DuckDB value becomes
// what pgx encodes for the column's type: DECIMAL, HUGEINT and UBIGINT as
// numeric, INTERVAL, UUID and TIME as pgx's types, JSON as its text
// (jsonb), TIME WITH TIME ZONE in timetz's binary form, NULL as NULL. It
// returns the rows copied. The table must exist with the columns in cols'
// order (CreateTable), and the query must have exactly the columns cols
// lists (Columns).
func Copy(ctx context.Context, duck warehouse.Querier, query string, tx pgx.Tx, table sqlname.Relation, cols []Column) (int64, error) {
	ident, err := identifier(table)
	if err != nil {
		return 0, err
	}
	src := &source{table: table, cols: cols, conv: make([]func(any) (any, error), len(cols))}
	for i, c := range cols {
		src.conv[i] = converter(strings.ToUpper(strings.Join(strings.Fields(c.Type), " ")))
	}
	sel, err := selectFrom(ctx, duck, query, cols, func(c Column, col string) string {
		switch t := strings.ToUpper(c.Type); {
		case t == "JSON" || strings.HasPrefix(t, "ENUM("):
			// duckdb-go hands JSON over parsed (object keys and number
			// digits lost): its text is what jsonb reads.
			return "CAST(" + col + " AS VARCHAR)"
		}
		return col
	})
	if err != nil {
		return 0, fmt.Errorf("copy into %s: %w", table, err)
	}
	rows, err := duck.QueryContext(ctx, sel)
	if err != nil {
		return 0, fmt.Errorf("copy into %s: run the query on DuckDB: %w", table, err)
	}
	defer rows.Close()
	src.rows = rows
	src.vals = make([]any, len(cols))
	src.ptrs = make([]any, len(cols))
	src.out = make([]any, len(cols))
	for i := range src.vals {
		src.ptrs[i] = &src.vals[i]
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = EngineName(c.Name)
	}
	n, err := tx.CopyFrom(ctx, ident, names, src)
	if src.err != nil {
		return 0, src.err
	}
	if err != nil {
		return 0, fmt.Errorf("copy into %s on PostgreSQL (after %d rows read from DuckDB): %w", table, src.n, err)
	}
	if n != src.n {
		return 0, fmt.Errorf("copy into %s: PostgreSQL took %d rows of the %d DuckDB gave", table, n, src.n)
	}
	return n, nil
}

// source is pgx's CopyFromSource over DuckDB's rows.
type source struct {
	table sqlname.Relation
	cols  []Column
	conv  []func(any) (any, error)
	rows  *sql.Rows
	vals  []any // scanned
	ptrs  []any // to vals
	out   []any // converted, what Values returns
	n     int64 // rows read
	err   error
}

func (s *source) Next() bool {
	if s.err != nil || !s.rows.Next() {
		return false
	}
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = fmt.Errorf("copy into %s: read row %d from DuckDB: %w", s.table, s.n+1, err)
		return false
	}
	s.n++
	for i, v := range s.vals {
		if v == nil {
			s.out[i] = nil
			continue
		}
		out, err := s.conv[i](warehouse.Plain(v))
		if err != nil {
			s.err = fmt.Errorf("copy into %s: row %d, column %s: %w", s.table, s.n, sqlname.Ident(s.cols[i].Name), err)
			return false
		}
		s.out[i] = out
	}
	return true
}

func (s *source) Values() ([]any, error) { return s.out, s.err }

func (s *source) Err() error {
	if s.err != nil {
		return s.err
	}
	if err := s.rows.Err(); err != nil {
		return fmt.Errorf("copy into %s: read from DuckDB after row %d: %w", s.table, s.n, err)
	}
	return nil
}

// converter turns a plain value (warehouse.Plain) of the DuckDB type t
// into what pgx encodes for the PostgreSQL type dialect.Type gives t.
func converter(t string) func(any) (any, error) {
	switch {
	case strings.HasPrefix(t, "DECIMAL") || strings.HasPrefix(t, "NUMERIC") || t == "HUGEINT" || t == "UHUGEINT" || t == "UBIGINT":
		return toNumeric
	case t == "INTERVAL":
		return toInterval
	case t == "UUID":
		return toUUID
	case t == "TIME":
		return toTime
	case t == "TIME WITH TIME ZONE":
		return toTimetz
	case t == "VARCHAR" || strings.HasPrefix(t, "VARCHAR(") || t == "TEXT" || t == "STRING" || t == "JSON" || strings.HasPrefix(t, "ENUM("):
		return toText
	}
	return func(v any) (any, error) { return v, nil }
}

func toNumeric(v any) (any, error) {
	switch x := v.(type) {
	case interface{ DecimalParts() (*big.Int, int) }:
		n, scale := x.DecimalParts()
		return pgtype.Numeric{Int: n, Exp: int32(-scale), Valid: true}, nil
	case *big.Int:
		return pgtype.Numeric{Int: x, Valid: true}, nil
	case uint64:
		return pgtype.Numeric{Int: new(big.Int).SetUint64(x), Valid: true}, nil
	case int64:
		return pgtype.Numeric{Int: big.NewInt(x), Valid: true}, nil
	}
	return nil, fmt.Errorf("a %T where a number was expected", v)
}

func toInterval(v any) (any, error) {
	x, ok := v.(interface {
		IntervalParts() (months, days int32, micros int64)
	})
	if !ok {
		return nil, fmt.Errorf("a %T where an interval was expected", v)
	}
	months, days, micros := x.IntervalParts()
	return pgtype.Interval{Months: months, Days: days, Microseconds: micros, Valid: true}, nil
}

func toUUID(v any) (any, error) {
	var u pgtype.UUID
	switch x := v.(type) {
	case []byte:
		if len(x) != 16 {
			return nil, fmt.Errorf("a UUID of %d bytes", len(x))
		}
		copy(u.Bytes[:], x)
		u.Valid = true
		return u, nil
	case string:
		return u, u.Scan(x)
	}
	return nil, fmt.Errorf("a %T where a UUID was expected", v)
}

// sinceMidnight is a time of day in microseconds.
func sinceMidnight(t time.Time) int64 {
	return int64(t.Hour())*3_600_000_000 + int64(t.Minute())*60_000_000 + int64(t.Second())*1_000_000 + int64(t.Nanosecond())/1000
}

func toTime(v any) (any, error) {
	t, ok := v.(time.Time)
	if !ok {
		return nil, fmt.Errorf("a %T where a time was expected", v)
	}
	return pgtype.Time{Microseconds: sinceMidnight(t), Valid: true}, nil
}

// toTimetz is timetz's binary form (pgx has no codec for it, so it sends
// the bytes as they are): the time of day in microseconds, then the zone
// in seconds west of UTC.
func toTimetz(v any) (any, error) {
	t, ok := v.(time.Time)
	if !ok {
		return nil, fmt.Errorf("a %T where a time was expected", v)
	}
	_, offset := t.Zone()
	b := binary.BigEndian.AppendUint64(nil, uint64(sinceMidnight(t)))
	return binary.BigEndian.AppendUint32(b, uint32(int32(-offset))), nil
}

// toText refuses what PostgreSQL's text cannot hold: a NUL character.
func toText(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("a %T where text was expected", v)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return nil, fmt.Errorf("the text holds a NUL character (chr(0)), which PostgreSQL cannot store: remove it in the model, with replace(value, chr(0), '')")
	}
	return s, nil
}

// identifier is a quoted relation name (sqlname.Relation) as pgx names a
// table: its parts, unquoted; a part written bare is folded to lower case,
// as PostgreSQL does.
func identifier(r sqlname.Relation) (pgx.Identifier, error) {
	s := string(r)
	var parts pgx.Identifier
	for {
		var part string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(s); i++ {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i++
						continue
					}
					break
				}
				b.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf("the table name %s has an unclosed quote", r)
			}
			part, s = b.String(), s[i+1:]
		} else {
			end := strings.IndexByte(s, '.')
			if end < 0 {
				end = len(s)
			}
			part, s = strings.ToLower(s[:end]), s[end:]
		}
		if part == "" {
			return nil, fmt.Errorf("the table name %q has an empty part", string(r))
		}
		parts = append(parts, part)
		if s == "" {
			return parts, nil
		}
		if s[0] != '.' {
			return nil, fmt.Errorf("the table name %s is not a quoted name or schema.name", r)
		}
		s = s[1:]
	}
}
