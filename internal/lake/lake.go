// Package lake owns object storage: s3:// addresses, the client built from
// the AWS default credential chain (never from elt.yaml), and every call to
// an S3-compatible server: listing a prefix page by page (latest versions
// on a versioned bucket), reading an object as a stream that resumes where
// it broke off and refuses an object changed since it was listed,
// downloading one to a local file, uploading files (multipart, through the
// SDK's transfer manager), writing and reading small objects, and deleting
// under a prefix. Errors say which object and what to do, and carry no
// secret.
package lake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/logging"
)

// Scheme starts every address this package reads.
const Scheme = "s3://"

// IsURL tells whether a path names object storage (s3://...) rather than a
// local folder.
func IsURL(p string) bool { return strings.HasPrefix(strings.ToLower(p), Scheme) }

// URL is an object or a prefix: s3://Bucket/Key.
type URL struct{ Bucket, Key string }

// Parse reads s3://bucket/key; the key may be empty (the whole bucket).
// Repeated and trailing slashes of the key are kept out: a prefix is a
// folder.
func Parse(s string) (URL, error) {
	if !IsURL(s) {
		return URL{}, fmt.Errorf("%q is not an s3:// address", s)
	}
	rest := s[len(Scheme):]
	bucket, key, _ := strings.Cut(rest, "/")
	if i := strings.LastIndexByte(bucket, '@'); i >= 0 {
		// Not echoed: what stands before the @ may be a key and a secret.
		return URL{}, fmt.Errorf("s3://…@%s: an s3:// address carries no credentials: elt takes them only from the AWS default chain "+
			"(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance role)", bucket[i+1:])
	}
	if bucket == "" {
		return URL{}, fmt.Errorf("%q names no bucket: write s3://bucket/prefix", s)
	}
	if len(bucket) < 3 || len(bucket) > 63 || strings.ContainsAny(bucket, " ?#*\\") {
		return URL{}, fmt.Errorf("%q: %q is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)", s, bucket)
	}
	var parts []string
	for _, p := range strings.Split(key, "/") {
		switch p {
		case "":
		case ".", "..":
			return URL{}, fmt.Errorf("%q: an object key has no . or .. segments", s)
		default:
			parts = append(parts, p)
		}
	}
	return URL{Bucket: bucket, Key: strings.Join(parts, "/")}, nil
}

// String is the address as s3://bucket/key.
func (u URL) String() string {
	if u.Key == "" {
		return Scheme + u.Bucket
	}
	return Scheme + u.Bucket + "/" + u.Key
}

// Join is the address with elements appended to its key, / separated.
func (u URL) Join(elem ...string) URL {
	return URL{Bucket: u.Bucket, Key: strings.TrimPrefix(path.Join(append([]string{u.Key}, elem...)...), "/")}
}

// dir is the key as a prefix of the keys under it: "" or ending in /.
func (u URL) dir() string {
	if u.Key == "" {
		return ""
	}
	return u.Key + "/"
}

// Within tells whether u is v or below it, as folders are.
func (u URL) Within(v URL) bool {
	return u.Bucket == v.Bucket && (u.Key == v.Key || strings.HasPrefix(u.Key, v.dir()))
}

// Settings are elt.yaml's storage: section (and a target's): how s3://
// addresses are reached. Credentials are not among them: they come only
// from the AWS default chain (RefuseCredentials).
type Settings struct {
	// Region, when set, replaces AWS_REGION and the profile's region
	// (us-east-1 when nothing sets one).
	Region string `yaml:"region"`
	// Endpoint, when set, replaces AWS_ENDPOINT_URL_S3: an S3-compatible
	// server (MinIO, versitygw, Ceph, R2 ...).
	Endpoint string `yaml:"endpoint"`
	// PathStyle forces path-style addressing (server/bucket/key) on or off;
	// unset, it is on when the endpoint's host is an IP address or
	// localhost.
	PathStyle *bool `yaml:"path_style"`
	// PageSize is how many keys a listing asks for at a time (1 to 1000;
	// 0 is 1000, S3's most).
	PageSize int `yaml:"page_size"`
	// Timeout is how long a request may wait for the server to answer or
	// to send more of an object before it is retried (0 is 60 s).
	Timeout time.Duration `yaml:"timeout"`
}

// With is s with what t sets laid over it (a target's storage: over the
// top level's).
func (s Settings) With(t Settings) Settings {
	if t.Region != "" {
		s.Region = t.Region
	}
	if t.Endpoint != "" {
		s.Endpoint = t.Endpoint
	}
	if t.PathStyle != nil {
		s.PathStyle = t.PathStyle
	}
	if t.PageSize != 0 {
		s.PageSize = t.PageSize
	}
	if t.Timeout != 0 {
		s.Timeout = t.Timeout
	}
	return s
}

// Problems are what is wrong with the settings, by key (page_size,
// timeout, endpoint), for set to say which keys were written.
func (s Settings) Problems(set func(key string) bool) map[string]string {
	out := map[string]string{}
	if set("page_size") && (s.PageSize < 1 || s.PageSize > 1000) {
		out["page_size"] = fmt.Sprintf("storage.page_size must be from 1 to 1000 (S3 lists at most 1000 keys a page), found %d", s.PageSize)
	}
	if set("timeout") && s.Timeout <= 0 {
		out["timeout"] = fmt.Sprintf("storage.timeout must be a positive duration like 30s, found %s", s.Timeout)
	}
	if u, err := url.Parse(s.Endpoint); set("endpoint") && (err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https")) {
		out["endpoint"] = fmt.Sprintf("storage.endpoint must be an http:// or https:// address, found %q", s.Endpoint)
	}
	return out
}

// Store is a client of one S3-compatible service.
type Store struct {
	client   *s3.Client
	transfer *transfermanager.Client
	settings Settings
	endpoint string // as reported in errors, "" for AWS

	mu        sync.Mutex
	versioned map[string]bool // by bucket
}

var (
	storesMu sync.Mutex
	stores   = map[string]*Store{}
)

// Connect returns the process's client for these settings, made on first
// use: credentials and region from the AWS default chain (environment,
// shared config and profile, web identity, instance role), overridden by
// what the settings say. The region defaults to us-east-1 when nothing sets
// one (S3-compatible servers mostly ignore it).
func Connect(ctx context.Context, s Settings) (*Store, error) {
	// The environment is part of the key: a process (a test) that changes
	// it gets a client that reads it again.
	key := fmt.Sprintf("%s|%s|%v|%d|%s|%s|%s|%s|%s|%s", s.Region, s.Endpoint, s.PathStyle != nil && *s.PathStyle, s.PageSize, s.Timeout,
		os.Getenv("AWS_ENDPOINT_URL_S3"), os.Getenv("AWS_ENDPOINT_URL"), os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_PROFILE"), os.Getenv("AWS_REGION"))
	if s.PathStyle == nil {
		key += "|auto"
	}
	storesMu.Lock()
	defer storesMu.Unlock()
	if st, ok := stores[key]; ok {
		return st, nil
	}
	st, err := connect(ctx, s)
	if err != nil {
		return nil, err
	}
	stores[key] = st
	return st, nil
}

func connect(ctx context.Context, s Settings) (*Store, error) {
	if s.PageSize < 0 || s.PageSize > 1000 {
		return nil, fmt.Errorf("storage.page_size is %d: it must be between 1 and 1000", s.PageSize)
	}
	if s.PageSize == 0 {
		s.PageSize = 1000
	}
	if s.Timeout <= 0 {
		s.Timeout = 60 * time.Second
	}
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 10 * time.Second }).
		WithTransportOptions(func(t *http.Transport) {
			t.ResponseHeaderTimeout = s.Timeout
			t.MaxIdleConnsPerHost = 64
		}).
		WithReadTimeout(s.Timeout)
	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(httpClient)}
	if s.Region != "" {
		opts = append(opts, config.WithRegion(s.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("read the AWS configuration (environment, shared config, AWS_PROFILE): %s", clean(err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	// The SDK's own notes go nowhere: what matters comes back as an error,
	// said once, by elt.
	cfg.Logger = logging.Nop{}
	endpoint := s.Endpoint
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	pathStyle := false
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("the S3 endpoint %q is not an http:// or https:// address", endpoint)
		}
		h := u.Hostname()
		pathStyle = h == "localhost" || net.ParseIP(h) != nil
	}
	if s.PathStyle != nil {
		pathStyle = *s.PathStyle
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
		o.UsePathStyle = pathStyle
		// A ranged read (a resumed one) has no whole-object checksum to
		// check; the SDK would say so on stderr.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	return &Store{
		client:    client,
		transfer:  transfermanager.New(client),
		settings:  s,
		endpoint:  endpoint,
		versioned: map[string]bool{},
	}, nil
}

// Object is one object as a listing saw it: what the manifest remembers
// of it.
type Object struct {
	URL
	Size     int64
	ETag     string // as the server gives it, quotes removed
	Modified time.Time
	// VersionID is the version listed, on a versioned bucket ("" if not).
	VersionID string
}

// List lists the objects under the prefix, every page of them, sorted by
// key: the latest version of each on a versioned bucket (an object whose
// latest version is a delete marker is gone). Keys ending in / (folder
// markers, as the S3 console's "Create folder" makes) are listed too: they
// say a prefix exists; IsFolder tells them.
func (s *Store) List(ctx context.Context, prefix URL) ([]Object, error) {
	versioned, err := s.isVersioned(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var out []Object
	if versioned {
		p := s3.NewListObjectVersionsPaginator(s.client, &s3.ListObjectVersionsInput{
			Bucket: aws.String(prefix.Bucket), Prefix: aws.String(prefix.dir()), MaxKeys: aws.Int32(int32(s.settings.PageSize))})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, s.explain(err, "list", prefix)
			}
			for _, v := range page.Versions {
				if !aws.ToBool(v.IsLatest) {
					continue
				}
				out = append(out, Object{URL: URL{prefix.Bucket, aws.ToString(v.Key)}, Size: aws.ToInt64(v.Size),
					ETag: unquote(aws.ToString(v.ETag)), Modified: aws.ToTime(v.LastModified).UTC(), VersionID: aws.ToString(v.VersionId)})
			}
		}
	} else {
		p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
			Bucket: aws.String(prefix.Bucket), Prefix: aws.String(prefix.dir()), MaxKeys: aws.Int32(int32(s.settings.PageSize))})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, s.explain(err, "list", prefix)
			}
			for _, o := range page.Contents {
				out = append(out, Object{URL: URL{prefix.Bucket, aws.ToString(o.Key)}, Size: aws.ToInt64(o.Size),
					ETag: unquote(aws.ToString(o.ETag)), Modified: aws.ToTime(o.LastModified).UTC()})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// isVersioned asks once per bucket whether versioning is on (or was:
// suspended buckets keep versions); a server without the call has none.
func (s *Store) isVersioned(ctx context.Context, prefix URL) (bool, error) {
	bucket := prefix.Bucket
	s.mu.Lock()
	v, ok := s.versioned[bucket]
	s.mu.Unlock()
	if ok {
		return v, nil
	}
	out, err := s.client.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		v = out.Status == types.BucketVersioningStatusEnabled || out.Status == types.BucketVersioningStatusSuspended
	case code(err) == "NotImplemented" || code(err) == "MethodNotAllowed":
		v = false
	default:
		return false, s.explain(err, "list", prefix)
	}
	s.mu.Lock()
	s.versioned[bucket] = v
	s.mu.Unlock()
	return v, nil
}

// IsFolder tells a folder marker (a key ending in /) from an object.
func (o Object) IsFolder() bool { return strings.HasSuffix(o.Key, "/") }

func unquote(etag string) string { return strings.Trim(etag, `"`) }

// ErrNotFound is an object or bucket that is not there.
var ErrNotFound = errors.New("not found")

// ErrUnreachable is a server that cannot be reached, or credentials that
// cannot be found: nothing at that endpoint can be read, whatever the
// object.
var ErrUnreachable = errors.New("the S3 server cannot be reached")

// unreachable is an error saying why (errors.Is ErrUnreachable).
type unreachable string

func (e unreachable) Error() string        { return string(e) }
func (e unreachable) Is(target error) bool { return target == ErrUnreachable }

// ErrChanged is an object rewritten since it was listed (its ETag or
// version is no longer the one read, or its size is not).
var ErrChanged = errors.New("was rewritten since it was listed")

func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case http.StatusNotFound:
			return "NotFound"
		case http.StatusPreconditionFailed:
			return "PreconditionFailed"
		}
	}
	return ""
}

// explain turns an SDK error into one a person can act on, naming the
// object and the endpoint, and nothing secret (the SDK's errors carry
// request ids, never keys; signatures are not in them).
func (s *Store) explain(err error, verb string, u URL) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	where := ""
	if s.endpoint != "" {
		where = " at " + s.endpoint
	}
	switch c := code(err); c {
	case "NoSuchBucket":
		return fmt.Errorf("%s %s: bucket %s does not exist%s: create it, or fix the address: %w", verb, u, u.Bucket, where, ErrNotFound)
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%s %s: no such object%s: %w", verb, u, where, ErrNotFound)
	case "PreconditionFailed":
		return fmt.Errorf("%s %s: the object %w; build again to read it as it is now", verb, u, ErrChanged)
	case "InvalidBucketName":
		return fmt.Errorf("%s %s: the server%s says %q is not a valid bucket name (S3's are 3 to 63 lower-case letters, digits, dots and hyphens)", verb, u, where, u.Bucket)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "XAdminUserNotFound", "Forbidden":
		return fmt.Errorf("%s %s: access denied%s (%s): elt takes credentials only from the AWS default chain "+
			"(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, instance role); check those and the bucket's policy", verb, u, where, c)
	}
	msg := err.Error()
	if strings.Contains(msg, "get credentials") || strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "failed to refresh cached credentials") {
		return unreachable(fmt.Sprintf("%s %s: no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role is attached (elt never reads credentials from elt.yaml)", verb, u))
	}
	var op *net.OpError
	if errors.As(err, &op) && !op.Timeout() {
		return unreachable(fmt.Sprintf("%s %s: cannot reach the S3 server%s (%s): is it running, and is the endpoint right (storage.endpoint, AWS_ENDPOINT_URL_S3)?", verb, u, where, op.Err))
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return unreachable(fmt.Sprintf("%s %s: cannot reach the S3 server%s: it did not answer within %s (storage.timeout), after the SDK's retries", verb, u, where, s.settings.Timeout))
	}
	return fmt.Errorf("%s %s%s: %s", verb, u, where, clean(err))
}

// clean is an SDK error's text without the request and host ids, which
// help nobody reading a terminal.
func clean(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, ", RequestID: "); i >= 0 {
		if j := strings.Index(msg[i:], ", api error "); j >= 0 {
			return msg[:i] + ":" + msg[i+j+len(", api error")-0:]
		}
		return msg[:i]
	}
	return msg
}
