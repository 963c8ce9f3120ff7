package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/redshift"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// fileSize is the size DuckDB starts a new Parquet file at: Redshift
// loads a manifest's files in parallel, one slice each, and advises files
// of 1MB to 1GB after compression. A variable so a test can split a small
// load.
var fileSize = "256MB"

// ManifestName is the manifest's name under a load's prefix.
const ManifestName = "manifest"

// RedshiftLoad writes query's rows (its columns cols, from Columns) as
// Parquet files under prefix, an s3:// folder that holds nothing yet (one
// per load: it refuses one that holds objects, so that files of two loads
// never mix), and returns the COPY statement that loads them into table,
// created with CreateTable(dialect.Redshift, ...):
//
//	COPY table
//	FROM 's3://bucket/prefix/manifest'
//	IAM_ROLE 'arn:aws:iam::...'
//	FORMAT AS PARQUET
//	MANIFEST;
//
// Each column is cast as elt's Redshift exports cast it (redshift.Map), so
// that the Parquet types are those Redshift's COPY reads into the table's
// types. DuckDB writes the files into a fresh folder under tmpDir (removed
// afterwards, whatever happens), zstd-compressed in row groups of 32,768
// rows, a new file past 256MB; they are uploaded through st, then the manifest
// (prefix/manifest) is written, last, listing them with their sizes. A
// query without rows still writes one file (Redshift's COPY stops at a
// manifest with none). The COPY appends: the caller decides what it
// replaces, in the transaction it runs it in.
func RedshiftLoad(ctx context.Context, duck warehouse.Querier, query string, cols []Column, st *lake.Store, tmpDir string, table sqlname.Relation, prefix, iamRole string) (string, error) {
	dir, err := lake.Parse(prefix)
	if err != nil {
		return "", fmt.Errorf("load %s into Redshift: the prefix: %w", table, err)
	}
	if dir.Key == "" {
		return "", fmt.Errorf("load %s into Redshift: the prefix %s is a whole bucket: name a folder in it, one per load", table, prefix)
	}
	if strings.TrimSpace(iamRole) == "" {
		return "", fmt.Errorf("load %s into Redshift: no IAM role: Redshift reads the files from S3 as a role it can assume (arn:aws:iam::<account>:role/<name>)", table)
	}
	there, err := st.List(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("load %s into Redshift: %w", table, err)
	}
	if len(there) > 0 {
		return "", fmt.Errorf("load %s into Redshift: %s already holds %d objects (%s first): give each load a folder of its own", table, dir, len(there), there[0].Key)
	}
	sel, err := selectFrom(ctx, duck, query, cols, func(c Column, _ string) string {
		if isJSON(c.Type) {
			return fmt.Sprintf("CAST(%s AS VARCHAR)", sqlname.Ident(c.Name)) // the text as read
		}
		m, err := redshift.Map(redshift.Column{Name: c.Name, Type: c.Type})
		if err != nil {
			return sqlname.Ident(c.Name) // CreateTable refuses the column
		}
		return m.Export
	})
	if err != nil {
		return "", fmt.Errorf("load %s into Redshift: %w", table, err)
	}
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return "", fmt.Errorf("load %s into Redshift: the local temporary folder: %w", table, err)
	}
	local, err := os.MkdirTemp(tmpDir, "elt-load-")
	if err != nil {
		return "", fmt.Errorf("load %s into Redshift: the local temporary folder: %w", table, err)
	}
	defer os.RemoveAll(local)
	if err := writeParquet(ctx, duck, sel, local); err != nil {
		return "", fmt.Errorf("load %s into Redshift: write the Parquet files: %w", table, err)
	}
	rels, err := lake.LocalFiles(local)
	if err != nil {
		return "", err
	}
	sizes, err := st.UploadFiles(ctx, local, rels, dir)
	if err == nil {
		var data []byte
		if data, err = manifest(dir, rels, sizes); err == nil {
			err = st.Put(ctx, dir.Join(ManifestName), data, "application/json")
		}
	}
	if err != nil {
		// Best effort: the folder is this load's alone.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		st.DeleteAll(dctx, dir)
		cancel()
		return "", fmt.Errorf("load %s into Redshift: %w", table, err)
	}
	return CopyStatement(table, dir.Join(ManifestName), iamRole), nil
}

// writeParquet has DuckDB write sel's rows into dir as data_<n>.parquet,
// at least one file.
func writeParquet(ctx context.Context, duck warehouse.Querier, sel, dir string) error {
	// Row groups of 32,768 rows, as exports write them (publish): DuckDB
	// starts a new file only between row groups.
	opts := "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 32768, FILE_SIZE_BYTES " + sqlname.Literal(fileSize) + ", FILENAME_PATTERN 'data_{i}'"
	if _, err := duck.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (%s)", sel, sqlname.Literal(dir), opts)); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.parquet"))
	if err != nil || len(files) > 0 {
		return err
	}
	// No rows, no file: one with the columns and no rows.
	_, err = duck.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", sel, sqlname.Literal(filepath.Join(dir, "data_0.parquet"))))
	return err
}

// manifest is the manifest of the files rels (relative to dir, their sizes
// sizes), as JSON.
func manifest(dir lake.URL, rels []string, sizes []int64) ([]byte, error) {
	if len(rels) == 0 {
		return nil, errors.New("DuckDB wrote no file")
	}
	var m lake.Manifest
	for i, rel := range rels {
		m.Add(dir.Join(rel), sizes[i])
	}
	data, err := json.MarshalIndent(m, "", "  ")
	return append(data, '\n'), err
}

// CopyStatement is Redshift's COPY of the Parquet files a manifest lists
// into table.
func CopyStatement(table sqlname.Relation, manifest lake.URL, iamRole string) string {
	return fmt.Sprintf("COPY %s\nFROM %s\nIAM_ROLE %s\nFORMAT AS PARQUET\nMANIFEST;\n", table, redshift.Literal(manifest.String()), redshift.Literal(iamRole))
}

// Stage is the s3:// folder a Redshift target's loads go through, with
// the role Redshift reads it as (the target's load: section).
type Stage struct {
	store   *lake.Store
	root    lake.URL
	iamRole string
	tmpDir  string
}

// OpenStage connects to the stage at prefix (through storage, the
// project's storage: settings); DuckDB writes the files under tmpDir
// first.
func OpenStage(ctx context.Context, storage lake.Settings, prefix, iamRole, tmpDir string) (*Stage, error) {
	root, err := lake.Parse(prefix)
	if err != nil {
		return nil, fmt.Errorf("load.stage: %w", err)
	}
	st, err := lake.Connect(ctx, storage)
	if err != nil {
		return nil, err
	}
	return &Stage{store: st, root: root, iamRole: iamRole, tmpDir: tmpDir}, nil
}

// Load writes query's rows under the stage's folder named by elem
// (RedshiftLoad) and returns the COPY that loads them into table.
func (s *Stage) Load(ctx context.Context, duck warehouse.Querier, query string, cols []Column, table sqlname.Relation, elem ...string) (string, error) {
	return RedshiftLoad(ctx, duck, query, cols, s.store, s.tmpDir, table, s.root.Join(elem...).String(), s.iamRole)
}
