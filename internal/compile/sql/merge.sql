{{/*
  An incremental model that reads sources: its SQL runs over the bronze rows
  ingested after its last run (elt_new); for each key those rows touch, the
  stored row and the new rows compete under order_by and the first wins.
  NULL is one key here, as in the model's own PARTITION BY over all of
  bronze: a NULL-key row of elt_new (at most one, or the build stops at its
  duplicate keys) competes with the stored one. IN matches no NULL, so the
  NULL key has statements of its own: a semi join on elt_new's NULL key,
  which DuckDB does not probe when elt_new has none (a filter `key IS NULL`
  scanned 10M keys in 0.1 s once the build's transaction had appended
  rows), and a DELETE, which runs before the appends. The change set keeps
  the touched keys' rows before and after, the NULL key's too, for
  downstream models' affected_keys and the checks of the touched rows
  (check.Since). The keys of elt_new are read through a filter true of every
  key, for DuckDB's Bloom filter (affected in incremental.go).
  When no stored row competes (the change set is empty after "before": the
  usual increment of new ids), elt_new's rows are the winners, one per key
  (Step.When): insert_new inserts them without ranking, and after_new makes
  elt_new itself the change set, renamed in place of the empty one rather
  than copied into it, so "done" drops elt_new only if it is still there.
  silver.events after +1% at 10M events: 0.26 s against 0.44 s with the
  ranked steps (the copy was 0.09 s of it).
*/}}
{{define "keys"}}(SELECT {{.Key}} FROM elt_new WHERE {{.Key}} IS NOT DISTINCT FROM {{.Key}}){{end}}
{{define "new"}}CREATE OR REPLACE TEMP TABLE elt_new AS {{.Body}}{{end}}
{{define "null"}}SELECT * FROM {{.Target}} AS elt_t SEMI JOIN (SELECT {{.Key}} FROM elt_new WHERE {{.Key}} IS NULL LIMIT 1) AS elt_n ON elt_t.{{.Key}} IS NOT DISTINCT FROM elt_n.{{.Key}}{{end}}
{{define "before"}}CREATE OR REPLACE TEMP TABLE {{.Changes}} AS SELECT * FROM {{.Target}} WHERE {{.Key}} IN {{template "keys" .}}
UNION ALL BY NAME {{template "null" .}}{{end}}
{{define "delete"}}DELETE FROM {{.Target}} WHERE {{.Key}} IN {{template "keys" .}};
DELETE FROM {{.Target}} WHERE {{.Key}} IS NULL AND EXISTS (SELECT 1 FROM elt_new WHERE {{.Key}} IS NULL){{end}}
{{define "insert"}}INSERT INTO {{.Target}} BY NAME SELECT * FROM (SELECT * FROM {{.Changes}} UNION ALL BY NAME SELECT * FROM elt_new) AS candidates
QUALIFY row_number() OVER (PARTITION BY {{.Key}} ORDER BY {{.OrderBy}}
) = 1{{end}}
{{define "after"}}INSERT INTO {{.Changes}} BY NAME SELECT * FROM {{.Target}} WHERE {{.Key}} IN {{template "keys" .}}
UNION ALL BY NAME {{template "null" .}}{{end}}
{{define "insert_new"}}INSERT INTO {{.Target}} BY NAME SELECT * FROM elt_new{{end}}
{{define "after_new"}}DROP TABLE {{.Changes}};
ALTER TABLE elt_new RENAME TO {{.Changes}}{{end}}
{{define "done"}}DROP TABLE IF EXISTS elt_new{{end}}
