package lake

// Manifest is Redshift's COPY ... MANIFEST file: the files to load, each
// mandatory, with its size (which COPY ... FORMAT AS PARQUET requires).
// The lake's exports publish their runs with one; a Redshift target's
// loads go through one.
type Manifest struct {
	Entries []ManifestEntry `json:"entries"`
}

// ManifestEntry is one file of a Manifest.
type ManifestEntry struct {
	URL       string `json:"url"`
	Mandatory bool   `json:"mandatory"`
	Meta      struct {
		ContentLength int64 `json:"content_length"`
	} `json:"meta"`
}

// Add lists the file at u, of size bytes, as mandatory.
func (m *Manifest) Add(u URL, size int64) {
	e := ManifestEntry{URL: u.String(), Mandatory: true}
	e.Meta.ContentLength = size
	m.Entries = append(m.Entries, e)
}
