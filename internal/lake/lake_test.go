package lake_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{"s3://AKIAXXXX:topsecret@lake/x", "", "", "carries no credentials"},
	} {
		u, err := lake.Parse(c.in)
		if err != nil && strings.Contains(err.Error(), "topsecret") {
			t.Errorf("Parse(%q) shows the secret: %v", c.in, err)
		}
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

// TestVersionedBucket: on a versioned bucket the listing gives each key's
// latest version with its id, a read pinned to a listed version returns
// that version's bytes after a newer one lands, and a key whose latest
// version is a delete marker is gone.
func TestVersionedBucket(t *testing.T) {
	srv := testutil.StartS3Versioned(t, "lake-versions")
	ctx := context.Background()
	srv.Put("s3://lake-versions/in/a.ndjson", []byte("{\"v\":1}\n"))
	srv.Put("s3://lake-versions/in/b.ndjson", []byte("{\"b\":1}\n"))
	first, err := srv.Store.List(ctx, lake.URL{Bucket: "lake-versions", Key: "in"})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 2 || first[0].VersionID == "" {
		t.Fatalf("listed %+v: want two objects with version ids", first)
	}
	srv.Put("s3://lake-versions/in/a.ndjson", []byte("{\"v\":2}\n"))
	if err := srv.Store.Delete(ctx, lake.URL{Bucket: "lake-versions", Key: "in/b.ndjson"}); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(srv.Store.Open(ctx, first[0]))
	if err != nil || string(data) != "{\"v\":1}\n" {
		t.Fatalf("the listed version read %q, %v; want version 1's bytes", data, err)
	}
	now, err := srv.Store.List(ctx, lake.URL{Bucket: "lake-versions", Key: "in"})
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != 1 || now[0].Key != "in/a.ndjson" || now[0].VersionID == first[0].VersionID {
		t.Fatalf("after a new version and a delete, listed %+v", now)
	}
}

// TestReadResumes: a read the server breaks off (killed and started again
// mid-transfer) is taken up where it stopped, and gives every byte once.
func TestReadResumes(t *testing.T) {
	srv := testutil.StartS3(t, "lake-resume")
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 4<<20) // 64 MiB
	srv.Put("s3://lake-resume/big", data)
	objs, err := srv.Store.List(ctx, lake.URL{Bucket: "lake-resume"})
	if err != nil || len(objs) != 1 {
		t.Fatalf("listed %v, %v", objs, err)
	}
	r := srv.Store.Open(ctx, objs[0])
	defer r.Close()
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	srv.Start()
	rest, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading on after the server came back: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, want the %d written, equal", len(got), len(data))
	}
}

// TestDownloadToTempDir: a download to "" goes to the system's temporary
// folder (no temp_directory set), its bytes written to the hash on the way;
// the copy is the object.
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
		h := sha256.New()
		file, err := srv.Store.Download(ctx, objs[0], dir, "copy-*.parquet", h)
		if err != nil {
			t.Fatalf("download to %q: %v", dir, err)
		}
		want := dir
		if dir == "" {
			want = tmp
		}
		data, _ := os.ReadFile(file)
		if filepath.Dir(file) != want || string(data) != "PAR1 not really" || hex.EncodeToString(h.Sum(nil)) != hexSHA(data) {
			t.Fatalf("download to %q: %s (%q), sha %x", dir, file, data, h.Sum(nil))
		}
	}
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// TestServerSilent: a server that takes the connection and never answers
// is, after storage.timeout and the SDK's retries, "cannot reach", naming
// the timeout; not a hang, nor the SDK's raw text.
func TestServerSilent(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	st, err := lake.Connect(context.Background(), lake.Settings{Endpoint: "http://" + l.Addr().String(), Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.List(context.Background(), lake.URL{Bucket: "lake-silent", Key: "in"})
	if err == nil || !strings.Contains(err.Error(), "list s3://lake-silent/in: cannot reach the S3 server at http://"+l.Addr().String()+": it did not answer within 200ms") {
		t.Fatalf("a silent server: %v", err)
	}
}

// TestNoCredentials: with nothing in the AWS default chain, the error says
// where credentials come from.
func TestNoCredentials(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "none"), "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": ""} {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
	st, err := lake.Connect(context.Background(), lake.Settings{Endpoint: "http://127.0.0.1:9", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, err = st.List(context.Background(), lake.URL{Bucket: "lake-nocreds"})
	if err == nil || !strings.Contains(err.Error(), "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
		t.Fatalf("no credentials: %v", err)
	}
}
