package gen

import (
	"context"
	"os"

	"github.com/digitalservices/elt/internal/lake"
)

// Write writes the data set to o.Out, a folder (Generate) or an s3://
// prefix: then to a temporary folder first, and uploaded (four objects at
// a time), refusing, before anything is uploaded, to replace an object
// that exists (ExistsError), as Generate refuses to overwrite a file;
// storage reaches the bucket. A failure to upload is an *UploadError.
func Write(ctx context.Context, o Options, storage lake.Settings) (Stats, error) {
	if !lake.IsURL(o.Out) {
		return Generate(o)
	}
	prefix, err := lake.Parse(o.Out)
	if err != nil {
		return Stats{}, err
	}
	tmp, err := os.MkdirTemp("", "elt-generate-")
	if err != nil {
		return Stats{}, err
	}
	defer os.RemoveAll(tmp)
	local := o
	local.Out = tmp
	st, err := Generate(local)
	if err != nil {
		return st, err
	}
	return st, upload(ctx, tmp, prefix, storage)
}

// UploadError is a failure to put generated files on object storage (not
// a mistake in the options).
type UploadError struct{ Err error }

func (e *UploadError) Error() string { return e.Err.Error() }
func (e *UploadError) Unwrap() error { return e.Err }

// upload puts every file under dir at the same path under prefix
// (lake.UploadFiles), after making sure that none of them exists there.
func upload(ctx context.Context, dir string, prefix lake.URL, storage lake.Settings) error {
	store, err := lake.Connect(ctx, storage)
	if err != nil {
		return &UploadError{err}
	}
	existing, err := store.List(ctx, prefix)
	if err != nil {
		return &UploadError{err}
	}
	have := map[string]bool{}
	for _, obj := range existing {
		have[obj.Key] = true
	}
	rels, err := lake.LocalFiles(dir)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		if u := prefix.Join(rel); have[u.Key] {
			return &ExistsError{Path: u.String()}
		}
	}
	if _, err := store.UploadFiles(ctx, dir, rels, prefix); err != nil {
		return &UploadError{err}
	}
	return nil
}
