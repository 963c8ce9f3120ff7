package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/digitalservices/elt/internal/lake"
)

// S3 is a real S3 server (versitygw over a folder) on a loopback port,
// for one test.
type S3 struct {
	// Endpoint is the server's address, http://127.0.0.1:PORT.
	Endpoint string
	// Root is the folder the server keeps buckets in (a bucket is a folder).
	Root string
	// Store is a client of it (the one elt itself uses).
	Store *lake.Store

	t      testing.TB
	bin    string
	addr   string
	access string
	secret string
	cmd    *exec.Cmd
	// versions is where the server keeps old versions ("" for none).
	versions string
}

// StartS3 starts versitygw (which make test installs) on a free loopback
// port over a temporary folder, with fresh credentials put where the AWS
// default chain finds them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_REGION, AWS_ENDPOINT_URL_S3: set for the test with t.Setenv, so
// processes the test starts inherit them), and creates bucket. It stops
// the server when the test ends.
func StartS3(t testing.TB, bucket string) *S3 {
	t.Helper()
	return startS3(t, bucket, false)
}

// StartS3Versioned is StartS3 with versioning on in the server and on the
// bucket: every write keeps the versions before it.
func StartS3Versioned(t testing.TB, bucket string) *S3 {
	t.Helper()
	return startS3(t, bucket, true)
}

func startS3(t testing.TB, bucket string, versioned bool) *S3 {
	t.Helper()
	bin, err := exec.LookPath("versitygw")
	if err != nil {
		out, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("versitygw is not installed: make test installs it (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)")
		}
	}
	s := &S3{t: t, bin: bin, Root: t.TempDir(), access: "elt" + random(6), secret: random(20)}
	if versioned {
		s.versions = t.TempDir()
	}
	s.addr = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	s.Endpoint = "http://" + s.addr
	for _, k := range []string{"AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(s.Root, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(s.Root, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ACCESS_KEY_ID", s.access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_S3", s.Endpoint)
	s.Start()
	t.Cleanup(s.Stop)
	s.Store, err = lake.Connect(context.Background(), lake.Settings{Endpoint: s.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	if bucket != "" {
		if err := s.Store.CreateBucket(context.Background(), bucket); err != nil {
			t.Fatal(err)
		}
	}
	if bucket != "" && versioned {
		cfg, err := config.LoadDefaultConfig(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
		_, err = client.PutBucketVersioning(context.Background(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
			VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
		if err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// Secret is the secret access key the server and the test's processes
// share, for tests that check it never shows.
func (s *S3) Secret() string { return s.secret }

// Start starts the server (again, after Stop) on its address and waits
// until it answers.
func (s *S3) Start() {
	s.t.Helper()
	args := []string{"--port", s.addr, "--quiet", "posix"}
	if s.versions != "" {
		args = append(args, "--versioning-dir", s.versions)
	}
	s.cmd = exec.Command(s.bin, append(args, s.Root)...)
	s.cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.access, "ROOT_SECRET_ACCESS_KEY="+s.secret)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if c, err := net.DialTimeout("tcp", s.addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	s.t.Fatalf("versitygw did not start on %s", s.addr)
}

// Stop kills the server at once (as a crash would) and waits for it.
func (s *S3) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Put writes an object from bytes.
func (s *S3) Put(key string, data []byte) {
	s.t.Helper()
	u, err := lake.Parse(key)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.Store.Put(context.Background(), u, data, "application/octet-stream"); err != nil {
		s.t.Fatal(err)
	}
}

// MakeFolder makes an empty folder at the prefix: an empty object whose
// key ends in /, as the S3 console's "Create folder" does.
func (s *S3) MakeFolder(prefix string) {
	s.t.Helper()
	u, err := lake.Parse(prefix)
	if err != nil {
		s.t.Fatal(err)
	}
	u.Key += "/"
	if err := s.Store.Put(context.Background(), u, nil, "application/x-directory"); err != nil {
		s.t.Fatal(err)
	}
}

// UploadDir uploads every file under dir to the prefix, keys the files'
// paths relative to dir.
func (s *S3) UploadDir(dir, prefix string) {
	s.t.Helper()
	u, err := lake.Parse(prefix)
	if err != nil {
		s.t.Fatal(err)
	}
	rels, err := lake.LocalFiles(dir)
	if err == nil {
		_, err = s.Store.UploadFiles(context.Background(), dir, rels, u)
	}
	if err != nil {
		s.t.Fatal(err)
	}
}

// Objects are the objects under the prefix: s3:// address → size.
func (s *S3) Objects(prefix string) map[string]int64 {
	s.t.Helper()
	objs := s.list(prefix)
	out := map[string]int64{}
	for _, o := range objs {
		out[o.URL.String()] = o.Size
	}
	return out
}

// Get reads an object whole; nil when there is none.
func (s *S3) Get(addr string) []byte {
	s.t.Helper()
	u, err := lake.Parse(addr)
	if err != nil {
		s.t.Fatal(err)
	}
	data, err := s.Store.Get(context.Background(), u)
	if errors.Is(err, lake.ErrNotFound) {
		return nil
	} else if err != nil {
		s.t.Fatal(err)
	}
	return data
}

// Manifest reads a manifest in Redshift's COPY ... MANIFEST format: the
// files it names → their content_length; nil when there is none. It fails
// the test unless every entry is mandatory.
func (s *S3) Manifest(addr string) map[string]int64 {
	s.t.Helper()
	data := s.Get(addr)
	if data == nil {
		return nil
	}
	var m struct {
		Entries []struct {
			URL       string `json:"url"`
			Mandatory bool   `json:"mandatory"`
			Meta      struct {
				ContentLength *int64 `json:"content_length"`
			} `json:"meta"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		s.t.Fatalf("%s: %v\n%s", addr, err, data)
	}
	out := map[string]int64{}
	for _, e := range m.Entries {
		if !e.Mandatory || e.Meta.ContentLength == nil {
			s.t.Fatalf("%s: entry %s is not mandatory or has no content_length", addr, e.URL)
		}
		out[e.URL] = *e.Meta.ContentLength
	}
	return out
}

// Download copies every object under the prefix into dir, at its key's
// path below the prefix.
func (s *S3) Download(prefix, dir string) {
	s.t.Helper()
	u, _ := lake.Parse(prefix) // list checked it
	for _, o := range s.list(prefix) {
		if o.IsFolder() {
			continue
		}
		data, err := io.ReadAll(s.Store.Open(context.Background(), o))
		if err != nil {
			s.t.Fatal(err)
		}
		WriteFile(s.t, filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(o.Key, u.Key+"/"))), string(data))
	}
}

func random(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// CPUTime is the processor time (user and system) the server has used
// since it started, read from /proc (0 where there is none): for a
// benchmark to say how much of the machine the server took.
func (s *S3) CPUTime() time.Duration {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name (which may hold spaces, and
	// ends at the last ")"): utime and stime are the 12th and 13th, in
	// clock ticks of 1/100 s (USER_HZ on Linux).
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(stat)[i+1:])
	if len(f) < 13 {
		return 0
	}
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond
}

// list is every object under the prefix.
func (s *S3) list(prefix string) []lake.Object {
	s.t.Helper()
	u, err := lake.Parse(prefix)
	if err != nil {
		s.t.Fatal(err)
	}
	objs, err := s.Store.List(context.Background(), u)
	if err != nil {
		s.t.Fatal(err)
	}
	return objs
}
