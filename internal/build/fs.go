package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// osStatDir checks that the bronze root exists when sources are declared.
func osStatDir(dir string, needed bool) (bool, error) {
	if !needed {
		return false, nil
	}
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("no bronze folder at %s: run `elt generate` for sample data, or pass --bronze", dir)
	}
	if err != nil {
		return false, fmt.Errorf("cannot read the bronze folder %s: %w", dir, err)
	}
	if !info.IsDir() {
		return false, fmt.Errorf("the bronze path %s is not a folder", dir)
	}
	return true, nil
}
