package project

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
)

// checkOutput refuses an exports folder that is a bronze source's folder,
// is inside one, or holds one: the next build would ingest the tool's own
// exports as new files (or a swap of an export would replace bronze files).
// Paths are compared as the file system resolves them (links followed);
// s3:// addresses as written, a prefix holding the keys under it.
// An output or bronze given by flag or environment is a usage error; one
// from elt.yaml is an error at its line.
func checkOutput(dir string, cfg Config, o Overrides) error {
	resolve := func(p string) string {
		if IsURL(p) {
			return strings.TrimSuffix(p, "/")
		}
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return realPath(p)
	}
	out := resolve(cfg.Paths.Output)
	bronze := resolve(cfg.Paths.Bronze)
	for _, name := range cfg.SourceNames() {
		s := cfg.Sources[name]
		path := s.Path
		if path == "" {
			path = name
		}
		var src string
		switch {
		case IsURL(path):
			src = strings.TrimSuffix(path, "/")
		case IsURL(bronze):
			src = bronze + "/" + strings.Trim(path, "/")
		default:
			src = realPath(filepath.Join(bronze, filepath.FromSlash(path)))
		}
		var how string
		switch {
		case out == src:
			how = "is"
		case within(out, src):
			how = "is inside"
		case within(src, out):
			how = "holds"
		default:
			continue
		}
		msg := fmt.Sprintf("the exports folder %s %s the folder of bronze source %s (%s): the next build would ingest the exports as new bronze files; "+
			"choose an exports folder outside every source's folder", out, how, name, src)
		if o.Output != "" || o.Bronze != "" {
			flag := "--output " + o.Output
			if o.Output == "" {
				flag = "--bronze " + o.Bronze
			}
			return &UsageError{Msg: flag + ": " + msg}
		}
		line, col := diag.NewLocator(cfg.Text).Find("paths", "output")
		return diag.At(ConfigFile, cfg.Text, line, col, "%s", msg)
	}
	return nil
}

// within says whether path is below dir.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// realPath is path with links resolved as far as it exists, the rest
// appended as written.
func realPath(path string) string {
	path = filepath.Clean(path)
	var rest []string
	for p := path; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			if r, err := filepath.EvalSymlinks(p); err == nil {
				return filepath.Join(append([]string{r}, rest...)...)
			}
			return path
		}
		if filepath.Dir(p) == p {
			return path
		}
		rest = append([]string{filepath.Base(p)}, rest...)
	}
}
