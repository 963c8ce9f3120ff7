// Package project owns loading what a user writes: elt.yaml (with its
// targets, variables and seeds), the model files and their YAML headers,
// macros and data tests. It reads them strictly and reports every problem
// at the path:line:col where it stands (internal/diag); what a source and
// a check declare is internal/contract's.
package project

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/digitalservices/elt/internal/contract"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/engine/target"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/serve/settings"
)

// ConfigFile is the name of the project file at the project root.
const ConfigFile = "elt.yaml"

// Config is elt.yaml. Defaults are filled in first, then the file, then
// flags and environment (see Overrides), then Validate.
type Config struct {
	Version int                        `yaml:"version"`
	Paths   Paths                      `yaml:"paths"`
	DuckDB  DuckDB                     `yaml:"duckdb"`
	Models  ModelDefaults              `yaml:"models"`
	Sources map[string]contract.Source `yaml:"sources"`
	// Online is where models with an online: section are served from.
	Online OnlineStore `yaml:"online"`
	// Storage is how s3:// paths are reached (credentials are not here:
	// they come only from the AWS default chain).
	Storage lake.Settings `yaml:"storage"`
	// Serve is where elt serve listens and the limits of its clients.
	Serve settings.Serve `yaml:"serve"`
	// Vars are the project's variables, set as DuckDB variables before
	// every model (read with getvariable('name')); a model's own vars: and
	// --var override them.
	Vars map[string]any `yaml:"vars"`
	// Targets are named sets of paths, engine settings and vars that
	// --target NAME lays over the rest (dev, prod ...).
	Targets map[string]Target `yaml:"targets"`
	// Seeds declare the column types of seeds/<schema>/<name>.csv files,
	// by schema.name (written nested, schema then name, or flat);
	// undeclared columns are sniffed by DuckDB.
	Seeds SeedConfigs `yaml:"seeds"`
	// Target is the target chosen, "" for none.
	Target string `yaml:"-"`
	// Engine and EngineLoad are the chosen target's (Target), "" for DuckDB.
	Engine     string      `yaml:"-"`
	EngineLoad target.Load `yaml:"-"`
	// Text is elt.yaml as written, for placing errors found later.
	Text string `yaml:"-"`
}

// Paths are where the project reads and writes; relative ones resolve
// against the project folder.
type Paths struct {
	Bronze    string `yaml:"bronze"`
	Warehouse string `yaml:"warehouse"`
	Output    string `yaml:"output"`
	Design    string `yaml:"design"`
}

// IsURL tells whether a path is an object storage address (s3://...),
// which is taken as written, never against the project folder.
func IsURL(path string) bool { return lake.IsURL(path) }

// ParseURL checks an s3:// address as elt.yaml's paths are checked, and
// writes it the one way: s3://bucket/key, no repeated or trailing slash.
func ParseURL(u string) (string, error) {
	parsed, err := lake.Parse(u)
	return parsed.String(), err
}

// OnlineStore is the feature store's connection.
type OnlineStore struct {
	// RedisURL is redis://host:port/db; ELT_REDIS_URL or --redis-url
	// override it.
	RedisURL string `yaml:"redis_url"`
}

// DuckDB holds the engine settings applied when the warehouse is opened.
type DuckDB struct {
	Threads       int    `yaml:"threads"`
	MemoryLimit   string `yaml:"memory_limit"`
	TempDirectory string `yaml:"temp_directory"`
}

// Target is one entry of targets: what it sets replaces the top level's.
type Target struct {
	Paths   Paths          `yaml:"paths"`
	DuckDB  DuckDB         `yaml:"duckdb"`
	Vars    map[string]any `yaml:"vars"`
	Online  OnlineStore    `yaml:"online"`
	Storage lake.Settings  `yaml:"storage"`
	// Engine builds in postgres or redshift; Load is how records reach
	// redshift (target.Problem says what is wrong with them).
	Engine string      `yaml:"engine"`
	Load   target.Load `yaml:"load"`
}

// SeedConfig describes one seed.
type SeedConfig struct {
	Description string `yaml:"description"`
	// ColumnTypes are DuckDB types by column name, for columns whose
	// sniffed type is not the one wanted (ids with leading zeros, say).
	ColumnTypes map[string]string `yaml:"column_types"`
}

// ModelDefaults apply to every model whose header does not say otherwise.
type ModelDefaults struct {
	Materialized Materialization `yaml:"materialized"`
}

// Project is a loaded project: its folder, configuration and models.
type Project struct {
	Dir    string
	Config Config
	// Models are the model files and the seeds, by ID.
	Models []*Model
	// Macros are the files of macros/, by path.
	Macros []Macro
	// DataTests are the files of sql/tests/, by path: queries that must
	// return no rows.
	DataTests []SQLFile
	// Unread are the files and folders under models/ that elt does not
	// read (UnreadModelFiles), for a warning.
	Unread []string
}

// Overrides are the global flags (or their environment variables); empty
// fields leave the configuration alone.
type Overrides struct {
	Bronze, Warehouse, Output, RedisURL string
	// Target names an entry of elt.yaml's targets.
	Target string
	// Vars are --var name=value settings, values read as YAML.
	Vars map[string]any
	// Threads overrides duckdb.threads (0 leaves it).
	Threads int
}

// DefaultConfig is the configuration of an elt.yaml holding only version: 1.
func DefaultConfig() Config {
	return Config{
		Version: 1,
		Paths:   Paths{Bronze: "data/bronze", Warehouse: "data/warehouse.duckdb", Output: "data/out", Design: "design"},
		Models:  ModelDefaults{Materialized: View},
	}
}

// LoadConfig reads dir/elt.yaml strictly.
func LoadConfig(dir string) (Config, error) {
	cfg := DefaultConfig()
	path := filepath.Join(dir, ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return cfg, fmt.Errorf("no %s in %s: run elt in a project folder or pass --project", ConfigFile, dir)
		}
		return cfg, fmt.Errorf("read %s: %w", ConfigFile, err)
	}
	return ParseConfig(string(data))
}

// ParseConfig reads the text of an elt.yaml strictly, as LoadConfig reads
// the file.
func ParseConfig(text string) (Config, error) {
	cfg := DefaultConfig()
	cfg.Version = 0
	text = QuoteDecimals(text)
	cfg.Text = text
	if err := lake.RefuseCredentials(ConfigFile, text); err != nil {
		return cfg, err
	}
	if err := diag.DecodeStrict(ConfigFile, text, text, 0, 0, &cfg); err != nil {
		return cfg, err
	}
	return cfg, cfg.validate(text)
}

// decimalRe finds an unquoted type: decimal(p,s), whose comma would split a
// YAML flow mapping ({name: amount, type: decimal(10,2)}).
var decimalRe = regexp.MustCompile(`(type:[ \t]*)(decimal\([ \t]*\d+[ \t]*,[ \t]*\d+[ \t]*\))`)

// QuoteDecimals quotes each unquoted decimal(p,s) type, so the form
// people write in a flow mapping reads as one value.
func QuoteDecimals(text string) string {
	return decimalRe.ReplaceAllString(text, `$1"$2"`)
}

var memRe = regexp.MustCompile(`(?i)^\s*([0-9]+(?:\.[0-9]+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$`)

func (c *Config) validate(text string) error {
	var errs diag.Errors
	bad := func(key, format string, args ...any) {
		line, col := diag.FindKey(text, key)
		errs = append(errs, diag.At(ConfigFile, text, line, col, format, args...))
	}
	if c.Version != 1 {
		bad("version", "version must be 1, found %d", c.Version)
	}
	loc := diag.NewLocator(text)
	engine := func(d DuckDB, path ...string) {
		if line, col, set := loc.Lookup(append(path, "duckdb", "threads")...); set && (d.Threads < 1 || d.Threads > MaxThreads) {
			errs = append(errs, diag.At(ConfigFile, text, line, col, "threads must be from 1 to %d, found %d", MaxThreads, d.Threads))
		}
		if line, col, set := loc.Lookup(append(path, "duckdb", "memory_limit")...); set {
			if n, ok := MemorySize(d.MemoryLimit); !ok {
				errs = append(errs, diag.At(ConfigFile, text, line, col, "memory_limit must be a positive size like 4GB or 512MB, found %q (a number and its unit: B, KB, MB, GB, TB, or KiB to TiB)", d.MemoryLimit))
			} else if n < MinMemoryLimit {
				errs = append(errs, diag.At(ConfigFile, text, line, col, "memory_limit must be at least %s (DuckDB fails with less), found %q", MinMemoryLimitText, d.MemoryLimit))
			}
		}
	}
	vars := func(vs map[string]any, path ...string) {
		for _, name := range sortedKeys(vs) {
			if err := VarValue(vs[name]); err != nil {
				line, col := loc.Find(append(path, "vars", name)...)
				errs = append(errs, diag.At(ConfigFile, text, line, col, "variable %s: %v", name, err))
			}
		}
	}
	at := func(path []string, msg string) {
		line, col := loc.Find(path...)
		errs = append(errs, diag.At(ConfigFile, text, line, col, "%s", msg))
	}
	storage := func(s lake.Settings, path ...string) {
		for k, msg := range s.Problems(func(k string) bool { _, _, set := loc.Lookup(append(path, "storage", k)...); return set }) {
			at(append(path, "storage", k), msg)
		}
	}
	paths := func(ps Paths, path ...string) {
		for key, v := range map[string]string{"bronze": ps.Bronze, "output": ps.Output, "warehouse": ps.Warehouse, "design": ps.Design} {
			if msg := lake.CheckPath(key, v); IsURL(v) && msg != "" {
				at(append(path, "paths", key), msg)
			}
		}
	}
	for k, msg := range c.Serve.Problems(func(k string) bool { _, _, set := loc.Lookup("serve", k); return set }) {
		at([]string{"serve", k}, msg)
	}
	engine(c.DuckDB)
	vars(c.Vars)
	storage(c.Storage)
	paths(c.Paths)
	for _, name := range sortedKeys(c.Targets) {
		engine(c.Targets[name].DuckDB, "targets", name)
		vars(c.Targets[name].Vars, "targets", name)
		storage(c.Targets[name].Storage, "targets", name)
		paths(c.Targets[name].Paths, "targets", name)
		if key, msg := target.Problem(c.Targets[name].Engine, c.Targets[name].Load); key != "" {
			at([]string{"targets", name, key}, "target "+name+": "+msg)
		}
	}
	if m := c.Models.Materialized; m != "" && !validMaterialized(m) {
		bad("materialized", "materialized must be one of %s, found %q", materializationList(), m)
	}
	for _, name := range sortedKeys(c.Sources) {
		s := c.Sources[name]
		at := func(path ...string) func(format string, args ...any) {
			return func(format string, args ...any) {
				line, col := loc.Find(append([]string{"sources", name}, path...)...)
				errs = append(errs, diag.At(ConfigFile, text, line, col, "source %s: %s", name, fmt.Sprintf(format, args...)))
			}
		}
		if !contract.IsIdent(name) {
			at()("the name must be a plain identifier (letters, digits, _)")
		}
		if s.Kafka != nil && s.Path != "" {
			at("path")("a Kafka source reads its topic, not a folder: remove path")
		}
		if s.Path == "" {
			s.Path = name
		}
		if msg := lake.CheckPath("", s.Path); IsURL(s.Path) && msg != "" {
			at("path")("%s", msg)
		}
		s.Validate(at)
		c.Sources[name] = s
	}
	return errs.Err()
}

// VarValue says why a variable's value cannot be a SQL value (infinity and
// NaN, which SET VARIABLE cannot take), nil when it can.
func VarValue(v any) error {
	if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return fmt.Errorf("%v is not a SQL value: give a finite number, or quote it for text", f)
	}
	return nil
}

// MaxThreads is the most DuckDB threads elt.yaml may ask for.
const MaxThreads = 1024

// MinMemoryLimit is the least memory_limit elt.yaml may give, in bytes:
// 64MB (as DuckDB reads MB, 1000×1000 bytes). DuckDB cannot open a
// warehouse in 1KB, and fails its first statement in a few MB.
const MinMemoryLimit = 64 * 1000 * 1000

// MinMemoryLimitText is MinMemoryLimit as elt.yaml writes it.
const MinMemoryLimitText = "64MB"

// MemorySize reads a memory size as DuckDB does: a number and its unit (B,
// KB, MB, GB, TB in powers of 1000; KiB…TiB in powers of 1024), in bytes.
func MemorySize(s string) (float64, bool) {
	m := memRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	unit := strings.ToLower(m[2])
	base := 1000.0
	if strings.HasSuffix(unit, "ib") {
		base = 1024
	}
	power := strings.IndexByte("bkmgt", unit[0])
	for range power {
		v *= base
	}
	return v, true
}

// SourceLocation is where a source's files are: its path under bronze
// (paths.bronze as written, or resolved), or its own s3:// address; a
// Kafka source's is kafka://<topic>.
func (c *Config) SourceLocation(bronze, name string) string {
	if k := c.Sources[name].Kafka; k != nil {
		return "kafka://" + k.Topic
	}
	path := c.Sources[name].Path
	if path == "" {
		path = name
	}
	if IsURL(path) {
		return strings.TrimSuffix(path, "/")
	}
	return strings.TrimSuffix(bronze, "/") + "/" + strings.Trim(filepath.ToSlash(path), "/")
}

// SourceNames returns the declared sources in name order.
func (c *Config) SourceNames() []string {
	return sortedKeys(c.Sources)
}

// Resolve makes a project path absolute against the project folder.
func (p *Project) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) || IsURL(path) {
		return path
	}
	return filepath.Join(p.Dir, path)
}

// Load reads the project in dir: elt.yaml, then every model file. All
// problems found are returned together.
func Load(dir string, o Overrides) (*Project, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(abs)
	if err != nil {
		return nil, err
	}
	if err := cfg.applyTarget(o.Target); err != nil {
		return nil, err
	}
	for k, v := range o.Vars {
		if cfg.Vars == nil {
			cfg.Vars = map[string]any{}
		}
		cfg.Vars[k] = v
	}
	if o.Threads != 0 {
		if o.Threads < 1 || o.Threads > MaxThreads {
			return nil, fmt.Errorf("--threads must be from 1 to %d, not %d", MaxThreads, o.Threads)
		}
		cfg.DuckDB.Threads = o.Threads
	}
	if o.Bronze != "" {
		cfg.Paths.Bronze = o.Bronze
	}
	if o.Warehouse != "" {
		cfg.Paths.Warehouse = o.Warehouse
	}
	if o.Output != "" {
		cfg.Paths.Output = o.Output
	}
	if o.RedisURL != "" {
		cfg.Online.RedisURL = o.RedisURL
	}
	for flag, v := range map[string]string{"--bronze": o.Bronze, "--output": o.Output, "--warehouse": o.Warehouse} {
		if msg := lake.CheckPath(strings.TrimPrefix(flag, "--"), v); IsURL(v) && msg != "" {
			return nil, &UsageError{Msg: flag + ": " + msg}
		}
	}
	if err := checkOutput(abs, cfg, o); err != nil {
		return nil, err
	}
	p := &Project{Dir: abs, Config: cfg}
	for _, s := range cfg.Sources {
		// A Kafka source's certificate files are relative to the project.
		if s.Kafka != nil && s.Kafka.TLS != nil {
			t := s.Kafka.TLS
			t.CAFile, t.CertFile, t.KeyFile = p.Resolve(t.CAFile), p.Resolve(t.CertFile), p.Resolve(t.KeyFile)
		}
	}
	models, err := LoadModels(abs, cfg.Models)
	seeds, serr := LoadSeeds(abs, cfg.Seeds)
	var errs diag.Errors
	errs.Add(err)
	errs.Add(serr)
	p.Models = append(models, seeds...)
	sort.Slice(p.Models, func(i, j int) bool { return p.Models[i].ID() < p.Models[j].ID() })
	for _, m := range p.Models {
		m.Header.Vars = withVars(cfg.Vars, m.Header.Vars)
	}
	if p.Macros, err = LoadMacros(abs); err != nil {
		errs.Add(err)
	}
	if p.DataTests, err = LoadDataTests(abs); err != nil {
		errs.Add(err)
	}
	if p.Unread, err = UnreadModelFiles(abs); err != nil {
		errs.Add(err)
	}
	return p, errs.Err()
}

// withVars is the project's variables overridden by a model's own.
func withVars(project, model map[string]any) map[string]any {
	if len(project) == 0 {
		return model
	}
	out := make(map[string]any, len(project)+len(model))
	for k, v := range project {
		out[k] = v
	}
	for k, v := range model {
		out[k] = v
	}
	return out
}

// applyTarget lays the named target over the configuration.
func (c *Config) applyTarget(name string) error {
	if name == "" {
		return nil
	}
	t, ok := c.Targets[name]
	if !ok {
		names := sortedKeys(c.Targets)
		if len(names) == 0 {
			return &UsageError{Msg: fmt.Sprintf("no target %q: %s declares no targets: (add targets: {%s: {paths: ..., vars: ...}})", name, ConfigFile, name)}
		}
		return &UsageError{Msg: fmt.Sprintf("no target %q in %s: the targets are %s", name, ConfigFile, strings.Join(names, ", "))}
	}
	c.Target = name
	if t.Engine != "duckdb" { // checked in validate
		c.Engine, c.EngineLoad = t.Engine, t.Load
	}
	for _, kv := range [][2]*string{{&c.Paths.Bronze, &t.Paths.Bronze}, {&c.Paths.Warehouse, &t.Paths.Warehouse}, {&c.Paths.Output, &t.Paths.Output},
		{&c.Paths.Design, &t.Paths.Design}, {&c.DuckDB.MemoryLimit, &t.DuckDB.MemoryLimit}, {&c.DuckDB.TempDirectory, &t.DuckDB.TempDirectory}, {&c.Online.RedisURL, &t.Online.RedisURL}} {
		if *kv[1] != "" {
			*kv[0] = *kv[1]
		}
	}
	if t.DuckDB.Threads != 0 {
		c.DuckDB.Threads = t.DuckDB.Threads
	}
	c.Storage = c.Storage.With(t.Storage)
	if len(t.Vars) > 0 {
		c.Vars = withVars(c.Vars, t.Vars)
	}
	return nil
}

// UsageError is a mistake in how elt was called (a target that does not
// exist): the command line, not the project, needs changing.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// SourceError is a problem found after loading (such as a check DuckDB
// cannot parse) at a source's key path in elt.yaml: fields, 2, check.
func (c *Config) SourceError(source string, path []string, format string, args ...any) *diag.FileError {
	line, col := diag.NewLocator(c.Text).Find(append([]string{"sources", source}, path...)...)
	return diag.At(ConfigFile, c.Text, line, col, "source %s: %s", source, fmt.Sprintf(format, args...))
}

// sortedKeys are the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
