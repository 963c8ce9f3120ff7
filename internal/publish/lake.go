package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/warehouse"
)

// An export to S3 cannot be swapped in by a rename: each run's files go to
// a folder of their own, <output>/<schema>/<name>/run=<id>/<format>/, and
// are published by writing, last, one manifest per format that lists them
// (Redshift's COPY ... MANIFEST format): a reader of the manifest sees the
// previous run or this one, never a mix. The runs published are listed in
// _published beside it (newest last), so that runs superseded, and uploads
// of runs that never got a manifest (a killed build), are deleted after the
// next successful export; the last keep_runs published runs stay, for the
// readers still on them.
const (
	publishedName = "_published"
	defaultKeep   = 2
)

// ManifestName is the manifest of a format's files: manifest for Parquet,
// manifest.<format> for another.
func ManifestName(format string) string {
	if format == "parquet" {
		return "manifest"
	}
	return "manifest." + format
}

// LakeDir is where a model's exports go on S3: <output>/<schema>/<name>.
func LakeDir(output lake.URL, m *project.Model) lake.URL {
	return output.Join(strings.ToLower(m.Schema), strings.ToLower(m.Name))
}

// WriteLake exports a model to S3 under output: DuckDB writes the files
// into a fresh folder under tmpDir (removed afterwards, whatever happens),
// they are uploaded under a new run= folder, the manifests are written,
// and superseded runs are deleted. It returns the rows written and the
// manifest reported (Parquet's when it is exported); published says the
// manifests were written, so an error with it is one of cleaning up.
func WriteLake(ctx context.Context, q warehouse.Querier, st *lake.Store, m *project.Model, output lake.URL, tmpDir string, runID int64) (rows int64, manifest lake.URL, published bool, err error) {
	e := m.Header.Export
	if e == nil || len(e.Formats) == 0 {
		return 0, lake.URL{}, false, nil
	}
	dir := LakeDir(output, m)
	history, err := readHistory(ctx, st, dir)
	if err != nil {
		return 0, lake.URL{}, false, err
	}
	folders, err := st.Folders(ctx, dir)
	if err != nil {
		return 0, lake.URL{}, false, err
	}
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return 0, lake.URL{}, false, fmt.Errorf("export %s: the local temporary folder: %w", m.ID(), err)
	}
	local, err := os.MkdirTemp(tmpDir, "elt-export-")
	if err != nil {
		return 0, lake.URL{}, false, fmt.Errorf("export %s: the local temporary folder: %w", m.ID(), err)
	}
	defer os.RemoveAll(local)
	if rows, _, err = writeFiles(ctx, q, m, local); err != nil {
		return 0, lake.URL{}, false, err
	}
	run := runFolder(runID, folders)
	manifests, err := upload(ctx, st, local, dir.Join(run), e.Formats)
	if err != nil {
		// Best effort: what was uploaded is unreferenced, and the next
		// successful export deletes it if this cannot.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		st.DeleteAll(dctx, dir.Join(run))
		cancel()
		return 0, lake.URL{}, false, err
	}
	// Publish: each manifest, one object written whole, names this run.
	for _, f := range e.Formats {
		data, err := json.MarshalIndent(manifests[f], "", "  ")
		if err != nil {
			return 0, lake.URL{}, false, err
		}
		if err := st.Put(ctx, dir.Join(ManifestName(f)), append(data, '\n'), "application/json"); err != nil {
			return 0, lake.URL{}, false, err
		}
	}
	manifest = dir.Join(ManifestName(e.Formats[0]))
	if slices.Contains(e.Formats, "parquet") {
		manifest = dir.Join(ManifestName("parquet"))
	}
	return rows, manifest, true, prune(ctx, st, dir, e, history, run, folders)
}

// runFolder is the folder of this run's files: run=<id>, or, should that
// exist already (a warehouse made again counts its runs from 1 again),
// run=<id>-<n> for the first n free.
func runFolder(runID int64, folders []string) string {
	name := fmt.Sprintf("run=%d", runID)
	for n := 2; slices.Contains(folders, name); n++ {
		name = fmt.Sprintf("run=%d-%d", runID, n)
	}
	return name
}

// upload puts every file under local (<format>/<path>) under run at the
// same path, a few at once, and returns each format's manifest of them.
func upload(ctx context.Context, st *lake.Store, local string, run lake.URL, formats []string) (map[string]*lake.Manifest, error) {
	rels, err := lake.LocalFiles(local)
	if err != nil {
		return nil, err
	}
	sizes, err := st.UploadFiles(ctx, local, rels, run)
	if err != nil {
		return nil, err
	}
	out := map[string]*lake.Manifest{}
	for _, f := range formats {
		out[f] = &lake.Manifest{Entries: []lake.ManifestEntry{}}
	}
	for i, rel := range rels {
		format, _, _ := strings.Cut(rel, "/")
		if m := out[format]; m != nil {
			m.Add(run.Join(rel), sizes[i])
		}
	}
	return out, nil
}

// readHistory is the runs published under dir, oldest first: those
// _published lists, then those the manifests name (written before it, so
// newer, should a build have been killed in between).
func readHistory(ctx context.Context, st *lake.Store, dir lake.URL) ([]string, error) {
	var runs []string
	data, err := st.Get(ctx, dir.Join(publishedName))
	switch {
	case errors.Is(err, lake.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		var ids []string
		if err := json.Unmarshal(data, &ids); err != nil {
			return nil, fmt.Errorf("%s is not elt's list of published runs (%v): delete it (the runs its manifests name are kept)", dir.Join(publishedName), err)
		}
		for _, id := range ids {
			runs = append(runs, "run="+id)
		}
	}
	for _, f := range []string{"parquet", "csv"} {
		run, err := manifestRun(ctx, st, dir, dir.Join(ManifestName(f)))
		if err != nil {
			return nil, err
		}
		if run != "" && !slices.Contains(runs, run) {
			runs = append(runs, run)
		}
	}
	return runs, nil
}

// manifestRun is the run= folder the manifest at u names ("" when there is
// no manifest, or it names no file).
func manifestRun(ctx context.Context, st *lake.Store, dir, u lake.URL) (string, error) {
	data, err := st.Get(ctx, u)
	if errors.Is(err, lake.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	var m lake.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("%s is not a manifest (%v): delete it, or write it again with the runs it names", u, err)
	}
	for _, e := range m.Entries {
		if f, err := lake.Parse(e.URL); err == nil && f.Within(dir) {
			run, _, _ := strings.Cut(strings.TrimPrefix(f.Key, dir.Key+"/"), "/")
			if strings.HasPrefix(run, "run=") {
				return run, nil
			}
		}
	}
	return "", nil
}

// prune, once this run's manifests are in place: deletes the manifests of
// formats no longer exported, records the runs kept in _published, and
// deletes every other run= folder.
func prune(ctx context.Context, st *lake.Store, dir lake.URL, e *project.Export, history []string, run string, folders []string) error {
	for _, f := range []string{"parquet", "csv"} {
		if !slices.Contains(e.Formats, f) {
			if err := st.Delete(ctx, dir.Join(ManifestName(f))); err != nil {
				return err
			}
		}
	}
	keep := e.KeepRuns
	if keep == 0 {
		keep = defaultKeep
	}
	kept := append(slices.DeleteFunc(slices.Clone(history), func(r string) bool { return r == run }), run)
	kept = kept[max(0, len(kept)-keep):]
	ids := make([]string, len(kept))
	for i, r := range kept {
		ids[i] = strings.TrimPrefix(r, "run=")
	}
	data, _ := json.Marshal(ids)
	if err := st.Put(ctx, dir.Join(publishedName), append(data, '\n'), "application/json"); err != nil {
		return err
	}
	for _, f := range folders {
		if strings.HasPrefix(f, "run=") && !slices.Contains(kept, f) {
			if err := st.DeleteAll(ctx, dir.Join(f)); err != nil {
				return err
			}
		}
	}
	return nil
}
