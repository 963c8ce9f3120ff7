{{/*
  An incremental model that reads other models: the keys its affected_keys
  query returns (from the inputs' change sets) are deleted and computed
  again by the model's SQL, whose keyed inputs are read for those keys only,
  once each (Inputs).
*/}}
{{define "keys"}}CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM ({{.AffectedKeys}}
) AS affected(k){{end}}
{{define "before"}}CREATE OR REPLACE TEMP TABLE {{.Changes}} AS SELECT * FROM {{.Target}} WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "delete"}}DELETE FROM {{.Target}} WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "insert"}}INSERT INTO {{.Target}} BY NAME {{.Inputs}}SELECT * FROM ({{.Body}}) AS model WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "after"}}INSERT INTO {{.Changes}} BY NAME SELECT * FROM {{.Target}} WHERE {{.Key}} IN (SELECT k FROM elt_keys){{end}}
{{define "done"}}DROP TABLE elt_keys{{end}}
