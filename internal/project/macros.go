package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// MacroDir holds the project's macros: SQL files of CREATE MACRO
// statements, created before the models run.
const MacroDir = "macros"

// Macro is one file of macros/.
type Macro struct {
	Path string // relative to the project, / separated
	Text string
	// Statements are its CREATE MACRO statements, each with the line it
	// starts on.
	Statements []Statement
}

// Statement is one SQL statement of a file and the line it starts on.
type Statement struct {
	SQL  string
	Line int
	// Name is the macro's name as written (schema.name or name), "" for a
	// TEMP macro, which lasts one build.
	Name string
	// Shift is how many bytes elt added to the statement's first line
	// (OR REPLACE), to place errors in the file.
	Shift int
}

var macroRe = regexp.MustCompile(`(?is)^create\s+(or\s+replace\s+)?(temp\s+|temporary\s+)?(macro|function)\s+((?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*))?)`)

// WalkFiles calls fn for every file under dir/sub (a missing folder holds
// none), with its path relative to dir, / separated, and its full path.
func WalkFiles(dir, sub string, fn func(rel, path string) error) error {
	root := filepath.Join(dir, sub)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		return fn(filepath.ToSlash(rel), path)
	})
}

// LoadMacros reads macros/*.sql; a statement that is not CREATE MACRO
// (or its synonym CREATE FUNCTION) is an error at its line.
func LoadMacros(dir string) ([]Macro, error) {
	var out []Macro
	var errs Errors
	err := WalkFiles(dir, MacroDir, func(rel, path string) error {
		if !strings.HasSuffix(rel, ".sql") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		m := Macro{Path: rel, Text: string(b)}
		for _, st := range SplitStatements(m.Text) {
			if !macroRe.MatchString(st.SQL) {
				errs = append(errs, At(rel, m.Text, st.Line, 1, "a macro file holds only CREATE MACRO statements"))
				continue
			}
			// Every build creates the macros again: CREATE MACRO means
			// CREATE OR REPLACE MACRO here.
			loc := macroRe.FindStringSubmatchIndex(st.SQL)
			if loc[4] < 0 {
				st.Name = st.SQL[loc[8]:loc[9]]
			}
			if loc[2] < 0 {
				st.SQL = st.SQL[:6] + " OR REPLACE" + st.SQL[6:]
				st.Shift = len(" OR REPLACE")
			}
			m.Statements = append(m.Statements, st)
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", MacroDir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, errs.Err()
}

// SplitStatements splits SQL text at the semicolons outside quotes and
// comments, leaving out empty statements; each starts at its first
// character that is not space or comment.
func SplitStatements(text string) []Statement {
	var out []Statement
	start, line, startLine := 0, 1, 0
	flush := func(end int) {
		if s := strings.TrimSpace(text[start:end]); s != "" && startLine > 0 {
			out = append(out, Statement{SQL: strings.TrimSpace(text[start:end]), Line: startLine})
		}
		startLine = 0
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			line++
		case c == '-' && strings.HasPrefix(text[i:], "--"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
			i--
			continue
		case c == '/' && strings.HasPrefix(text[i:], "/*"):
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				end = len(text) - i - 2
			}
			line += strings.Count(text[i:i+2+end], "\n")
			i += end + 3
			continue
		case c == '\'' || c == '"':
			if startLine == 0 {
				startLine, start = line, i
			}
			j := i + 1
			for j < len(text) {
				if text[j] == c {
					if j+1 < len(text) && text[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			line += strings.Count(text[i:min(j+1, len(text))], "\n")
			i = j
			continue
		case c == ';':
			flush(i)
			continue
		case c == ' ' || c == '\t' || c == '\r':
			continue
		}
		if startLine == 0 && c != '\n' {
			startLine, start = line, i
		}
	}
	flush(len(text))
	return out
}
