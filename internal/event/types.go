package event

import "time"

// RunStarted: elt began a command.
type RunStarted struct {
	Command string `json:"command"`
	Args    string `json:"args,omitempty"`
	Version string `json:"version,omitempty"`
}

// RunFinished is the last event of a command: its status matches the exit
// code (Success 0; Blocked and Failed 1, Failed 2 for a usage error;
// Cancelled 130).
type RunFinished struct {
	Command  string  `json:"command,omitempty"`
	Status   string  `json:"status"`
	ExitCode int     `json:"exit_code"`
	Error    string  `json:"error,omitempty"`
	Seconds  float64 `json:"seconds"`
}

// BuildStarted: a build began, as run RunID, building Models in order.
type BuildStarted struct {
	RunID   int64    `json:"run_id"`
	Models  []string `json:"models"`
	Sources []string `json:"sources,omitempty"`
}

// SourceSkipped: a source is not loaded because no model reads it (no
// selected model, when Selection narrows the build).
type SourceSkipped struct {
	Source    string `json:"source"`
	Selection bool   `json:"selection,omitempty"`
}

// SourceIngested: the new files of a source were read into bronze.
type SourceIngested struct {
	Source      string  `json:"source"`
	Files       int     `json:"files"`
	Records     int64   `json:"records"`
	Quarantined int64   `json:"quarantined"` // records rejected, kept in the quarantine
	Held        int     `json:"held,omitempty"`
	Seconds     float64 `json:"seconds"`
	// Topic is a Kafka source's topic (its records are messages), and
	// Partitions those that brought messages.
	Topic      string `json:"topic,omitempty"`
	Partitions int    `json:"partitions,omitempty"`
}

// Note is something to know; Text is the sentence a person reads (naming
// the source when there is one), Files the paths it is about.
type Note struct {
	Kind   string   `json:"kind"`
	Source string   `json:"source,omitempty"`
	Text   string   `json:"text"`
	Files  []string `json:"files,omitempty"`
}

// Warning is something to act on; its fields are a Note's.
type Warning Note

// Model build modes, as ModelDone.Mode says them.
const (
	ModeView        = "view"
	ModeTable       = "table"
	ModeFull        = "full"        // an incremental model built whole
	ModeIncremental = "incremental" // an incremental model brought up to date
	ModeUnchanged   = "unchanged"   // a seed whose file did not change
)

// Model statuses, as ModelDone.Status says them.
const (
	ModelBuilt  = "built"
	ModelFailed = "failed"
)

// ModelDone: the Index-th model of Count was built (or failed).
type ModelDone struct {
	Index   int     `json:"index"`
	Count   int     `json:"count"`
	Model   string  `json:"model"`
	Mode    string  `json:"mode"`
	Status  string  `json:"status"`
	Rows    int64   `json:"rows"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

// ModelsSkipped: after model Failed failed, Models were not run, and
// nothing was published.
type ModelsSkipped struct {
	Failed string   `json:"failed"`
	Models []string `json:"models"`
}

// Checks are the totals of an audit; a CheckResult follows for each check.
type Checks struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Warnings int `json:"warnings"`
}

// Check statuses, as CheckResult.Status says them (the run history's).
const (
	CheckPass  = "pass"
	CheckFail  = "fail"
	CheckWarn  = "warn"
	CheckError = "error" // could not run
)

// CheckResult is one check of a model, a source's quarantine gate or a
// data test.
type CheckResult struct {
	Target   string `json:"target"` // the model (schema.name), "source <name>" or the data test's file
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Status   string `json:"status"`
	Passed   bool   `json:"passed"`
	// Blocking is set when the result stops publication.
	Blocking bool  `json:"blocking"`
	Failing  int64 `json:"failing"`
	Total    int64 `json:"total"`
	// Unit is what is counted: row, record (the quarantine gate) or test
	// (a data test's returned rows).
	Unit string `json:"unit"`
	// Allowed is the largest share of failing rows that still passes.
	Allowed float64 `json:"allowed,omitempty"`
	Detail  string  `json:"detail,omitempty"`
	Error   string  `json:"error,omitempty"`
	Samples *Table  `json:"samples,omitempty"`
}

// Table is a few rows as text: NULL is nil.
type Table struct {
	Columns []string    `json:"columns"`
	Types   []string    `json:"types"`
	Rows    [][]*string `json:"rows"`
}

// Balance accounts for every record of one source: Read = Silver +
// Superseded + Quarantined + Filtered, and Read = Bronze + Quarantined.
type Balance struct {
	Source      string `json:"source"`
	Model       string `json:"model"`
	Read        int64  `json:"read"`
	Silver      int64  `json:"silver"`
	Superseded  int64  `json:"superseded"`
	Quarantined int64  `json:"quarantined"`
	Filtered    int64  `json:"filtered"`
	Bronze      int64  `json:"bronze"`
	Balanced    bool   `json:"balanced"`
}

// Reconciliation is the build's reconciliation, a Balance per source.
type Reconciliation struct {
	Sources []Balance `json:"sources"`
}

// Published: the build's transaction committed.
type Published struct {
	RunID int64 `json:"run_id"`
}

// ExportWritten: a model's export was swapped in whole (Path its folder),
// its CSV files brought up to date by the records of the changed keys
// (Patched), kept as it was (Kept), or, on S3, published by its manifest
// (Path the manifest's s3:// address).
type ExportWritten struct {
	Model   string   `json:"model"`
	Formats []string `json:"formats"`
	Rows    int64    `json:"rows"`
	Path    string   `json:"path"`
	Seconds float64  `json:"seconds"`
	// Kept: the model's rows did not change in this build, and its export
	// already held them, so it was kept as it was rather than written.
	Kept bool `json:"kept,omitempty"`
	// Patched: only the rows of Changed keys changed since the run the
	// export held, and only their records of its CSV files were written,
	// the others copied (publish.Patch); its other formats were written.
	Patched bool  `json:"patched,omitempty"`
	Changed int64 `json:"changed_keys,omitempty"`
}

// OnlinePublished: a model's changed rows reached the feature store.
type OnlinePublished struct {
	Model   string  `json:"model"`
	Keys    int     `json:"keys"`
	Written int     `json:"written"`
	Deleted int     `json:"deleted"`
	Seconds float64 `json:"seconds"`
}

// OnlineSkipped: a model with an online: section was not served.
type OnlineSkipped struct {
	Model  string `json:"model"`
	Reason string `json:"reason"`
}

// OnlineWarning: the feature store was not (fully) updated; the build stays
// published, and the next build writes the rows still pending.
type OnlineWarning struct {
	Model string `json:"model,omitempty"`
	Text  string `json:"text"`
}

// BuildFinished: a build published Models models.
type BuildFinished struct {
	RunID   int64   `json:"run_id"`
	Models  int     `json:"models"`
	Seconds float64 `json:"seconds"`
}

// UnitTests are the totals of the unit tests; a UnitTestResult follows for
// each.
type UnitTests struct {
	Passed int `json:"passed"`
	Failed int `json:"failed"`
}

// UnitTestResult is one unit test: Missing are the expected rows not
// returned, Extra the rows returned and not expected.
type UnitTestResult struct {
	Test    string   `json:"test"`
	Model   string   `json:"model"`
	How     string   `json:"how"`
	Passed  bool     `json:"passed"`
	Error   string   `json:"error,omitempty"`
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
}

// DocsWritten: the documentation site was written to Path.
type DocsWritten struct {
	Path    string `json:"path"`
	Models  int    `json:"models"`
	Sources int    `json:"sources"`
}

// TestScaffolded: elt tests scaffold wrote the unit test at Path, with
// Inputs input rows and Expected expected rows.
type TestScaffolded struct {
	Path     string `json:"path"`
	Inputs   int    `json:"inputs"`
	Expected int    `json:"expected"`
}

// Info is a line of a command's report that carries no figures.
type Info struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// WatchStarted: watch began. Polling, when set, says why file events are
// not available (watch then polls only).
type WatchStarted struct {
	Dir             string  `json:"dir"`
	IntervalText    string  `json:"interval"` // as Go writes a duration: 2s, 500ms
	IntervalSeconds float64 `json:"interval_seconds"`
	Polling         string  `json:"polling,omitempty"`
	// Topics are the Kafka sources read in micro-batches, as said.
	Topics []string `json:"topics,omitempty"`
}

// Reasons a file is held back, as WatchFileHeld.Reason says them.
const (
	HeldEmpty   = "empty"
	HeldChanged = "changed"
)

// WatchFileHeld: a file is held back from watch's builds: an empty one
// until it has content, a changed one (the warehouse refuses it) from now
// on. At is when watch saw it.
type WatchFileHeld struct {
	File   string    `json:"file"`
	Reason string    `json:"reason"`
	Text   string    `json:"text,omitempty"`
	At     time.Time `json:"-"`
}

// WatchBuildStarted: Ready files are whole and a build runs for them,
// holding back Held files still being written.
type WatchBuildStarted struct {
	Ready int `json:"ready"`
	Held  int `json:"held"`
}

// WatchBuildDone: a build of watch, begun At, published.
type WatchBuildDone struct {
	RunID       int64     `json:"run_id"`
	Files       int       `json:"files"`
	Messages    int64     `json:"messages,omitempty"` // of Kafka sources, among Records
	Records     int64     `json:"records"`
	Quarantined int64     `json:"quarantined"`
	Models      int       `json:"models"`
	Seconds     float64   `json:"seconds"`
	Warnings    []string  `json:"warnings,omitempty"`
	At          time.Time `json:"-"`
}

// WatchBuildFailed: a build of watch, begun At, failed with Waiting new
// files; watching goes on.
type WatchBuildFailed struct {
	Waiting int       `json:"waiting"`
	Error   string    `json:"error"`
	At      time.Time `json:"-"`
}

// WatchPollFailed: the bronze folder could not be read at At, or (Kafka)
// a Kafka source's brokers not asked for new messages.
type WatchPollFailed struct {
	Error string    `json:"error"`
	Kafka bool      `json:"kafka,omitempty"`
	At    time.Time `json:"-"`
}

// WatchLag: how many messages of each partition of a Kafka source's
// topic the last published build has not read, as watch last asked the
// brokers; reported when it changes (the terminal shows nothing of it;
// elt serve's metrics do).
type WatchLag struct {
	Source     string          `json:"source"`
	Topic      string          `json:"topic"`
	Partitions map[int32]int64 `json:"partitions"`
}

// WatchStopped: watch stopped.
type WatchStopped struct{}

// Name implementations: each event's name in the schema.

func (RunStarted) Name() string        { return "run_started" }
func (RunFinished) Name() string       { return "run_finished" }
func (BuildStarted) Name() string      { return "build_started" }
func (SourceSkipped) Name() string     { return "source_skipped" }
func (SourceIngested) Name() string    { return "source_ingested" }
func (Note) Name() string              { return "note" }
func (Warning) Name() string           { return "warning" }
func (ModelDone) Name() string         { return "model_done" }
func (ModelsSkipped) Name() string     { return "models_skipped" }
func (Checks) Name() string            { return "checks" }
func (CheckResult) Name() string       { return "check_result" }
func (Reconciliation) Name() string    { return "reconciliation" }
func (Published) Name() string         { return "published" }
func (ExportWritten) Name() string     { return "export_written" }
func (OnlinePublished) Name() string   { return "online_published" }
func (OnlineSkipped) Name() string     { return "online_skipped" }
func (OnlineWarning) Name() string     { return "online_warning" }
func (BuildFinished) Name() string     { return "build_finished" }
func (UnitTests) Name() string         { return "unit_tests" }
func (UnitTestResult) Name() string    { return "unit_test_result" }
func (DocsWritten) Name() string       { return "docs_written" }
func (TestScaffolded) Name() string    { return "test_scaffolded" }
func (Info) Name() string              { return "info" }
func (WatchStarted) Name() string      { return "watch_started" }
func (WatchFileHeld) Name() string     { return "watch_file_held" }
func (WatchBuildStarted) Name() string { return "watch_build_started" }
func (WatchBuildDone) Name() string    { return "watch_build_done" }
func (WatchBuildFailed) Name() string  { return "watch_build_failed" }
func (WatchPollFailed) Name() string   { return "watch_poll_failed" }
func (WatchLag) Name() string          { return "watch_lag" }
func (WatchStopped) Name() string      { return "watch_stopped" }
