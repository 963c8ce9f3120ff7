package pgcatalog

import (
	"regexp"
	"strings"
)

// functions are PostgreSQL's functions DuckDB lacks or has in another
// form, each turned into a DuckDB expression of its arguments (already
// rewritten). Names are matched with or without pg_catalog.
var functions = map[string]func(args []string) string{
	// psql \dt, \dn, \l, \du (Owner): everything is the session user's.
	"pg_get_userbyid": func([]string) string { return "CAST(current_user AS VARCHAR)" },
	// psql \d (the columns' types), \dT; pgjdbc, DBeaver.
	"format_type": func(a []string) string {
		if len(a) != 2 {
			return ""
		}
		return "(SELECT CASE WHEN t.oid = 1700 AND (" + a[1] + ") > 4 THEN 'numeric(' || (((" + a[1] + ") - 4) >> 16) || ',' || (((" + a[1] + ") - 4) & 65535) || ')' " +
			"ELSE t.pg_format END FROM (" + typesSQL() + ") AS t WHERE t.oid = (" + a[0] + "))"
	},
	// psql \d: a default's expression is kept as its text (DuckDB's
	// pg_get_expr takes two arguments and returns the first).
	"pg_get_expr": func(a []string) string {
		if len(a) < 1 {
			return ""
		}
		return "CAST(" + a[0] + " AS VARCHAR)"
	},
	// psql \d+ of a view.
	"pg_get_viewdef": func(a []string) string {
		if len(a) < 1 {
			return ""
		}
		return "(SELECT sql FROM duckdb_views() WHERE view_oid = CAST(" + a[0] + " AS BIGINT))"
	},
	// psql \d's indexes footer.
	"pg_get_indexdef": func(a []string) string {
		if len(a) < 1 {
			return ""
		}
		return "(SELECT sql FROM duckdb_indexes() WHERE index_oid = CAST(" + a[0] + " AS BIGINT))"
	},
	// psql \d's referenced-by footer: DuckDB has no partitions, a
	// relation is its own only ancestor.
	"pg_partition_ancestors": func(a []string) string {
		if len(a) != 1 {
			return ""
		}
		return "CAST(" + a[0] + " AS BIGINT)"
	},
	// psql \d+ of a view: DuckDB has no rules (an empty relation).
	"pg_get_ruledef": func([]string) string { return "CAST(NULL AS VARCHAR)" },
	// psql \dt+ (Size): DuckDB does not say a table's size on disk.
	"pg_table_size":          func([]string) string { return "CAST(NULL AS BIGINT)" },
	"pg_total_relation_size": func([]string) string { return "CAST(NULL AS BIGINT)" },
	"pg_relation_size":       func([]string) string { return "CAST(NULL AS BIGINT)" },
	"pg_indexes_size":        func([]string) string { return "CAST(NULL AS BIGINT)" },
	// psql \l.
	"pg_encoding_to_char": func([]string) string { return "'UTF8'" },
	// psql \d's publications and statistics footers.
	"pg_relation_is_publishable":      func([]string) string { return "false" },
	"pg_get_statisticsobjdef_columns": func([]string) string { return "CAST(NULL AS VARCHAR)" },
	// psql \df.
	"pg_get_function_result":    func([]string) string { return "CAST(NULL AS VARCHAR)" },
	"pg_get_function_arguments": func([]string) string { return "CAST(NULL AS VARCHAR)" },
	// pgjdbc's type lookup, DBeaver: the search path, as a list.
	"current_schemas": func(a []string) string {
		if len(a) != 1 {
			return ""
		}
		return "(CASE WHEN " + a[0] + " THEN list_prepend('pg_catalog', " + searchPathSQL + ") ELSE " + searchPathSQL + " END)"
	},
	// pgjdbc's type lookup (array_upper(current_schemas(false), 1)).
	"array_upper": func(a []string) string {
		if len(a) != 2 {
			return ""
		}
		return "CAST(len(" + a[0] + ") AS INTEGER)"
	},
	"array_lower": func(a []string) string {
		if len(a) != 2 {
			return ""
		}
		return "CASE WHEN len(" + a[0] + ") > 0 THEN 1 END"
	},
	// JDBC, Metabase, DBeaver read the version as PostgreSQL's.
	"version": func(a []string) string {
		if len(a) != 0 {
			return ""
		}
		return "(SELECT 'PostgreSQL " + ServerVersion + " (elt, DuckDB ' || library_version || ')' FROM pragma_version())"
	},
	"pg_backend_pid": func([]string) string { return "0" },
}

// duckdbPgFunctions are the functions DuckDB has in its pg_catalog; a
// call of another function qualified pg_catalog (psql's
// pg_catalog.array_to_string, pg_catalog.unnest) is DuckDB's own.
var duckdbPgFunctions = map[string]bool{
	"col_description": true, "current_database": true, "current_query": true, "current_schema": true, "current_schemas": true,
	"format_pg_type": true, "format_type": true, "obj_description": true, "pg_get_constraintdef": true, "pg_get_expr": true,
	"pg_get_viewdef": true, "pg_has_role": true, "pg_size_pretty": true, "pg_table_is_visible": true, "pg_type_is_visible": true,
	"pg_function_is_visible": true, "pg_typeof": true, "shobj_description": true, "has_table_privilege": true,
	"has_schema_privilege": true, "has_database_privilege": true, "has_column_privilege": true, "has_any_column_privilege": true,
	"pg_is_other_temp_schema": true, "pg_my_temp_schema": true, "pg_collation_is_visible": true, "pg_postmaster_start_time": true,
}

// callRe finds a function's name and its opening parenthesis.
var callRe = regexp.MustCompile(`(?i)(\bpg_catalog\.)?\b([A-Za-z_]\w*)\s*\(`)

// rewriteCalls rewrites the calls of functions, innermost arguments first,
// leaving string literals as they are.
func rewriteCalls(q string) string {
	var b strings.Builder
	i := 0
	for i < len(q) {
		if q[i] == '\'' {
			j := skipString(q, i)
			b.WriteString(q[i:j])
			i = j
			continue
		}
		m := callRe.FindStringSubmatchIndex(q[i:])
		if m == nil {
			b.WriteString(q[i:])
			break
		}
		// A string before the call is copied as it is.
		if k := strings.IndexByte(q[i:i+m[0]], '\''); k >= 0 {
			b.WriteString(q[i : i+k])
			i += k
			continue
		}
		start, open := i+m[0], i+m[1]-1
		qualified := m[2] >= 0
		name := strings.ToLower(q[i+m[4] : i+m[5]])
		if start > 0 && (q[start-1] == '.' || q[start-1] == '"') {
			b.WriteString(q[i : open+1])
			i = open + 1
			continue
		}
		end, args := splitArgs(q, open)
		if end < 0 {
			b.WriteString(q[i:])
			break
		}
		for k := range args {
			args[k] = strings.TrimSpace(rewriteCalls(args[k]))
		}
		b.WriteString(q[i:start])
		if f, ok := functions[name]; ok && f(args) != "" {
			b.WriteString(f(args))
		} else {
			switch {
			case qualified && !duckdbPgFunctions[name]:
				b.WriteString(q[start+len("pg_catalog.") : open])
			default:
				b.WriteString(q[start:open])
			}
			b.WriteString("(" + strings.Join(args, ", ") + ")")
		}
		i = end + 1
		if (name == "generate_series" || name == "unnest") && fromRe.MatchString(q[:start]) {
			i += columnAlias(&b, q[i:])
		}
	}
	return b.String()
}

// fromRe finds a function called in FROM or JOIN.
var fromRe = regexp.MustCompile(`(?i)\b(FROM|JOIN)\s+(pg_catalog\.)?$`)

// columnAlias names the column of a function in FROM after its alias, as
// PostgreSQL does (psql \d's publications: generate_series(...) s, then
// prattrs[s]); DuckDB's alias alone names the row. It writes the alias
// and returns how much of rest it read.
func columnAlias(b *strings.Builder, rest string) int {
	m := fromAliasRe.FindStringSubmatch(rest)
	if m == nil || strings.HasPrefix(rest[len(m[0]):], "(") || !hasAlias(" "+m[1]) {
		return 0
	}
	b.WriteString(m[0] + "(" + m[1] + ")")
	return len(m[0])
}

var fromAliasRe = regexp.MustCompile(`(?i)^\s+(?:AS\s+)?([A-Za-z_]\w*)`)

// skipString is the index after the string literal starting at i.
func skipString(q string, i int) int {
	for j := i + 1; j < len(q); j++ {
		if q[j] == '\'' {
			if j+1 < len(q) && q[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(q)
}

// splitArgs reads the arguments of the call whose parenthesis is at open:
// the index of its closing parenthesis (-1 when there is none) and its
// arguments, split at the commas outside parentheses and strings.
func splitArgs(q string, open int) (int, []string) {
	depth, from := 0, open+1
	var args []string
	for j := open + 1; j < len(q); j++ {
		switch q[j] {
		case '\'':
			j = skipString(q, j) - 1
		case '(', '[':
			depth++
		case ')', ']':
			if depth == 0 {
				if s := strings.TrimSpace(q[from:j]); s != "" || len(args) > 0 {
					args = append(args, q[from:j])
				}
				return j, args
			}
			depth--
		case ',':
			if depth == 0 {
				args = append(args, q[from:j])
				from = j + 1
			}
		}
	}
	return -1, nil
}
