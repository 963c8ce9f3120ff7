// Package contract owns what a user declares about data: a source's
// format, patterns and fields with their types and rules (what makes a
// record valid, missing or quarantined, and the text shapes ingestion reads
// as values), and the data checks a model header declares with their
// severity. It validates a declaration; placing the problems in elt.yaml is
// the caller's (internal/project).
package contract

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Source is a folder of raw files under the bronze root that ingestion
// loads into the table bronze.<name>, by the rules its fields declare.
type Source struct {
	// Path is the folder under the bronze root; defaults to the source name.
	Path string `yaml:"path"`
	// Format is ndjson, csv or parquet.
	Format Format `yaml:"format"`
	// Patterns are globs relative to Path; ** matches any folders.
	Patterns []string `yaml:"patterns"`
	// Description is shown by elt ls.
	Description string `yaml:"description"`
	// MaxQuarantinePct blocks a build when more than this share (percent)
	// of the records it newly read were quarantined. Default 5.
	MaxQuarantinePct *float64 `yaml:"max_quarantine_pct"`
	// Key is the field that identifies a record: the model that keeps one
	// row per key (silver.<source>, else the one reading the source with
	// this unique_key) is what the build reconciles the counts against
	// (read = silver + superseded + quarantined).
	Key string `yaml:"key"`
	// Fields are the record's fields, in the order their missing_ reasons
	// are checked.
	Fields []Field `yaml:"fields"`
	// InvalidOrder names the fields whose invalid_ reasons are checked
	// first, in this order; the others follow in field order.
	InvalidOrder []string `yaml:"invalid_order"`
	// Kafka, when set, reads the source's records from a topic instead of
	// files (Path and Patterns do not apply).
	Kafka *Kafka `yaml:"kafka"`
}

// Format is how a source's files are written.
type Format string

// The formats.
const (
	NDJSON  Format = "ndjson"
	CSV     Format = "csv"
	Parquet Format = "parquet"
)

// DefaultPatterns are the files a source of a format reads when it names
// none.
func DefaultPatterns(f Format) []string {
	switch f {
	case CSV:
		return []string{"**/*.csv"}
	case Parquet:
		return []string{"**/*.parquet"}
	}
	return []string{"**/*.json", "**/*.jsonl", "**/*.ndjson"}
}

// Field is one declared field of a source's records and its rules.
type Field struct {
	Name string `yaml:"name"`
	// Type is id, text, integer, decimal(p,s), boolean, date, timestamp or
	// json.
	Type FieldType `yaml:"type"`
	// Required: a record without a value (absent, null, empty or spaces
	// only) is quarantined as missing_<name>.
	Required bool `yaml:"required"`
	// Column is the name the files use, when not Name.
	Column string `yaml:"column"`
	// Normalize applies trim (spaces), lower and upper, in order, to a
	// text value before the other rules.
	Normalize []string `yaml:"normalize"`
	// Pattern is a regular expression (RE2) the whole value must match.
	Pattern string `yaml:"pattern"`
	// Values are the only values allowed.
	Values []string `yaml:"values"`
	// MaxLength bounds a text or id value's length in bytes (UTF-8, as
	// Redshift counts a VARCHAR): a longer one is invalid. It also sizes
	// the VARCHAR of the columns `elt ddl` finds copied from the field.
	MaxLength int `yaml:"max_length"`
	// Default is the value of a record without one.
	Default *string `yaml:"default"`
	// Min and Max bound a number (inclusive).
	Min *float64 `yaml:"min"`
	Max *float64 `yaml:"max"`
	// Check is a SQL expression over the record's typed fields that must be
	// true (or NULL) for a valid value.
	Check string `yaml:"check"`
	// Missing and Invalid rename the reasons missing_<name> and
	// invalid_<name>.
	Missing string `yaml:"missing"`
	Invalid string `yaml:"invalid"`
	// NullIfInvalid keeps a record whose value breaks a rule, with the
	// value NULL, instead of quarantining it.
	NullIfInvalid bool `yaml:"null_if_invalid"`
}

// FieldType is a field's declared type.
type FieldType string

// The base types; decimal carries its precision and scale: decimal(10,2).
const (
	ID        FieldType = "id"
	Text      FieldType = "text"
	Integer   FieldType = "integer"
	Decimal   FieldType = "decimal"
	Boolean   FieldType = "boolean"
	Date      FieldType = "date"
	Timestamp FieldType = "timestamp"
	JSON      FieldType = "json"
)

var decimalTypeRe = regexp.MustCompile(`^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$`)

// Base is the type without its parameters.
func (t FieldType) Base() FieldType {
	if decimalTypeRe.MatchString(string(t)) {
		return Decimal
	}
	return t
}

// Decimal returns the precision and scale of a decimal(p,s).
func (t FieldType) Decimal() (p, s int) {
	m := decimalTypeRe.FindStringSubmatch(string(t))
	if m == nil {
		return 0, 0
	}
	p, _ = strconv.Atoi(m[1])
	s, _ = strconv.Atoi(m[2])
	return p, s
}

// FieldTypes are the types a field may declare.
var FieldTypes = []FieldType{ID, Text, Integer, "decimal(p,s)", Boolean, Date, Timestamp, JSON}

// MaxLength is the largest max_length a field may declare: Redshift's
// largest VARCHAR, in bytes.
const MaxLength = 65535

// Normalizers are the steps normalize may list.
var Normalizers = []string{"trim", "lower", "upper"}

// ColumnName is the name the files use for the field.
func (f Field) ColumnName() string {
	if f.Column != "" {
		return f.Column
	}
	return f.Name
}

// MissingReason is the reason of a record without a required value.
func (f Field) MissingReason() string {
	if f.Missing != "" {
		return f.Missing
	}
	return "missing_" + f.Name
}

// InvalidReason is the reason of a record whose value breaks a rule.
func (f Field) InvalidReason() string {
	if f.Invalid != "" {
		return f.Invalid
	}
	return "invalid_" + f.Name
}

// Field returns the declared field of that name.
func (s Source) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// IsIdent says whether s is a plain identifier (letters, digits, _, not
// starting with a digit), as names of sources, fields, models and seeds are.
func IsIdent(s string) bool { return identRe.MatchString(s) }

// DefaultMaxQuarantinePct is the source gate when elt.yaml sets none.
const DefaultMaxQuarantinePct = 5.0

// ValidPattern reports a glob that path.Match cannot use (such as "[").
func ValidPattern(p string) error {
	if strings.TrimSpace(p) == "" {
		return fmt.Errorf("a pattern is empty")
	}
	for _, seg := range strings.Split(p, "/") {
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("pattern %q is not a valid glob (%v): a [ starts a class such as [0-9]; write \\[ for a bracket", p, err)
		}
	}
	return nil
}

var (
	reasonRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// Validate checks a source declaration, fills its defaults, and reports
// each problem through at(path...) at its place in elt.yaml.
func (s *Source) Validate(at func(path ...string) func(string, ...any)) {
	switch s.Format {
	case NDJSON, CSV, Parquet:
	default:
		at("format")("format must be ndjson, csv or parquet, found %q", s.Format)
	}
	if s.MaxQuarantinePct == nil {
		v := DefaultMaxQuarantinePct
		s.MaxQuarantinePct = &v
	} else if v := *s.MaxQuarantinePct; !(v >= 0 && v <= 100) { // NaN fails too
		at("max_quarantine_pct")("max_quarantine_pct is a percentage from 0 to 100, found %v", v)
	}
	for i, p := range s.Patterns {
		if err := ValidPattern(p); err != nil {
			at("patterns", strconv.Itoa(i))("%v", err)
		}
	}
	if s.Kafka != nil {
		if s.Format != NDJSON {
			at("format")("a Kafka source's messages are JSON objects, one per message: set format: ndjson")
		}
		if len(s.Patterns) > 0 {
			at("patterns")("a Kafka source reads a topic, not files: remove patterns")
		}
		s.Kafka.validate(at)
	} else if len(s.Patterns) == 0 {
		s.Patterns = DefaultPatterns(s.Format)
	}
	if len(s.Fields) == 0 {
		at()("declare its fields: fields: [{name: id, type: id, required: true}, ...]")
	}
	seen := map[string]bool{}
	for i, f := range s.Fields {
		bad := func(key string) func(string, ...any) { return at("fields", strconv.Itoa(i), key) }
		switch {
		case !IsIdent(f.Name):
			bad("name")("field name %q must be a plain identifier (letters, digits, _)", f.Name)
		case strings.HasPrefix(f.Name, "_"):
			bad("name")("field name %s starts with _, which marks the tool's own columns (_file, _line, _run_id); rename it", f.Name)
		case seen[strings.ToLower(f.Name)]:
			bad("name")("field %s is declared twice", f.Name)
		}
		seen[strings.ToLower(f.Name)] = true
		f.validate(bad)
		f.validateValues(s.Format, bad)
	}
	s.validateColumns(at)
	if s.Key != "" {
		if _, ok := s.Field(s.Key); !ok {
			at("key")("key %q is not one of the declared fields", s.Key)
		}
	}
	for i, name := range s.InvalidOrder {
		if _, ok := s.Field(name); !ok {
			at("invalid_order", strconv.Itoa(i))("invalid_order names %q, which is not a declared field", name)
		}
	}
}

// validateColumns refuses two fields reading one column of the files:
// the reader gives a column's value to one field only, so the other would
// be NULL on every record. Columns match as the readers match them: by
// exact key in NDJSON, in any case in CSV and Parquet.
func (s *Source) validateColumns(at func(path ...string) func(string, ...any)) {
	key := func(c string) string {
		if s.Format == NDJSON {
			return c
		}
		return strings.ToLower(c)
	}
	first := map[string]int{}
	for i, f := range s.Fields {
		c := f.ColumnName()
		j, dup := first[key(c)]
		if !dup {
			first[key(c)] = i
			continue
		}
		where := "name"
		if f.Column != "" {
			where = "column"
		}
		other := s.Fields[j]
		how := "reads it too"
		if other.Column == "" {
			how = "is named so"
		}
		at("fields", strconv.Itoa(i), where)("fields %s and %s both read the column %q of the files (field %s %s): a column feeds one field only; "+
			"to keep a value twice, derive the copy in the silver model", other.Name, f.Name, c, other.Name, how)
	}
}

// validate checks one field's type and rules.
func (f Field) validate(bad func(key string) func(string, ...any)) {
	base := f.Type.Base()
	switch base {
	case ID, Text, Integer, Boolean, Date, Timestamp, JSON:
	case Decimal:
		if p, s := f.Type.Decimal(); p < 1 || p > 38 || s > p {
			bad("type")("decimal(p,s) needs 1 <= p <= 38 and s <= p, found %s", f.Type)
		}
	case "":
		bad("name")("field %s needs a type (%s)", f.Name, typeList())
	default:
		bad("type")("unknown type %q (types: %s)", f.Type, typeList())
	}
	for i, n := range f.Normalize {
		if !slices.Contains(Normalizers, n) {
			bad("normalize")("unknown normalize step %q at position %d (steps: %s)", n, i+1, strings.Join(Normalizers, ", "))
		}
	}
	if len(f.Normalize) > 0 && base != Text && base != ID {
		bad("normalize")("normalize applies to text and id fields, not %s", f.Type)
	}
	if f.Pattern != "" {
		if _, err := regexp.Compile(f.Pattern); err != nil {
			bad("pattern")("pattern %q is not a valid regular expression: %v", f.Pattern, err)
		}
	}
	if f.MaxLength != 0 && (base != Text && base != ID) {
		bad("max_length")("max_length bounds text and id fields, not %s", f.Type)
	} else if f.MaxLength < 0 || f.MaxLength > MaxLength {
		bad("max_length")("max_length is a length in bytes from 1 to %d (Redshift's largest VARCHAR), found %d", MaxLength, f.MaxLength)
	}
	if (f.Min != nil || f.Max != nil) && base != Integer && base != Decimal {
		bad("min")("min and max bound integer and decimal fields, not %s", f.Type)
	}
	for _, r := range []struct{ key, v string }{{"missing", f.Missing}, {"invalid", f.Invalid}} {
		if r.v != "" && !reasonRe.MatchString(r.v) {
			bad(r.key)("a reason is lower case letters, digits and _, found %q", r.v)
		}
	}
	if f.Required && f.NullIfInvalid {
		bad("null_if_invalid")("a required field cannot be null_if_invalid")
	}
	if f.Column != "" && strings.TrimSpace(f.Column) == "" {
		bad("column")("column is empty")
	}
}

func typeList() string {
	names := make([]string, len(FieldTypes))
	for i, t := range FieldTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// String shows a field's type and rules, as elt ls lists them.
func (f Field) String() string {
	parts := []string{string(f.Type)}
	if f.Required {
		parts = append(parts, "required")
	}
	if r := f.Rules(); r != "" {
		parts = append(parts, r)
	}
	return strings.Join(parts, ", ")
}

// Rules lists what a field's value must be beyond its type and presence:
// its column name in the files, normalisation, pattern, values, default,
// bounds, check and the reasons it is quarantined under.
func (f Field) Rules() string {
	var parts []string
	if f.Column != "" {
		parts = append(parts, "column "+f.Column)
	}
	if len(f.Normalize) > 0 {
		parts = append(parts, "normalize "+strings.Join(f.Normalize, ","))
	}
	if f.Pattern != "" {
		parts = append(parts, "pattern "+f.Pattern)
	}
	if len(f.Values) > 0 {
		parts = append(parts, "values "+strings.Join(f.Values, ","))
	}
	if f.MaxLength > 0 {
		parts = append(parts, "max_length "+strconv.Itoa(f.MaxLength))
	}
	if f.Default != nil {
		parts = append(parts, "default "+*f.Default)
	}
	if f.Min != nil {
		parts = append(parts, "min "+strconv.FormatFloat(*f.Min, 'f', -1, 64))
	}
	if f.Max != nil {
		parts = append(parts, "max "+strconv.FormatFloat(*f.Max, 'f', -1, 64))
	}
	if f.Check != "" {
		parts = append(parts, "check "+f.Check)
	}
	if f.Missing != "" {
		parts = append(parts, "missing as "+f.Missing)
	}
	if f.Invalid != "" {
		parts = append(parts, "invalid as "+f.Invalid)
	}
	if f.NullIfInvalid {
		parts = append(parts, "null if invalid")
	}
	return strings.Join(parts, ", ")
}
