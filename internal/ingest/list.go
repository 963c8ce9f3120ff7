package ingest

import (
	"context"
	"errors"
	"strings"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/lake"
)

// Listings are the files of each source to read, by source name.
type Listings map[string]discover.Listing

// List lists the files of every source the selected models read; all
// problems (a missing folder, a dangling link, a loop) are reported together.
// Files held back (hold: not yet whole, in watch mode) are left for a
// later build.
func List(ctx context.Context, sources []Source, readers map[string]bool, hold map[string]bool) (Listings, error) {
	out := Listings{}
	var errs diag.Errors
	down := map[string]bool{} // buckets whose server cannot be reached: said once
	for _, src := range sources {
		if !readers["bronze."+strings.ToLower(src.Name)] || src.Kafka != nil {
			continue // a Kafka source has no files: its build plans a batch of messages
		}
		u, _ := lake.Parse(src.Dir) // no bucket for a folder
		if down[u.Bucket] {
			continue
		}
		l, err := discover.Discover(ctx, src.Folder())
		if errors.Is(err, lake.ErrUnreachable) {
			down[u.Bucket] = true
		}
		errs.Add(err)
		if len(hold) > 0 {
			kept := l.Files[:0]
			for _, f := range l.Files {
				if hold[f.Abs] {
					l.Held = append(l.Held, f.Rel)
				} else {
					kept = append(kept, f)
				}
			}
			l.Files = kept
		}
		out[src.Name] = l
	}
	return out, errs.Err()
}
