// Package migrations holds the warehouse's own schema (run history, file
// manifest, quarantine) as golang-migrate files, embedded in the binary.
package migrations

import "embed"

// FS holds the NNNN_name.up.sql / .down.sql files.
//
//go:embed *.sql
var FS embed.FS
