package project

import (
	"fmt"
	"math"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseVars reads --var name=value settings into Overrides.Vars; each
// value is YAML, so 5 is a number, true a boolean and anything else
// (a list or mapping too) text. A setting without a name, or a number SQL
// cannot hold (.inf, .nan), is a *UsageError.
func ParseVars(settings []string) (map[string]any, error) {
	out := map[string]any{}
	for _, s := range settings {
		name, value, ok := strings.Cut(s, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, &UsageError{Msg: fmt.Sprintf("--var takes name=value, found %q", s)}
		}
		var v any
		if err := yaml.Unmarshal([]byte(value), &v); err != nil {
			v = value
		}
		switch v.(type) {
		case map[string]any, []any:
			v = value
		case int:
			v = float64(v.(int))
		case float64:
			if f := v.(float64); math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, &UsageError{Msg: fmt.Sprintf("--var %s: %q is %v, which is not a SQL value; give a finite number, or quote it for text: --var '%s=\"%s\"'",
					strings.TrimSpace(name), value, f, strings.TrimSpace(name), strings.TrimSpace(value))}
			}
		}
		out[strings.TrimSpace(name)] = v
	}
	return out, nil
}

// VarSettings are the --var flag's settings, each name=value as given (a
// flag.Value). Unlike a list flag it does not split at commas, so --var
// "a=1,b=2" sets a to "1,b=2". ParseVars reads them.
type VarSettings []string

// Set adds one name=value setting.
func (v *VarSettings) Set(s string) error {
	*v = append(*v, s)
	return nil
}

// String is the settings given, for help text (none by default).
func (v *VarSettings) String() string { return strings.Join(*v, " ") }
