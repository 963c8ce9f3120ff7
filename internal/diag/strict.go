package diag

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes YAML text into out and reports every unknown key and
// every bad value at its line and column. lineOff and colOff shift positions
// when the YAML sits inside another file (a model header).
func DecodeStrict(path, fileText, yamlText string, lineOff, colOff int, out any) error {
	// A secret written where it does not belong is not printed back.
	fileText = MaskSecretValues(fileText)
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(yamlText), &doc); err != nil {
		line, msg := YAMLErrLine(err)
		return At(path, fileText, line+lineOff, 0, "invalid YAML: %s", msg)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	root := doc.Content[0]
	pos := func(n *yaml.Node) (int, int) {
		l, c := n.Line+lineOff, n.Column
		if n.Line == 1 {
			c += colOff
		}
		return l, c
	}
	var errs Errors
	CheckKnown(root, reflect.TypeOf(out).Elem(), func(n *yaml.Node, format string, args ...any) {
		l, c := pos(n)
		errs = append(errs, At(path, fileText, l, c, format, args...))
	})
	if err := root.Decode(out); err != nil {
		var te *yaml.TypeError
		if ok := asTypeError(err, &te); ok {
			for _, m := range te.Errors {
				line, msg := YAMLErrLine(fmt.Errorf("%s", m))
				l := line + lineOff
				errs = append(errs, At(path, fileText, l, firstCol(fileText, l), "%s", friendlyType(msg)))
			}
		} else {
			errs = append(errs, At(path, fileText, lineOff+1, 0, "%v", err))
		}
	}
	return errs.Err()
}

// DecodeYAML decodes a YAML file of the project (text, read from path)
// into out as elt.yaml is decoded: every unknown key and every value of
// the wrong type is reported at path:line:col with its line and a caret,
// all of them at once (an Errors of *FileError).
func DecodeYAML(path, text string, out any) error {
	return DecodeStrict(path, text, text, 0, 0, out)
}

func asTypeError(err error, te **yaml.TypeError) bool {
	t, ok := err.(*yaml.TypeError)
	*te = t
	return ok
}

var (
	unmarshalRe     = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
	unmarshalNodeRe = regexp.MustCompile(`^cannot unmarshal !!(map|seq) into (\S+)$`)
)

// friendlyType rewrites yaml.v3's type errors in a user's words.
func friendlyType(msg string) string {
	found := ""
	m := unmarshalRe.FindStringSubmatch(msg)
	if m != nil {
		found = strconv.Quote(m[1])
	} else if m = unmarshalNodeRe.FindStringSubmatch(msg); m != nil {
		found = map[string]string{"map": "a mapping", "seq": "a list"}[m[1]]
	} else {
		return msg
	}
	want := m[2]
	switch {
	case strings.HasPrefix(want, "int") || strings.HasPrefix(want, "uint"):
		want = "a whole number"
	case strings.HasPrefix(want, "float"):
		want = "a number"
		if _, err := strconv.ParseFloat(m[1], 64); errors.Is(err, strconv.ErrRange) {
			return fmt.Sprintf("expected a number, found %s, which is out of range (a number's size is at most about 1.8e308)", found)
		}
	case want == "bool":
		want = "true or false"
	case want == "string":
		want = "a text value"
	case strings.HasPrefix(want, "[]"):
		want = "a list"
	case strings.HasPrefix(want, "map"):
		want = "a mapping"
	}
	return fmt.Sprintf("expected %s, found %s", want, found)
}

var lineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// YAMLErrLine is the line a yaml.v3 error names (1 when it names none)
// and its message without the line.
func YAMLErrLine(err error) (int, string) {
	msg := err.Error()
	if m := lineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 1, strings.TrimPrefix(msg, "yaml: ")
}

func firstCol(text string, line int) int {
	l := LineOf(text, line)
	return len(l) - len(strings.TrimLeft(l, " \t")) + 1
}

// CheckKnown walks a YAML node against the Go type it will decode into and
// reports keys that the type does not have.
func CheckKnown(n *yaml.Node, t reflect.Type, report func(*yaml.Node, string, ...any)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()) {
		return // the type checks its own keys
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if n.Tag != "!!null" {
				report(n, "expected a mapping, found %s", Describe(n))
			}
			return
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f.Type
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			if !ok {
				known := strings.Join(slices.Sorted(maps.Keys(fields)), ", ")
				if secretKeyRe.MatchString(k.Value+":") && !strings.HasSuffix(k.Value, "_env") {
					report(k, "unknown key %q: elt never reads secrets from its YAML files; put it in the environment (known keys: %s)", k.Value, known)
					continue
				}
				report(k, "unknown key %q (known keys: %s)", k.Value, known)
				continue
			}
			CheckKnown(v, ft, report)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			if n.Tag != "!!null" {
				report(n, "expected a mapping, found %s", Describe(n))
			}
			return
		}
		for i := 1; i < len(n.Content); i += 2 {
			CheckKnown(n.Content[i], t.Elem(), report)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		// yaml.v3 would cut a number with a fraction (1.5) to its whole part.
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" {
			report(n, "expected a whole number, found %q", n.Value)
		}
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				CheckKnown(c, t.Elem(), report)
			}
		}
	}
}

// Describe names what a YAML node is, for a message: a list, a mapping,
// or its quoted value.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return fmt.Sprintf("%q", n.Value)
}
