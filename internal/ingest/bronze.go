package ingest

import (
	"context"
	"fmt"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// columns are the names the source's files use for its declared fields.
func columns(src Source) []string {
	out := make([]string, len(src.Fields))
	for i, f := range src.Fields {
		out[i] = f.ColumnName()
	}
	return out
}

// SQLType is the bronze column type of a field.
func SQLType(f contract.Field) string {
	switch f.Type.Base() {
	case contract.Integer:
		return "BIGINT"
	case contract.Decimal:
		p, s := f.Type.Decimal()
		return fmt.Sprintf("DECIMAL(%d,%d)", p, s)
	case contract.Boolean:
		return "BOOLEAN"
	case contract.Date:
		return "DATE"
	case contract.Timestamp:
		return "TIMESTAMP"
	case contract.JSON:
		return "JSON"
	}
	return "VARCHAR"
}

// KafkaColumns are the columns a Kafka source's bronze table has beside
// its fields and BronzeColumns, with their types: a message's key,
// partition, offset and timestamp (UTC).
var KafkaColumns = [][2]string{
	{"_kafka_key", "VARCHAR"},
	{"_kafka_partition", "INTEGER"},
	{"_kafka_offset", "BIGINT"},
	{"_kafka_timestamp", "TIMESTAMP"},
}

// BronzeColumns are the columns ingestion adds to a source's declared
// fields in its bronze table: the file and line of each record, and the
// run that loaded it.
var BronzeColumns = []string{"_file", "_line", "_run_id"}

// bronzeTable creates the source's bronze table from its declared fields,
// or adds the columns of fields declared since (older rows NULL). A field
// whose type changed needs a full refresh.
func bronzeTable(ctx context.Context, tx warehouse.Querier, src Source) error {
	cols := make([]string, 0, len(src.Fields)+3)
	for _, f := range src.Fields {
		cols = append(cols, sqlname.Ident(f.Name)+" "+SQLType(f))
	}
	cols = append(cols, "_file VARCHAR NOT NULL", "_line BIGINT NOT NULL", "_run_id BIGINT NOT NULL")
	if src.Kafka != nil {
		for _, c := range KafkaColumns {
			cols = append(cols, c[0]+" "+c[1])
		}
	}
	if _, err := tx.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS bronze; CREATE TABLE IF NOT EXISTS "+src.Table().String()+" ("+strings.Join(cols, ", ")+")"); err != nil {
		return fmt.Errorf("create %s: %w", src.Table(), err)
	}
	// The table's own columns (pragma_table_info: 0.5 ms, where
	// information_schema.columns lists every table's, 20 ms or more).
	rows, err := tx.QueryContext(ctx, `SELECT lower(name), type FROM pragma_table_info(`+sqlname.Literal(src.Table().String())+`)`)
	if err != nil {
		return err
	}
	have := map[string]string{}
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			rows.Close()
			return err
		}
		have[n] = t
	}
	rows.Close()
	for _, f := range src.Fields {
		t, ok := have[strings.ToLower(f.Name)]
		switch {
		case !ok:
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", src.Table(), sqlname.Ident(f.Name), SQLType(f))); err != nil {
				return fmt.Errorf("add field %s to %s: %w", f.Name, src.Table(), err)
			}
		case !strings.EqualFold(strings.ReplaceAll(t, " ", ""), strings.ReplaceAll(SQLType(f), " ", "")):
			return fmt.Errorf("source %s: field %s is now %s, but %s holds it as %s: run `elt build --full-refresh` to reload the source with the new type",
				src.Name, f.Name, f.Type, src.Table(), t)
		}
	}
	return nil
}
