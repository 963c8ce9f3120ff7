package pgcatalog

import "sort"

// searchPathSQL is the schemas of the warehouse, as a list: elt has no
// search_path, and psql shows a table with pg_table_is_visible, so every
// schema counts as on the path (main first, as DuckDB resolves names).
const searchPathSQL = `(SELECT list(schema_name ORDER BY schema_name <> 'main', schema_name) FROM duckdb_schemas() ` +
	`WHERE database_name = current_database())`

// relations are PostgreSQL's catalog relations as DuckDB answers them:
// DuckDB's own pg_catalog views with the columns clients read and DuckDB
// lacks, or, for what DuckDB has none of (policies, inheritance,
// publications, extended statistics, triggers, rules), an empty relation
// of the columns clients name. Each is a SELECT a reference to the
// relation is replaced by, aliased as the client named it.
var relations = map[string]string{
	// psql \dn, \dt, \d: the warehouse's schemas and PostgreSQL's two, as
	// PostgreSQL lists them (psql filters them out by name).
	"pg_namespace": `SELECT oid, schema_name AS nspname, 0::BIGINT AS nspowner, CAST(NULL AS VARCHAR[]) AS nspacl FROM duckdb_schemas() ` +
		`WHERE (database_name = current_database()) OR (database_name = 'system' AND schema_name IN ('pg_catalog', 'information_schema'))`,
	// psql \d: relforcerowsecurity, relreplident 'd' (PostgreSQL's default),
	// typed reloptions; only the relations of the schemas above.
	"pg_class": `SELECT * REPLACE (CAST(NULL AS VARCHAR[]) AS reloptions, 'd' AS relreplident, CAST(NULL AS VARCHAR) AS relpartbound, ` +
		`CASE WHEN relkind = 'i' THEN relam ELSE 2 END AS relam), false AS relforcerowsecurity FROM pg_catalog.pg_class ` +
		`WHERE relnamespace IN (SELECT oid FROM duckdb_schemas() WHERE (database_name = current_database()) ` +
		`OR (database_name = 'system' AND schema_name IN ('pg_catalog', 'information_schema')))`,
	// psql \dt+ and \d+ (Access method): a table is DuckDB's, an index ART.
	"pg_am": `SELECT * FROM (VALUES (0::BIGINT, 'art', 'i'), (2::BIGINT, 'duckdb', 't')) AS am(oid, amname, amtype)`,
	// psql \d, JDBC getColumns: PostgreSQL's type oids and typmods
	// (numeric's is ((precision << 16) | scale) + 4), storage.
	"pg_attribute": `SELECT table_oid AS attrelid, column_name AS attname, (` + duckdbTypeSQL("data_type") + `)::BIGINT AS atttypid, ` +
		`-1 AS attstattarget, -1::SMALLINT AS attlen, column_index::SMALLINT AS attnum, ` +
		`(length(data_type) - length(replace(data_type, '[', '')))::INTEGER AS attndims, -1 AS attcacheoff, ` +
		`CASE WHEN data_type LIKE 'DECIMAL(%' THEN (numeric_precision << 16 | numeric_scale) + 4 ELSE -1 END AS atttypmod, ` +
		`false AS attbyval, 'p' AS attstorage, 'i' AS attalign, NOT is_nullable AS attnotnull, column_default IS NOT NULL AS atthasdef, ` +
		`false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped, true AS attislocal, 0 AS attinhcount, ` +
		`0::BIGINT AS attcollation, '' AS attcompression, CAST(NULL AS VARCHAR[]) AS attacl, CAST(NULL AS VARCHAR[]) AS attoptions ` +
		`FROM duckdb_columns()`,
	// JDBC's type lookups, psql \dT and format_type: PostgreSQL's types.
	"pg_type": typesSQL(),
	// psql \l: the warehouse, in UTF-8.
	"pg_database": `SELECT database_oid AS oid, database_name AS datname, 0::BIGINT AS datdba, 6 AS encoding, 'c' AS datlocprovider, ` +
		`false AS datistemplate, true AS datallowconn, -1 AS datconnlimit, 'C' AS datcollate, 'C' AS datctype, ` +
		`CAST(NULL AS VARCHAR) AS daticulocale, CAST(NULL AS VARCHAR[]) AS datacl, 0::BIGINT AS dattablespace ` +
		`FROM duckdb_databases() WHERE database_name = current_database()`,
	// psql \du: the one role, the session's user.
	"pg_roles": `SELECT 0::BIGINT AS oid, CAST(current_user AS VARCHAR) AS rolname, true AS rolsuper, true AS rolinherit, false AS rolcreaterole, ` +
		`false AS rolcreatedb, true AS rolcanlogin, false AS rolreplication, false AS rolbypassrls, -1 AS rolconnlimit, ` +
		`CAST(NULL AS TIMESTAMPTZ) AS rolvaliduntil, CAST(NULL AS VARCHAR[]) AS rolconfig`,
	"pg_auth_members": `SELECT 0::BIGINT AS roleid, 0::BIGINT AS member, 0::BIGINT AS grantor, false AS admin_option WHERE false`,
	// psql \d's footers: DuckDB has no policies, extended statistics,
	// publications, inheritance, triggers or rules.
	"pg_policy": `SELECT 0::BIGINT AS oid, '' AS polname, 0::BIGINT AS polrelid, '' AS polcmd, true AS polpermissive, ` +
		`CAST([] AS BIGINT[]) AS polroles, '' AS polqual, '' AS polwithcheck WHERE false`,
	"pg_statistic_ext": `SELECT 0::BIGINT AS oid, 0::BIGINT AS stxrelid, '' AS stxname, 0::BIGINT AS stxnamespace, 0::BIGINT AS stxowner, ` +
		`-1 AS stxstattarget, CAST([] AS SMALLINT[]) AS stxkeys, CAST([] AS VARCHAR[]) AS stxkind, '' AS stxexprs WHERE false`,
	"pg_publication": `SELECT 0::BIGINT AS oid, '' AS pubname, 0::BIGINT AS pubowner, false AS puballtables, false AS pubinsert, ` +
		`false AS pubupdate, false AS pubdelete, false AS pubtruncate, false AS pubviaroot WHERE false`,
	"pg_publication_namespace": `SELECT 0::BIGINT AS oid, 0::BIGINT AS pnpubid, 0::BIGINT AS pnnspid WHERE false`,
	"pg_publication_rel": `SELECT 0::BIGINT AS oid, 0::BIGINT AS prpubid, 0::BIGINT AS prrelid, '' AS prqual, ` +
		`CAST([] AS SMALLINT[]) AS prattrs WHERE false`,
	"pg_inherits": `SELECT 0::BIGINT AS inhrelid, 0::BIGINT AS inhparent, 0 AS inhseqno, false AS inhdetachpending WHERE false`,
	"pg_trigger": `SELECT 0::BIGINT AS oid, 0::BIGINT AS tgrelid, 0::BIGINT AS tgparentid, '' AS tgname, 0::BIGINT AS tgfoid, 0 AS tgtype, ` +
		`'O' AS tgenabled, false AS tgisinternal, 0::BIGINT AS tgconstrrelid, 0::BIGINT AS tgconstrindid, 0::BIGINT AS tgconstraint WHERE false`,
	"pg_rewrite": `SELECT 0::BIGINT AS oid, '' AS rulename, 0::BIGINT AS ev_class, '' AS ev_type, 'O' AS ev_enabled, false AS is_instead, ` +
		`'' AS ev_qual, '' AS ev_action WHERE false`,
}

func sortStrings(s []string) { sort.Strings(s) }
