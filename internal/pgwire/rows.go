package pgwire

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/digitalservices/elt/internal/pgwire/values"
)

// encodeRow encodes a row's values for a DataRow.
func (c *conn) encodeRow(cols []Column, formats []int16, row []any) ([][]byte, error) {
	out := make([][]byte, len(row))
	for i, v := range row {
		if v == nil {
			continue
		}
		b, err := values.Encode(c.types, cols[i].Type, formatOf(formats, i), v)
		if err != nil {
			return nil, fmt.Errorf("column %q (%s): %w", cols[i].Name, cols[i].Type, err)
		}
		out[i] = b
	}
	return out, nil
}

// rowDescription describes cols in the formats given (Bind's result
// format codes).
func rowDescription(cols []Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		t := values.TypeOf(col.Type)
		fields[i] = pgproto3.FieldDescription{Name: []byte(col.Name), DataTypeOID: t.OID, DataTypeSize: t.Size,
			TypeModifier: t.Mod, Format: formatOf(formats, i)}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// formatOf is the format of the i-th value by a message's format codes:
// none for all text, one for all, or one each.
func formatOf(formats []int16, i int) int16 {
	switch {
	case len(formats) == 1:
		return formats[0]
	case i < len(formats):
		return formats[i]
	}
	return pgtype.TextFormatCode
}
