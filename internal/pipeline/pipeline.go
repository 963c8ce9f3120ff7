// Package pipeline owns the commands that feed and run the pipeline and
// change the warehouse: elt build, elt watch, elt migrate, and elt generate
// (synthetic bronze files, through gen). It wires
// the build (internal/build) to what it is given to do: the headers'
// check and the macros (describe), the exports and the feature store after
// the commit (publish); and hands watch the build as a function.
// It returns what the commands print; cli renders it.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/describe"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/publish"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/watch"
)

// Options choose what a build does (build.Options).
type Options = build.Options

// Summary is what a build did (build.Summary).
type Summary = build.Summary

// ErrCancelled is returned when the context ends a build.
var ErrCancelled = build.ErrCancelled

// DefaultWatchInterval is how often elt watch looks at the bronze folder.
const DefaultWatchInterval = watch.DefaultWatchInterval

// Progress is where a build's progress goes: Events what it does (nil
// drops them), Trace (when set) its step timings, Live (when set: a
// terminal) the running step (see build.Builder.Live).
type Progress struct {
	Events event.Reporter
	Trace  io.Writer
	Live   func(step string, percent func() float64) (rows func(int64), done func())
}

// OpenBuilder opens p's warehouse for writing and returns its build, its
// events reported to rep, with all the build is given to do: the headers
// checked before anything runs, the macros created, the exports written
// and the feature store served after the commit. The caller closes its DB.
func OpenBuilder(ctx context.Context, p *project.Project, rep event.Reporter) (*build.Builder, error) {
	db, err := state.Open(ctx, p, state.Write)
	if err != nil {
		return nil, err
	}
	return &build.Builder{Project: p, DB: db, Events: rep,
		Check: describe.CheckHeaders, Export: publish.Exports, Serve: publish.Serve}, nil
}

// Build opens p's warehouse for writing and runs one build (elt build).
func Build(ctx context.Context, p *project.Project, o Options, pr Progress) (*Summary, error) {
	b, err := OpenBuilder(ctx, p, pr.Events)
	if err != nil {
		return nil, err
	}
	defer b.DB.Close()
	b.Live, b.Trace = pr.Live, pr.Trace
	return b.Run(ctx, o)
}

// Watch runs elt watch: an incremental build whenever new bronze files are
// whole, until ctx ends, reporting to rep and each build's own events to
// builds; args and version go to the run history as a build's do.
func Watch(ctx context.Context, p *project.Project, interval time.Duration, rep, builds event.Reporter, args, version string) error {
	// The warehouse is opened for each build only, so elt query and
	// elt test can read it between builds.
	run := func(ctx context.Context, hold map[string]bool, streams build.Streams) (*build.Summary, error) {
		b, err := OpenBuilder(ctx, p, builds)
		if err != nil {
			return nil, err
		}
		defer b.DB.Close()
		return b.Run(ctx, build.Options{Args: args, Version: version, Hold: hold, Streams: streams})
	}
	return watch.Watch(ctx, p, interval, event.Or(rep), run)
}

// Migrator applies and reverts the migrations of the tool's own tables
// (state.Migrator).
type Migrator = state.Migrator

// LatestMigration is the version the migrations bring the warehouse to.
func LatestMigration() uint { return state.Latest() }

// MigrateDown reverts steps migrations, or all of them, and returns the
// tables that dropped (elt migrate down).
func MigrateDown(m *Migrator, steps int, all bool) (dropped []string, err error) {
	v, _, err := m.Version()
	if err != nil {
		return nil, err
	}
	to := uint(0)
	if !all && uint(steps) < v {
		to = v - uint(steps)
	}
	if dropped, err = m.Dropped(to); err != nil {
		return nil, err
	}
	return dropped, m.Down(int(v - to))
}

// OpenMigrator opens p's warehouse, without migrating it, for elt migrate
// command (up, down, version); only up may create it. The caller calls
// close.
func OpenMigrator(ctx context.Context, p *project.Project, command string) (m *Migrator, close func() error, err error) {
	path := p.Resolve(p.Config.Paths.Warehouse)
	if _, err := os.Stat(path); err != nil && command != "up" {
		return nil, nil, fmt.Errorf("no warehouse at %s: nothing to %s (elt build or elt migrate up creates it)", path, command)
	}
	db, err := state.Open(ctx, p, state.Unmigrated)
	if err != nil {
		return nil, nil, err
	}
	if m, err = state.NewMigrator(db.DB); err != nil {
		db.Close()
		return nil, nil, err
	}
	return m, db.Close, nil
}

// GenerateOptions say what synthetic bronze data to write (gen.Options).
type GenerateOptions = gen.Options

// GenerateStats count what Generate wrote (gen.Stats).
type GenerateStats = gen.Stats

// ExistsError refuses to write over an existing file (gen.ExistsError).
type ExistsError = gen.ExistsError

// Storage is the storage: settings of the project in dir (none when dir
// holds no elt.yaml): how elt generate reaches an s3:// --out.
func Storage(dir string) (lake.Settings, error) {
	if _, err := os.Stat(filepath.Join(dir, project.ConfigFile)); errors.Is(err, fs.ErrNotExist) {
		return lake.Settings{}, nil
	}
	cfg, err := project.LoadConfig(dir)
	return cfg.Storage, err
}

// BronzeDir is the bronze folder of the project in dir, bronze (when set)
// overriding its elt.yaml: where elt generate writes unless told.
func BronzeDir(dir, bronze string) (string, error) {
	p, err := project.Load(dir, project.Overrides{Bronze: bronze})
	if err != nil {
		return "", err
	}
	return p.Resolve(p.Config.Paths.Bronze), nil
}

// Generate writes synthetic bronze files that follow the data contract
// into o.Out (elt generate).
//
// An Out at an s3:// prefix is written to a temporary folder first, then
// uploaded (four objects at a time), refusing, before anything is
// uploaded, to replace an object that exists (gen.ExistsError), as it
// refuses to overwrite a file; storage reaches the bucket.
func Generate(ctx context.Context, o GenerateOptions, storage lake.Settings) (GenerateStats, error) {
	if !lake.IsURL(o.Out) {
		return gen.Generate(o)
	}
	prefix, err := lake.Parse(o.Out)
	if err != nil {
		return GenerateStats{}, err
	}
	tmp, err := os.MkdirTemp("", "elt-generate-")
	if err != nil {
		return GenerateStats{}, err
	}
	defer os.RemoveAll(tmp)
	local := o
	local.Out = tmp
	st, err := gen.Generate(local)
	if err != nil {
		return st, err
	}
	return st, upload(ctx, tmp, prefix, storage)
}

// UploadError is a failure to put generated files on object storage (not
// a mistake in the options).
type UploadError struct{ Err error }

func (e *UploadError) Error() string { return e.Err.Error() }
func (e *UploadError) Unwrap() error { return e.Err }

// upload puts every file under dir at the same path under prefix
// (lake.UploadFiles), after making sure that none of them exists there.
func upload(ctx context.Context, dir string, prefix lake.URL, storage lake.Settings) error {
	store, err := lake.Connect(ctx, storage)
	if err != nil {
		return &UploadError{err}
	}
	existing, err := store.List(ctx, prefix)
	if err != nil {
		return &UploadError{err}
	}
	have := map[string]bool{}
	for _, obj := range existing {
		have[obj.Key] = true
	}
	rels, err := lake.LocalFiles(dir)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		if u := prefix.Join(rel); have[u.Key] {
			return &ExistsError{Path: u.String()}
		}
	}
	if _, err := store.UploadFiles(ctx, dir, rels, prefix); err != nil {
		return &UploadError{err}
	}
	return nil
}
