package execute

import "github.com/digitalservices/elt/internal/starter"

// Init writes the starter project into dir (elt init) and returns the
// files written.
func Init(dir string) ([]string, error) { return starter.Write(dir) }
