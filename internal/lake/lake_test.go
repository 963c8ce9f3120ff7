package lake_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/testutil"
)

func TestParse(t *testing.T) {
	for _, c := range []struct{ in, bucket, key, err string }{
		{"s3://lake/bronze", "lake", "bronze", ""},
		{"s3://lake/bronze/", "lake", "bronze", ""},
		{"S3://lake//a///b", "lake", "a/b", ""},
		{"s3://lake", "lake", "", ""},
		{"s3://", "", "", "names no bucket"},
		{"s3://ab/x", "", "", "not a bucket name"},
		{"s3://lake/a/../b", "", "", "no . or .."},
		{"/data/bronze", "", "", "not an s3:// address"},
	} {
		u, err := lake.Parse(c.in)
		if c.err != "" {
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(c.err)) {
				t.Errorf("Parse(%q) = %v, %v; want an error saying %q", c.in, u, err, c.err)
			}
			continue
		}
		if err != nil || u.Bucket != c.bucket || u.Key != c.key {
			t.Errorf("Parse(%q) = %+v, %v; want %s %s", c.in, u, err, c.bucket, c.key)
		}
	}
}

// TestListPagesAndReads lists 250 objects 100 to a page, reads each as
// listed, and refuses one rewritten after it was listed.
func TestListPagesAndReads(t *testing.T) {
	srv := testutil.StartS3(t, "lake-list")
	ctx := context.Background()
	for i := range 250 {
		srv.Put(fmt.Sprintf("s3://lake-list/in/f%04d.ndjson", i), []byte(fmt.Sprintf("{\"i\":%d}\n", i)))
	}
	srv.Put("s3://lake-list/other/x", []byte("x"))
	st, err := lake.Connect(ctx, lake.Settings{Endpoint: srv.Endpoint, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := st.List(ctx, lake.URL{Bucket: "lake-list", Key: "in"})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 250 || objs[0].Key != "in/f0000.ndjson" || objs[249].Key != "in/f0249.ndjson" {
		t.Fatalf("listed %d objects (%v ... ), want 250 in key order", len(objs), objs[0].Key)
	}
	data, err := io.ReadAll(st.Open(ctx, objs[7]))
	if err != nil || string(data) != "{\"i\":7}\n" {
		t.Fatalf("read %q, %v", data, err)
	}
	srv.Put("s3://lake-list/in/f0007.ndjson", []byte("{\"i\":\"seven\"}\n"))
	_, err = io.ReadAll(st.Open(ctx, objs[7]))
	if !errors.Is(err, lake.ErrChanged) {
		t.Fatalf("reading an object rewritten since listed: %v, want ErrChanged", err)
	}
	if _, err := st.List(ctx, lake.URL{Bucket: "no-such-bucket"}); !errors.Is(err, lake.ErrNotFound) {
		t.Fatalf("listing a missing bucket: %v", err)
	}
}

// TestServerGone: a server that stops answering is an error naming the
// object and the endpoint, not a hang.
func TestServerGone(t *testing.T) {
	srv := testutil.StartS3(t, "lake-gone")
	srv.Put("s3://lake-gone/a", []byte("a"))
	srv.Stop()
	_, err := srv.Store.List(context.Background(), lake.URL{Bucket: "lake-gone"})
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("cannot reach the S3 server")) {
		t.Fatalf("listing with the server stopped: %v", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte(srv.Secret())) {
		t.Fatal("the error shows the secret key")
	}
}

// TestDownloadToTempDir: a download to "" goes to the system's temporary
// folder (no temp_directory set), with its sha256; the copy is the object.
func TestDownloadToTempDir(t *testing.T) {
	srv := testutil.StartS3(t, "lake-download")
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx := context.Background()
	srv.Put("s3://lake-download/in/a.parquet", []byte("PAR1 not really"))
	objs, err := srv.Store.List(ctx, lake.URL{Bucket: "lake-download", Key: "in"})
	if err != nil || len(objs) != 1 {
		t.Fatalf("list: %v, %v", objs, err)
	}
	for _, dir := range []string{"", filepath.Join(tmp, "made", "here")} {
		file, sha, err := srv.Store.Download(ctx, objs[0], dir, "copy-*.parquet")
		if err != nil {
			t.Fatalf("download to %q: %v", dir, err)
		}
		want := dir
		if dir == "" {
			want = tmp
		}
		data, _ := os.ReadFile(file)
		if filepath.Dir(file) != want || string(data) != "PAR1 not really" || sha != hexSHA(data) {
			t.Fatalf("download to %q: %s (%q), sha %s", dir, file, data, sha)
		}
	}
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
