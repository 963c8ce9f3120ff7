package serve

import (
	"encoding/json"
	"sort"
	"strings"
)

// readers are the table functions a client's statement may call: those
// that read the catalog, the data or files under the project's folders.
// Any other (enable_profiling, enable_logging, checkpoint, import_database,
// query, json_execute_serialized_sql, a function a later DuckDB adds...)
// acts on the database, its settings or files, or runs SQL the gate has
// not seen, and is refused: the list is closed, as the gate is.
var readers = map[string]bool{}

func init() {
	for _, name := range strings.Fields(`
		duckdb_columns duckdb_constraints duckdb_databases duckdb_dependencies duckdb_functions duckdb_indexes
		duckdb_keywords duckdb_schemas duckdb_sequences duckdb_settings duckdb_tables duckdb_types duckdb_views
		duckdb_memory duckdb_temporary_files duckdb_variables duckdb_extensions duckdb_optimizers duckdb_prepared_statements
		duckdb_table_sample duckdb_approx_database_count duckdb_connection_count duckdb_coordinate_systems
		pragma_table_info pragma_version pragma_show pragma_database_size pragma_storage_info pragma_metadata_info
		pragma_platform pragma_user_agent pragma_collations table_info show show_tables show_tables_expanded
		show_databases summary functions collations database_list database_size version platform user_agent
		metadata_info storage_info range generate_series unnest repeat repeat_row json_each json_tree
		histogram histogram_values icu_calendar_names pg_timezone_names sql_auto_complete query_table
		read_csv read_csv_auto read_json read_json_auto read_json_objects read_json_objects_auto read_ndjson
		read_ndjson_auto read_ndjson_objects read_parquet parquet_scan parquet_metadata parquet_schema
		parquet_file_metadata parquet_kv_metadata parquet_full_metadata parquet_bloom_probe read_text read_blob
		glob sniff_csv test_all_types test_vector_types`) {
		readers[name] = true
	}
}

// actingCalls are the table functions of a statement's syntax tree (DuckDB's
// json_serialize_sql) that are not readers, in name order.
func actingCalls(tree json.RawMessage) []string {
	var root any
	if err := json.Unmarshal(tree, &root); err != nil {
		return []string{"(a syntax tree elt cannot read)"}
	}
	seen := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "TABLE_FUNCTION" {
				if f, ok := x["function"].(map[string]any); ok {
					name, _ := f["function_name"].(string)
					if name = strings.ToLower(name); !readers[name] {
						seen[name] = true
					}
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(root)
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
