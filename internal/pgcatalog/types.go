package pgcatalog

import (
	"fmt"
	"strings"
)

// pgType is a PostgreSQL type a DuckDB type is shown as: its oid, its
// internal name (pg_type.typname), the name format_type gives it, its
// array type's oid, its length and its input function (what pgjdbc's
// array probe compares with array_in).
type pgType struct {
	oid      int
	typname  string
	format   string
	arrayOID int
	typlen   int
	category string
	input    string
}

// types are PostgreSQL's core types, each the one a DuckDB type maps to
// (duckdb maps below). The oids are PostgreSQL's fixed ones, which
// clients know without asking (pgjdbc's TypeInfoCache, Npgsql, psycopg).
var types = []pgType{
	{16, "bool", "boolean", 1000, 1, "B", "boolin"},
	{17, "bytea", "bytea", 1001, -1, "U", "byteain"},
	{20, "int8", "bigint", 1016, 8, "N", "int8in"},
	{21, "int2", "smallint", 1005, 2, "N", "int2in"},
	{23, "int4", "integer", 1007, 4, "N", "int4in"},
	{25, "text", "text", 1009, -1, "S", "textin"},
	{114, "json", "json", 199, -1, "U", "json_in"},
	{700, "float4", "real", 1021, 4, "N", "float4in"},
	{701, "float8", "double precision", 1022, 8, "N", "float8in"},
	{1043, "varchar", "character varying", 1015, -1, "S", "varcharin"},
	{1082, "date", "date", 1182, 4, "D", "date_in"},
	{1083, "time", "time without time zone", 1183, 8, "D", "time_in"},
	{1114, "timestamp", "timestamp without time zone", 1115, 8, "D", "timestamp_in"},
	{1184, "timestamptz", "timestamp with time zone", 1185, 8, "D", "timestamptz_in"},
	{1186, "interval", "interval", 1187, 16, "T", "interval_in"},
	{1266, "timetz", "time with time zone", 1270, 12, "D", "timetz_in"},
	{1560, "bit", "bit", 1561, -1, "V", "bit_in"},
	{1700, "numeric", "numeric", 1231, -1, "N", "numeric_in"},
	{2950, "uuid", "uuid", 2951, 16, "U", "uuid_in"},
}

// duckdb maps DuckDB's type names (duckdb_columns().data_type less its
// parameters and array brackets) to the oid of the PostgreSQL type a
// client sees. A type not here (STRUCT, MAP, UNION, ENUM...) is text.
var duckdb = map[string]int{
	"BOOLEAN": 16, "BLOB": 17, "BIGINT": 20, "SMALLINT": 21, "TINYINT": 21, "UTINYINT": 21,
	"INTEGER": 23, "USMALLINT": 23, "UINTEGER": 20, "UBIGINT": 1700, "HUGEINT": 1700, "UHUGEINT": 1700,
	"BIGNUM": 1700, "DECIMAL": 1700, "FLOAT": 700, "DOUBLE": 701, "VARCHAR": 1043, "JSON": 114,
	"DATE": 1082, "TIME": 1083, "TIME_NS": 1083, "TIMESTAMP": 1114, "TIMESTAMP_S": 1114, "TIMESTAMP_MS": 1114,
	"TIMESTAMP_NS": 1114, "TIMESTAMP WITH TIME ZONE": 1184, "INTERVAL": 1186, "TIME WITH TIME ZONE": 1266,
	"BIT": 1560, "UUID": 2950,
}

// typesSQL is a relation of the PostgreSQL types, scalars and arrays,
// with pg_type's columns (those clients read), in pg_catalog's namespace.
func typesSQL() string {
	var rows []string
	for _, t := range types {
		rows = append(rows,
			fmt.Sprintf("(%d, '%s', '%s', %d, 0, %d, '%s', '%s')", t.oid, t.typname, t.format, t.typlen, t.arrayOID, t.category, t.input),
			fmt.Sprintf("(%d, '_%s', '%s[]', -1, %d, 0, 'A', 'array_in')", t.arrayOID, t.typname, t.format, t.oid))
	}
	return "SELECT t.oid::BIGINT AS oid, t.typname, (SELECT oid FROM duckdb_schemas() WHERE database_name = 'system' AND schema_name = 'pg_catalog') AS typnamespace, " +
		"0::BIGINT AS typowner, t.typlen::SMALLINT AS typlen, t.typlen > 0 AND t.typlen <= 8 AS typbyval, 'b' AS typtype, t.typcategory, " +
		"false AS typispreferred, true AS typisdefined, ',' AS typdelim, 0::BIGINT AS typrelid, t.typelem::BIGINT AS typelem, t.typarray::BIGINT AS typarray, " +
		"t.typinput, replace(replace(t.typinput, '_in', '_out'), 'in', 'out') AS typoutput, " +
		"CASE t.typinput WHEN 'array_in' THEN 'array_recv' ELSE replace(replace(t.typinput, '_in', '_recv'), 'in', 'recv') END AS typreceive, " +
		"CASE t.typinput WHEN 'array_in' THEN 'array_send' ELSE replace(replace(t.typinput, '_in', '_send'), 'in', 'send') END AS typsend, " +
		"'i' AS typalign, 'p' AS typstorage, false AS typnotnull, 0::BIGINT AS typbasetype, -1 AS typtypmod, 0 AS typndims, " +
		"CASE t.typcategory WHEN 'S' THEN 100 ELSE 0 END::BIGINT AS typcollation, CAST(NULL AS VARCHAR) AS typdefaultbin, CAST(NULL AS VARCHAR) AS typdefault, " +
		"CAST(NULL AS VARCHAR[]) AS typacl, t.format AS pg_format " +
		"FROM (VALUES " + strings.Join(rows, ", ") + ") AS t(oid, typname, format, typlen, typelem, typarray, typcategory, typinput)"
}

// duckdbTypeSQL is the SQL expression of the PostgreSQL oid of the DuckDB
// type named by expr (a duckdb_columns().data_type): an array is its
// element's array type.
func duckdbTypeSQL(expr string) string {
	base := "regexp_replace(regexp_replace(" + expr + `, '(\[\d*\])+$', ''), '\(.*\)$', '')`
	var whens []string
	for name, oid := range duckdb {
		whens = append(whens, fmt.Sprintf("WHEN '%s' THEN %d", name, oid))
	}
	sortStrings(whens)
	scalar := "CASE " + base + " " + strings.Join(whens, " ") + " ELSE 25 END"
	var arrays []string
	for _, t := range types {
		arrays = append(arrays, fmt.Sprintf("WHEN %d THEN %d", t.oid, t.arrayOID))
	}
	return "CASE WHEN regexp_matches(" + expr + `, '\]$') THEN CASE ` + scalar + " " + strings.Join(arrays, " ") + " ELSE 1009 END ELSE " + scalar + " END"
}
