// Package discover owns finding a source's files in bronze: the files under
// its folder that match its patterns, in arrival order, links followed
// (loops and dangling links refused), names still being written skipped,
// each file with how it looks (size, modification and change time, inode)
// for the manifest to tell a file rewritten in place.
package discover

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/state"
)

// File is one bronze file found on disk, or an object found in a bucket.
type File struct {
	// Rel is its name in the warehouse (the manifest, the quarantine,
	// bronze's _file): relative to the bronze root, / separated, for a
	// file; s3://bucket/key for an object.
	Rel string
	// Abs is where it is read: an absolute path, or s3://bucket/key.
	Abs string
	// Look is its size, modification time, change time (ctime) and inode:
	// these tell a file rewritten in place with its size and modification
	// time kept (cp -p, rsync -a, touch -r).
	state.Look
	// store reads obj, an object as listed (nil for a file).
	store *lake.Store
	obj   lake.Object
}

// Listing is what Discover found in a source's folder.
type Listing struct {
	Files []File
	// Held are files there but held back from this build (not yet whole,
	// in watch mode), relative to the bronze root: not read, and not gone.
	Held []string
	// Unmatched are files under the folder that match none of the source's
	// patterns (or are not regular files), relative to the folder; they are
	// not read, and the build says so.
	Unmatched []string
}

// InProgress tells whether a file or folder name marks something hidden or
// still being written, never read: a name starting with . or _, or ending
// in .tmp or .part (writers rename such files into place when whole).
func InProgress(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".part")
}

// Paths is the set of the files' paths (relative to the bronze root).
func Paths(files []File) map[string]bool {
	out := make(map[string]bool, len(files))
	for _, f := range files {
		out[f.Rel] = true
	}
	return out
}

// Paths are the relative paths of the listing's files, as a set.
func (l Listing) Paths() map[string]bool { return Paths(l.Files) }

// Folder is a source's folder, as Discover reads it.
type Folder struct {
	Source string // the source's name, for messages
	Dir    string // absolute
	// Prefix is Dir relative to the bronze root, / separated: a file's
	// path in the warehouse is Prefix/its path relative to Dir.
	Prefix   string
	Patterns []string // globs relative to Dir; ** spans folders
	// Storage reaches Dir when it is an s3:// address.
	Storage lake.Settings
}

// Discover lists the source's files matching its patterns, in arrival order
// (byte order of their paths relative to the source folder). Links are
// followed, to files and to folders, the source folder itself included; a
// link that leads back into a folder it stands in (a loop) and a dangling
// link are errors naming them, and so is a source folder that does not exist.
// Names InProgress marks are never read. A Dir at an s3:// address is
// listed as its objects (Objects).
func Discover(ctx context.Context, src Folder) (Listing, error) {
	if lake.IsURL(src.Dir) {
		return Objects(ctx, src)
	}
	var l Listing
	info, err := os.Stat(src.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if fi, lerr := os.Lstat(src.Dir); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(src.Dir)
			return l, fmt.Errorf("source %s: its folder %s is a dangling link (to %s): fix the link or the source's path in elt.yaml", src.Source, src.Dir, target)
		}
		return l, fmt.Errorf("source %s: no folder %s: create it (files land there), or fix the source's path in elt.yaml", src.Source, src.Dir)
	case err != nil:
		return l, fmt.Errorf("source %s: cannot read %s: %w", src.Source, src.Dir, diag.UnwrapPath(err))
	case !info.IsDir():
		return l, fmt.Errorf("source %s: %s is not a folder", src.Source, src.Dir)
	}
	err = walk(src.Dir, "", []fs.FileInfo{info}, func(rel, abs string, info fs.FileInfo) {
		if !info.Mode().IsRegular() || !matchAny(src.Patterns, rel) {
			l.Unmatched = append(l.Unmatched, rel)
			return
		}
		ctime, inode := identity(info)
		l.Files = append(l.Files, File{Rel: path.Join(src.Prefix, rel), Abs: abs, Look: state.Look{Size: info.Size(),
			ModTime: info.ModTime().UTC().Truncate(time.Microsecond), ChangeTime: ctime, Inode: inode}})
	})
	sort.Slice(l.Files, func(i, j int) bool { return l.Files[i].Rel < l.Files[j].Rel })
	sort.Strings(l.Unmatched)
	return l, err
}

// walk calls fn for every entry under dir that is not a folder, following
// links; parents are the folders from the source folder down to dir, to
// tell a loop.
func walk(dir, rel string, parents []fs.FileInfo, fn func(rel, abs string, info fs.FileInfo)) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", dir, diag.UnwrapPath(err))
	}
	for _, e := range entries {
		if InProgress(e.Name()) {
			continue
		}
		abs := filepath.Join(dir, e.Name())
		r := path.Join(rel, e.Name())
		info, err := os.Stat(abs) // follows links
		if err != nil {
			if e.Type()&fs.ModeSymlink != 0 {
				target, _ := os.Readlink(abs)
				return fmt.Errorf("%s is a dangling link (to %s): restore its target or remove the link", abs, target)
			}
			return fmt.Errorf("cannot read %s: %w", abs, diag.UnwrapPath(err))
		}
		if !info.IsDir() {
			fn(r, abs, info)
			continue
		}
		for _, p := range parents {
			if os.SameFile(p, info) {
				return fmt.Errorf("%s is a link loop: it leads back to a folder it stands in; remove the link", abs)
			}
		}
		if err := walk(abs, r, append(parents[:len(parents):len(parents)], info), fn); err != nil {
			return err
		}
	}
	return nil
}

func matchAny(patterns []string, rel string) bool {
	for _, p := range patterns {
		if matchGlob(strings.Split(p, "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

// matchGlob matches path segments against pattern segments; ** stands for
// any number of folders.
func matchGlob(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if matchGlob(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	ok, _ := path.Match(pat[0], segs[0])
	return ok && matchGlob(pat[1:], segs[1:])
}
