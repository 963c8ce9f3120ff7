package lake

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// resumes is how many times in a row, with no byte read between, a read
// that broke off is taken up again where it stopped (the SDK retries each
// request on top of this).
const resumes = 3

// Open reads the object as listed: a stream that asks the server for
// exactly that object (its version, or its ETag), takes a broken transfer
// up again from the byte where it stopped, and ends with an error wrapping
// ErrChanged when the object was rewritten meanwhile, or when fewer or more
// bytes than listed arrive.
func (s *Store) Open(ctx context.Context, o Object) io.ReadCloser {
	return &reader{ctx: ctx, s: s, o: o}
}

type reader struct {
	ctx     context.Context
	s       *Store
	o       Object
	body    io.ReadCloser
	off     int64
	resumed int   // resumes in a row since a byte was last read
	at      int64 // off at the last resume
	err     error
}

func (r *reader) get() error {
	in := &s3.GetObjectInput{Bucket: aws.String(r.o.Bucket), Key: aws.String(r.o.Key)}
	if r.o.VersionID != "" {
		in.VersionId = aws.String(r.o.VersionID)
	} else if r.o.ETag != "" {
		in.IfMatch = aws.String(`"` + r.o.ETag + `"`)
	}
	if r.off > 0 {
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", r.off))
	}
	out, err := r.s.client.GetObject(r.ctx, in)
	if err != nil {
		return r.s.explain(err, "read", r.o.URL)
	}
	if r.o.ETag != "" && out.ETag != nil && unquote(*out.ETag) != r.o.ETag {
		out.Body.Close()
		return fmt.Errorf("read %s: the object %w; build again to read it as it is now", r.o.URL, ErrChanged)
	}
	r.body = out.Body
	return nil
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for {
		if r.body == nil {
			if err := r.get(); err != nil {
				r.err = err
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		switch {
		case r.off > r.o.Size:
			r.err = fmt.Errorf("read %s: more than the %d bytes listed arrived: the object %w", r.o.URL, r.o.Size, ErrChanged)
			return 0, r.err
		case err == io.EOF && r.off < r.o.Size:
			err = io.ErrUnexpectedEOF
		case err == io.EOF, err != nil && r.off == r.o.Size:
			// Every byte listed has come: a break after the last one
			// is the end.
			r.err = io.EOF
			return n, io.EOF
		}
		if err == nil || n > 0 {
			if err != nil {
				r.drop()
			}
			return n, nil
		}
		// The transfer broke off: take it up again where it stopped, a few
		// times in a row, unless the build is being stopped.
		r.drop()
		if r.off > r.at {
			r.resumed, r.at = 0, r.off
		}
		if r.ctx.Err() != nil || r.resumed >= resumes {
			if r.ctx.Err() != nil {
				err = r.ctx.Err()
			}
			r.err = fmt.Errorf("read %s (at byte %d of %d): %w", r.o.URL, r.off, r.o.Size, err)
			return 0, r.err
		}
		r.resumed++
		select {
		case <-time.After(time.Duration(r.resumed*r.resumed) * 100 * time.Millisecond):
		case <-r.ctx.Done():
		}
	}
}

func (r *reader) drop() {
	if r.body != nil {
		r.body.Close()
		r.body = nil
	}
}

func (r *reader) Close() error {
	r.drop()
	if r.err == nil {
		r.err = errors.New("read after close")
	}
	return nil
}

// Download copies the object to a new file in dir (named after no part of
// the key; "" is the system's temporary folder), writing its bytes to also
// (a hash; not nil) on the way, and returns the file's path. On failure nothing is
// left in dir.
func (s *Store) Download(ctx context.Context, o Object, dir, pattern string, also io.Writer) (file string, err error) {
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("download %s: %w", o.URL, err)
	}
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", o.URL, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			if !strings.Contains(err.Error(), o.URL.String()) { // a write's error (a full disk)
				err = fmt.Errorf("download %s to %s: %w", o.URL, dir, err)
			}
		}
	}()
	r := s.Open(ctx, o)
	defer r.Close()
	if _, err := io.Copy(io.MultiWriter(f, also), r); err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// Upload writes a local file to the object at u (multipart when large,
// through the transfer manager), returning its size.
func (s *Store) Upload(ctx context.Context, file string, u URL) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return 0, err
	}
	_, err = s.transfer.UploadObject(ctx, &transfermanager.UploadObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(u.Key), Body: f},
		func(o *transfermanager.Options) { o.Concurrency = 4 })
	if err != nil {
		return 0, s.explain(err, "upload to", u)
	}
	return info.Size(), nil
}

// Uploaders is how many files UploadFiles sends at once.
const Uploaders = 4

// LocalFiles lists the files under dir, by their paths relative to it, /
// separated, in walking order: what UploadFiles takes.
func LocalFiles(dir string) ([]string, error) {
	var rels []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		rels = append(rels, filepath.ToSlash(rel))
		return err
	})
	return rels, err
}

// UploadFiles uploads the files rels (relative to dir, / separated) to the
// same paths under prefix, Uploaders at a time, returning each one's size
// (in rels' order). The first failure stops the others.
func (s *Store) UploadFiles(ctx context.Context, dir string, rels []string, prefix URL) ([]int64, error) {
	sizes := make([]int64, len(rels))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(Uploaders)
	for i, rel := range rels {
		g.Go(func() (err error) {
			sizes[i], err = s.Upload(gctx, filepath.Join(dir, filepath.FromSlash(rel)), prefix.Join(rel))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return sizes, ctx.Err()
}

// Put writes a small object whole.
func (s *Store) Put(ctx context.Context, u URL, data []byte, contentType string) error {
	_, err := s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(u.Key),
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))), ContentType: aws.String(contentType)})
	return s.explain(err, "write", u)
}

// Get reads a small object whole; an error wrapping ErrNotFound when there
// is none.
func (s *Store) Get(ctx context.Context, u URL) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(u.Key)})
	if err != nil {
		return nil, s.explain(err, "read", u)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", u, err)
	}
	return data, nil
}

// Folders are the names of the "folders" right under the prefix: the next
// segments of the keys below it, sorted.
func (s *Store) Folders(ctx context.Context, prefix URL) ([]string, error) {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(prefix.Bucket),
		Prefix: aws.String(prefix.dir()), Delimiter: aws.String("/"), MaxKeys: aws.Int32(int32(s.settings.PageSize))})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s.explain(err, "list", prefix)
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix.dir()), "/"))
		}
	}
	return out, nil
}

// DeleteAll deletes every object under the prefix (the current versions:
// on a versioned bucket the bucket's own rules keep or expire the older).
func (s *Store) DeleteAll(ctx context.Context, prefix URL) error {
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(prefix.Bucket),
		Prefix: aws.String(prefix.dir()), MaxKeys: aws.Int32(int32(s.settings.PageSize))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return s.explain(err, "list", prefix)
		}
		if len(page.Contents) == 0 {
			continue
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(prefix.Bucket),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
		if err != nil {
			return s.explain(err, "delete under", prefix)
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s (%s)", URL{prefix.Bucket, aws.ToString(e.Key)}, aws.ToString(e.Message), aws.ToString(e.Code))
		}
	}
	return nil
}

// Delete deletes one object; one already gone is no error.
func (s *Store) Delete(ctx context.Context, u URL) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(u.Bucket), Key: aws.String(u.Key)})
	if err != nil && code(err) != "NoSuchKey" && code(err) != "NotFound" {
		return s.explain(err, "delete", u)
	}
	return nil
}

// CreateBucket makes a bucket (for tests and elt generate against a new
// server); one that exists and is ours is no error.
func (s *Store) CreateBucket(ctx context.Context, bucket string) error {
	_, err := s.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})
	if err != nil && code(err) != "BucketAlreadyOwnedByYou" {
		return s.explain(err, "create bucket", URL{Bucket: bucket})
	}
	return nil
}
