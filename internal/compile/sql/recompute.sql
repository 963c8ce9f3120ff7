{{/*
  An incremental model that reads other models: the keys its affected_keys
  query returns (from the inputs' change sets) are deleted and computed
  again by the model's SQL, whose keyed inputs are read for those keys only,
  once each (Inputs), into elt_rows, which the model and its change set
  take (gold.user_session_analysis after +1% at 10M events: reading its new
  rows back from the model for the change set, and for duplicate keys, took
  0.06 s more than keeping them; for a merge of new bronze rows, keeping
  100,000 wide rows cost more than reading them back: sql/merge.sql).
*/}}
{{define "keys"}}CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM ({{.AffectedKeys}}
) AS affected(k){{end}}
{{define "before"}}CREATE OR REPLACE TEMP TABLE {{.Changes}} AS SELECT * FROM {{.Target}} WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "delete"}}DELETE FROM {{.Target}} WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "rows"}}CREATE OR REPLACE TEMP TABLE elt_rows AS {{.Inputs}}SELECT * FROM ({{.Body}}) AS model WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "insert"}}INSERT INTO {{.Target}} BY NAME SELECT * FROM elt_rows{{end}}
{{define "after"}}INSERT INTO {{.Changes}} BY NAME SELECT * FROM elt_rows{{end}}
{{define "done"}}DROP TABLE elt_keys{{end}}
{{define "done_rows"}}DROP TABLE elt_rows{{end}}
