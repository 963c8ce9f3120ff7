{{/*
  An incremental model that reads sources: its SQL runs over the bronze rows
  ingested after its last run (elt_new); for each key those rows touch, the
  stored row and the new rows compete under order_by and the first wins. The
  change set keeps the touched keys' rows before and after, for downstream
  models' affected_keys, and the row of a NULL key this merge inserted (no
  key matches NULL, so it is no stored row's; elt_new holds at most one, or
  the build stops at its duplicate keys), which the checks of the touched
  rows count too (check.Since).
*/}}
{{define "new"}}CREATE OR REPLACE TEMP TABLE elt_new AS {{.Body}}{{end}}
{{define "before"}}CREATE OR REPLACE TEMP TABLE {{.Changes}} AS SELECT * FROM {{.Target}} WHERE {{.Key}} IN (SELECT {{.Key}} FROM elt_new){{end}}
{{define "delete"}}DELETE FROM {{.Target}} WHERE {{.Key}} IN (SELECT {{.Key}} FROM elt_new){{end}}
{{define "insert"}}INSERT INTO {{.Target}} BY NAME SELECT * FROM (SELECT * FROM {{.Changes}} UNION ALL BY NAME SELECT * FROM elt_new) AS candidates
QUALIFY row_number() OVER (PARTITION BY {{.Key}} ORDER BY {{.OrderBy}}
) = 1{{end}}
{{define "after"}}INSERT INTO {{.Changes}} BY NAME SELECT * FROM {{.Target}} WHERE {{.Key}} IN (SELECT {{.Key}} FROM elt_new)
UNION ALL BY NAME SELECT * FROM elt_new WHERE {{.Key}} IS NULL{{end}}
{{define "done"}}DROP TABLE elt_new{{end}}
