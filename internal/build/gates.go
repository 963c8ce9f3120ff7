package build

import (
	"github.com/digitalservices/elt/internal/check"
	"github.com/digitalservices/elt/internal/ingest"
)

// gates are the quarantine gates of the sources a build read records from.
func gates(sources []ingest.Source, sum *Summary) []check.Gate {
	var out []check.Gate
	for _, res := range sum.Ingest {
		for _, src := range sources {
			if src.Name == res.Source && res.Records > 0 {
				out = append(out, check.Gate{Source: src.Name, RunID: sum.RunID, Read: res.Records, Quarantined: res.Quarantined, MaxPct: *src.MaxQuarantinePct})
			}
		}
	}
	return out
}
