// Package starter writes the project `elt init` makes: elt.yaml with one
// source, a silver and a gold model, a seed, a macro, a check, a unit test,
// a saved query, .gitignore, and a small sample of bronze files (with a
// re-sent order and a broken line, so the quarantine shows) that it builds
// on at once.
package starter

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed files
var files embed.FS

// Write writes the starter project into dir (made when missing), which must
// hold no elt.yaml; it never overwrites a file. It returns the files
// written, relative to dir.
func Write(dir string) ([]string, error) {
	if _, err := os.Lstat(filepath.Join(dir, "elt.yaml")); err == nil {
		return nil, fmt.Errorf("%s already holds an elt.yaml: init writes a new project into an empty or new folder", dir)
	}
	want := map[string][]byte{}
	err := fs.WalkDir(files, "files", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, "files/")
		if rel == "gitignore" {
			rel = ".gitignore" // a dot file is not embedded by a pattern
		}
		want[rel] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, day := range []string{"2026-11-01", "2026-11-02"} {
		want[fmt.Sprintf("data/bronze/orders/dt=%s/part-0001.json", day)] = sample(day, i)
	}
	var names []string
	for rel := range want {
		if err := free(dir, rel); err != nil {
			return nil, err
		}
		names = append(names, rel)
	}
	sort.Strings(names)
	for _, rel := range names {
		path := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		// O_EXCL: never overwrite, and never follow a symbolic link, even
		// one that appeared since free looked.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return nil, err
		}
		_, err = f.Write(want[rel])
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return names, nil
}

// free checks that rel can be written under dir without overwriting
// anything or going through a symbolic link: nothing at rel (not even a
// dangling link), and no folder on the way a link.
func free(dir, rel string) error {
	parts := strings.Split(rel, "/")
	for i := range parts {
		p := filepath.Join(dir, filepath.FromSlash(strings.Join(parts[:i+1], "/")))
		info, err := os.Lstat(p)
		if err != nil {
			if os.IsNotExist(err) {
				return nil // nothing below it exists either
			}
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: init never writes through one; choose an empty folder", p)
		case i == len(parts)-1:
			return fmt.Errorf("%s exists: init never overwrites a file; choose an empty folder", p)
		case !info.IsDir():
			return fmt.Errorf("%s exists and is not a folder: init never overwrites a file; choose an empty folder", p)
		}
	}
	return nil
}

// sample is a day of orders: 40 a day in three currencies, the fifth order
// re-sent paid, and one line that is not JSON.
func sample(day string, n int) []byte {
	start, _ := time.Parse("2006-01-02", day)
	var b strings.Builder
	currencies := []string{"EUR", "USD", "gbp "}
	statuses := []string{"paid", "placed", "paid", "refunded"}
	for i := 0; i < 40; i++ {
		at := start.Add(time.Duration(i*31) * time.Minute).Format("2006-01-02 15:04:05")
		fmt.Fprintf(&b, `{"order_id": "o%d%03d", "customer_id": "c%02d", "amount": %d.%02d, "currency": %q, "status": %q, "ordered_at": %q}`+"\n",
			n, i, (i*7)%13, 5+(i*37+n*13)%120, (i*11)%100, currencies[i%3], statuses[i%4], at)
		if i == 4 {
			fmt.Fprintf(&b, `{"order_id": "o%d%03d", "customer_id": "c%02d", "amount": %d.%02d, "currency": "EUR", "status": "paid", "ordered_at": %q}`+"\n",
				n, i, (i*7)%13, 5+(i*37+n*13)%120, (i*11)%100, at)
		}
		if i == 20 {
			b.WriteString(`{"order_id": "o-broken", "amount": 12.5,` + "\n")
		}
	}
	return []byte(b.String())
}
