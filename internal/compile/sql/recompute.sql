{{/*
  An incremental model that reads other models: the keys its affected_keys
  query returns (from the inputs' change sets) are deleted and computed
  again by the model's SQL, whose keyed inputs are read for those keys only,
  once each (Inputs), into elt_rows, which the model and its change set
  take (gold.user_session_analysis after +1% at 10M events: reading its new
  rows back from the model for the change set, and for duplicate keys, took
  0.06 s more than keeping them; for a merge of new bronze rows, keeping
  100,000 wide rows cost more than reading them back: sql/merge.sql).
  NULL is one key here, as in the model's own GROUP BY or PARTITION BY; IN
  matches no NULL, so the NULL key has steps of its own (_null), which the
  build runs only when affected_keys returned NULL (Step.When): filtering
  the model's rows by `IN (...) OR key IS NULL` kept DuckDB from pushing the
  filter into the model's SQL (gold.user_features after +1% at 10M events:
  0.28 to 0.30 s against 0.19 to 0.21 s).
  Every read for the affected keys takes them through Affected, so that
  DuckDB filters the read by a Bloom filter of the keys before it fetches
  the other columns (see affected in incremental.go).
*/}}
{{define "keys"}}CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM ({{.AffectedKeys}}
) AS affected(k){{end}}
{{define "before"}}CREATE OR REPLACE TEMP TABLE {{.Changes}} AS SELECT * FROM {{.Target}} WHERE {{.Key}} IN {{.Affected}}{{end}}
{{define "before_null"}}INSERT INTO {{.Changes}} BY NAME SELECT * FROM {{.Target}} WHERE {{.Key}} IS NULL{{end}}
{{define "delete"}}DELETE FROM {{.Target}} WHERE {{.Key}} IN {{.Affected}}{{end}}
{{define "delete_null"}}DELETE FROM {{.Target}} WHERE {{.Key}} IS NULL{{end}}
{{define "rows"}}CREATE OR REPLACE TEMP TABLE elt_rows AS {{.Inputs}}SELECT * FROM ({{.Body}}) AS model WHERE {{.Key}} IN {{.Affected}}{{end}}
{{define "rows_null"}}INSERT INTO elt_rows BY NAME {{.NullInputs}}SELECT * FROM ({{.Body}}) AS model WHERE {{.Key}} IS NULL{{end}}
{{define "insert"}}INSERT INTO {{.Target}} BY NAME SELECT * FROM elt_rows{{end}}
{{define "after"}}INSERT INTO {{.Changes}} BY NAME SELECT * FROM elt_rows{{end}}
{{define "done"}}DROP TABLE elt_keys{{end}}
{{define "done_rows"}}DROP TABLE elt_rows{{end}}
