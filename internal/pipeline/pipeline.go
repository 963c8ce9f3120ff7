// Package pipeline owns the commands that feed and run the pipeline and
// change the warehouse: elt build, elt watch, elt migrate, and elt generate
// (synthetic bronze files, through gen; its events produced to a Kafka topic
// with --kafka, through stream). It wires
// the build (internal/build) to what it is given to do: the headers'
// check and the macros (describe), the exports and the feature store after
// the commit (publish); and hands watch the build as a function.
// It returns what the commands print; cli renders it.
package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/describe"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/gen"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/publish"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/stream/produce"
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
	// What an export is told of its history: the keys a build recorded
	// as changed since the run it holds (a build writes them, the export
	// reads them), and that it holds a run's rows.
	exports := publish.Exporter{
		Changes: func(ctx context.Context, model string) (publish.Changes, bool, error) {
			c, err := state.ExportChangesSince(ctx, db, model)
			if err != nil || c.Since == 0 || c.Whole {
				return publish.Changes{}, false, err
			}
			since, err := (state.Runs{DB: db}).Version(ctx, c.Since)
			if err != nil || since == "" {
				return publish.Changes{}, false, err
			}
			return publish.Changes{Since: since, Keys: c.Keys, Query: c.Query}, true, nil
		},
		Written: func(ctx context.Context, model string, run int64) error {
			return state.ExportWritten(ctx, db.DB, model, run)
		},
	}
	return &build.Builder{Project: p, DB: db, Events: rep,
		Check: describe.CheckHeaders, Export: exports.Exports, Serve: publish.Serve,
		Engine: build.Engine{Check: publish.EngineCheck, Build: publish.EngineBuild}}, nil
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

// WatchOn runs elt watch's loop with every build on b, whose warehouse
// stays open between builds: elt serve's, which answers queries on it
// meanwhile, each reader on a connection of its own seeing the last
// published build.
func WatchOn(ctx context.Context, b *build.Builder, interval time.Duration, rep event.Reporter, args, version string) error {
	run := func(ctx context.Context, hold map[string]bool, streams build.Streams) (*build.Summary, error) {
		return b.Run(ctx, build.Options{Args: args, Version: version, Hold: hold, Streams: streams})
	}
	return watch.Watch(ctx, b.Project, interval, event.Or(rep), run)
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

// UploadError is a failure to put generated files on object storage
// (gen.UploadError).
type UploadError = gen.UploadError

// Kafka is the topic elt generate --kafka produces the events to.
type Kafka struct {
	Brokers []string
	Topic   string
	// Partitions is how many partitions the topic is created with when
	// missing.
	Partitions int
}

// KafkaTarget reads elt generate's --kafka (brokers, comma-separated),
// --topic and --partitions (set: given): both or neither of the first two.
// No brokers is no Kafka.
func KafkaTarget(brokers, topic string, partitions int, partitionsSet bool) (Kafka, error) {
	k := Kafka{Topic: strings.TrimSpace(topic), Partitions: partitions}
	for _, b := range strings.Split(brokers, ",") {
		if b = strings.TrimSpace(b); b != "" {
			k.Brokers = append(k.Brokers, b)
		}
	}
	switch {
	case len(k.Brokers) == 0 && brokers != "":
		return k, errors.New("--kafka lists no broker: give host:port[,host:port...]")
	case len(k.Brokers) == 0 && (k.Topic != "" || partitionsSet):
		return k, errors.New("--topic and --partitions go with --kafka BROKERS, which produces the events to a Kafka topic")
	case len(k.Brokers) > 0 && k.Topic == "":
		return k, errors.New("--kafka needs --topic: the topic the events go to")
	case k.Partitions < 1:
		return k, fmt.Errorf("--partitions is at least 1, found %d", k.Partitions)
	}
	return k, nil
}

// Summary says what Generate wrote, the files under out.
func (g Generated) Summary(out string) string {
	events := fmt.Sprintf("generated %d events, ", g.Events)
	if g.Kafka.Topic != "" {
		how := "existing topic"
		if g.Created {
			how = "new topic"
		}
		events = fmt.Sprintf("produced %d events to the %s %s (%d partitions) on the Kafka brokers %s; generated ",
			g.Events, how, g.Kafka.Topic, g.Kafka.Partitions, strings.Join(g.Kafka.Brokers, ","))
	}
	return fmt.Sprintf("%s%d transactions, %d user rows in %d files under %s", events, g.Transactions, g.Users, g.Files, out)
}

// NotTheOptions reports whether an error of Generate is not a mistake in
// its options: a file or object that exists, a failure to upload or to
// produce.
func NotTheOptions(err error) bool {
	var exists *ExistsError
	var upload *UploadError
	var produce *ProduceError
	return errors.As(err, &exists) || errors.As(err, &upload) || errors.As(err, &produce)
}

// Generated is what Generate wrote: the counts and, with Kafka, the topic.
type Generated struct {
	GenerateStats
	// Kafka is the topic the events went to, its Partitions those it has;
	// Created says Generate created it.
	Kafka   Kafka
	Created bool
}

// ProduceError is a failure to produce the events to Kafka (not a mistake
// in the options).
type ProduceError struct{ Err error }

func (e *ProduceError) Error() string { return e.Err.Error() }
func (e *ProduceError) Unwrap() error { return e.Err }

// BronzeDir is the bronze folder of the project in dir, bronze (when set)
// overriding its elt.yaml: where elt generate writes unless told.
func BronzeDir(dir, bronze string) (string, error) {
	p, err := project.Load(dir, project.Overrides{Bronze: bronze})
	if err != nil {
		return "", err
	}
	return p.Resolve(p.Config.Paths.Bronze), nil
}

// produceBatch is how many events one ProduceSync sends.
const produceBatch = 2000

// Generate writes synthetic bronze files that follow the data contract
// into o.Out, a folder or an s3:// prefix (gen.Write, reaching the bucket
// with the storage: settings of the project in dir, if it has an elt.yaml)
// (elt generate).
//
// With a Kafka topic, the events are not files: each line is one message
// to the topic (created with k.Partitions when missing), keyed by the
// event's user_id when the line is JSON with one (so a user's events stay
// in order in one partition), without a key otherwise (malformed lines go
// too: they are part of the dirt). The other files go to o.Out as usual,
// after every event was produced.
func Generate(ctx context.Context, o GenerateOptions, dir string, k Kafka) (Generated, error) {
	var cfg project.Config
	if _, err := os.Stat(filepath.Join(dir, project.ConfigFile)); !errors.Is(err, fs.ErrNotExist) {
		if cfg, err = project.LoadConfig(dir); err != nil {
			return Generated{}, err
		}
	}
	if len(k.Brokers) == 0 {
		st, err := gen.Write(ctx, o, cfg.Storage)
		return Generated{GenerateStats: st}, err
	}
	prod, err := produce.OpenProducer(ctx, produce.Config{Brokers: k.Brokers, Topic: k.Topic})
	if err != nil {
		return Generated{}, &ProduceError{err}
	}
	defer prod.Close()
	g := Generated{Kafka: k}
	if g.Kafka.Partitions, g.Created, err = prod.EnsureTopic(ctx, k.Partitions); err != nil {
		return Generated{}, &ProduceError{err}
	}
	batch := make([]produce.Message, 0, produceBatch)
	o.EventSink = func(line []byte) error {
		if line != nil {
			batch = append(batch, produce.Message{Key: userKey(line), Value: bytes.Clone(line), Partition: produce.AnyPartition})
		}
		if len(batch) == 0 || (line != nil && len(batch) < produceBatch) {
			return nil
		}
		err := prod.Produce(ctx, batch)
		batch = batch[:0]
		if err != nil {
			return &ProduceError{err}
		}
		return nil
	}
	g.GenerateStats, err = gen.Write(ctx, o, cfg.Storage)
	return g, err
}

// userKey is the user_id of an event line, or nil when the line is not
// JSON or has none (or null).
func userKey(line []byte) []byte {
	var ev struct {
		UserID json.RawMessage `json:"user_id"`
	}
	if json.Unmarshal(line, &ev) != nil || len(ev.UserID) == 0 || string(ev.UserID) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(ev.UserID, &s) == nil {
		return []byte(s)
	}
	return ev.UserID // a number: its text
}
