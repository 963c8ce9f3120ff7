package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// checkBronze checks that the bronze root is a readable folder.
func checkBronze(dir string) error {
	info, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no bronze folder at %s: run `elt generate` for sample data, or pass --bronze", dir)
	}
	if err != nil {
		return fmt.Errorf("cannot read the bronze folder %s: %w", dir, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("the bronze path %s is not a folder", dir)
	}
	return nil
}
