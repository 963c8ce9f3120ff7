// Package docs writes the project's documentation site: one self-contained
// index.html (styles, script and data inline) that works from file:// with
// no server and no request leaving the machine. Every text from models,
// config or data is carried as JSON and put on the page as text, never as
// markup. It also gathers what the site shows (Gather): sources, models and
// lineage from the project, and from a built warehouse row counts,
// profiles, checks' results, run history and reconciliation.
package docs

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Site is everything the pages show.
type Site struct {
	Project   string   `json:"project"`
	Generated string   `json:"generated"`
	Warehouse bool     `json:"warehouse"` // whether a built warehouse was read
	Sources   []Source `json:"sources"`
	Models    []Model  `json:"models"`
	Runs      []Run    `json:"runs"`
}

// Source is one declared source.
type Source struct {
	Name        string   `json:"name"`
	Format      string   `json:"format"`
	Description string   `json:"description"`
	Table       string   `json:"table"` // bronze.<name>
	Fields      []Field  `json:"fields"`
	Files       int64    `json:"files"`
	Records     int64    `json:"records"`
	Quarantined int64    `json:"quarantined"`
	Reasons     []Reason `json:"reasons"`
}

// Field is one declared field of a source.
type Field struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Required bool   `json:"required"`
	Rules    string `json:"rules"`
}

// Reason counts a source's quarantined records for one reason.
type Reason struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// Model is one model.
type Model struct {
	ID           string   `json:"id"`
	Path         string   `json:"path"`
	Description  string   `json:"description"`
	Materialized string   `json:"materialized"`
	Tags         []string `json:"tags"`
	Rows         *int64   `json:"rows"`
	Deps         []string `json:"deps"` // models and sources' bronze tables it reads
	Columns      []Column `json:"columns"`
	Uses         []Use    `json:"uses"`
	Checks       []Check  `json:"checks"`
	Tests        []string `json:"tests"`
	SQL          string   `json:"sql"`
	Compiled     string   `json:"compiled"`
	LineageError string   `json:"lineage_error,omitempty"`
}

// Column is one column of a model.
type Column struct {
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Description string    `json:"description"`
	NullPct     *float64  `json:"null_pct"`
	Distinct    *int64    `json:"distinct"`
	Values      []string  `json:"values"` // a text column's few values
	From        []Lineage `json:"from"`
}

// Lineage is a table column an output column comes from.
type Lineage struct {
	Table  string `json:"table"`
	Column string `json:"column"`
	Via    string `json:"via"`
}

// Use is a column read only to join, filter or group.
type Use struct {
	Table  string   `json:"table"`
	Column string   `json:"column"`
	Roles  []string `json:"roles"`
}

// Check is a declared check with its last result.
type Check struct {
	Name     string `json:"name"`
	Severity string `json:"severity"`
	Status   string `json:"status"` // pass, fail, warn, error, or "not run"
	Detail   string `json:"detail"`
}

// Run is one run of the history.
type Run struct {
	ID      int64   `json:"id"`
	Command string  `json:"command"`
	Status  string  `json:"status"`
	Started string  `json:"started"`
	Seconds float64 `json:"seconds"`
	Models  int64   `json:"models"`
	Checks  int64   `json:"checks"`
	Failed  int64   `json:"failed"`
	Error   string  `json:"error"`
	// Reconciliation is the run's, for a build that reached it.
	Reconciliation []Reconciliation `json:"reconciliation"`
}

// Reconciliation accounts for a source's records now.
type Reconciliation struct {
	Source      string `json:"source"`
	Read        int64  `json:"read"`
	Silver      int64  `json:"silver"`
	Superseded  int64  `json:"superseded"`
	Quarantined int64  `json:"quarantined"`
	OK          bool   `json:"ok"`
}

//go:embed assets/site.css
var css string

//go:embed assets/site.js
var js string

// Page renders the site as one HTML document.
func Page(s *Site) ([]byte, error) {
	// encoding/json escapes <, > and & (and U+2028/9), so the data cannot
	// close the script element it sits in.
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>elt docs</title>\n<style>\n")
	b.WriteString(css)
	b.WriteString("</style></head>\n<body>\n<nav id=\"side\"><input id=\"search\" type=\"search\" placeholder=\"Search models, sources, columns\" autocomplete=\"off\"><div id=\"list\"></div></nav>\n<main id=\"main\"></main>\n")
	b.WriteString("<script type=\"application/json\" id=\"data\">")
	b.Write(data)
	b.WriteString("</script>\n<script>\n")
	b.WriteString(js)
	b.WriteString("</script>\n</body></html>\n")
	return b.Bytes(), nil
}

// Write writes the site to dir/index.html and returns its path.
func Write(s *Site, dir string) (string, error) {
	page, err := Page(s)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	path := filepath.Join(dir, "index.html")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, page, 0o644); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}
