package stream

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync/atomic"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	saslaws "github.com/twmb/franz-go/pkg/sasl/aws"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The environment variables FromEnv reads the SASL username and password
// from when no others are named.
const (
	DefaultUsernameVar = "ELT_KAFKA_USERNAME"
	DefaultPasswordVar = "ELT_KAFKA_PASSWORD"
)

// SASL is how a client logs in to the brokers.
type SASL struct {
	// Mechanism is plain, scram-sha-256, scram-sha-512 or aws-msk-iam
	// (Kafka's spelling, PLAIN or AWS_MSK_IAM, is read too); empty means
	// no login. aws-msk-iam signs the login with the credentials of the
	// AWS default chain, and implies TLS.
	Mechanism string
	// Username and Password log in with plain and scram; FromEnv fills
	// them from the environment. The password is never logged nor put in
	// an error.
	Username, Password string
	// UsernameVar and PasswordVar are the environment variables they came
	// from, which errors name (FromEnv sets them).
	UsernameVar, PasswordVar string
}

// TLS is how a client encrypts its connections to the brokers.
type TLS struct {
	// Enabled turns TLS on with the system's CAs. Any of the fields below
	// set turns it on too.
	Enabled bool
	// CAFile is a PEM file of the CA (or CAs) that signed the brokers'
	// certificates; empty means the system's CAs.
	CAFile string
	// CertFile and KeyFile are the client's certificate and private key
	// (PEM), for brokers that require one (mutual TLS).
	CertFile, KeyFile string
	// ServerName is the name the brokers' certificates are checked
	// against; empty means the host of each broker's address.
	ServerName string
}

// String shows the login with the password masked, so that a Config
// printed (%v, %+v, %#v) never shows it.
func (s SASL) String() string {
	pass := ""
	if s.Password != "" {
		pass = "****"
	}
	return fmt.Sprintf("{Mechanism:%s Username:%s Password:%s UsernameVar:%s PasswordVar:%s}", s.Mechanism, s.Username, pass, s.UsernameVar, s.PasswordVar)
}

// GoString is String, for %#v.
func (s SASL) GoString() string { return "stream.SASL" + s.String() }

// mechanisms maps the mechanisms accepted to Kafka's names of them.
var mechanisms = map[string]string{
	"plain":         "PLAIN",
	"scram-sha-256": "SCRAM-SHA-256",
	"scram-sha-512": "SCRAM-SHA-512",
	"aws-msk-iam":   "AWS_MSK_IAM",
}

const mskIAM = "AWS_MSK_IAM"

// kafkaName returns the mechanism's name in Kafka's spelling ("" for no
// SASL).
func (s SASL) kafkaName() (string, error) {
	if s.Mechanism == "" {
		return "", nil
	}
	name, ok := mechanisms[strings.ReplaceAll(strings.ToLower(s.Mechanism), "_", "-")]
	if !ok {
		return "", fmt.Errorf("kafka.sasl.mechanism %q is not a SASL mechanism elt speaks: use plain, scram-sha-256, scram-sha-512 or aws-msk-iam", s.Mechanism)
	}
	return name, nil
}

// FromEnv fills the SASL username and password from the environment
// variables named (DefaultUsernameVar and DefaultPasswordVar when empty),
// read through getenv (os.Getenv). With no SASL mechanism, or with
// aws-msk-iam (whose credentials are AWS's), it reads nothing. A variable
// empty or unset is an error naming it.
func (c *Config) FromEnv(getenv func(string) string, usernameVar, passwordVar string) error {
	name, err := c.SASL.kafkaName()
	if err != nil || name == "" || name == mskIAM {
		return err
	}
	if usernameVar == "" {
		usernameVar = DefaultUsernameVar
	}
	if passwordVar == "" {
		passwordVar = DefaultPasswordVar
	}
	c.SASL.UsernameVar, c.SASL.PasswordVar = usernameVar, passwordVar
	c.SASL.Username, c.SASL.Password = getenv(usernameVar), getenv(passwordVar)
	if c.SASL.Username == "" {
		return fmt.Errorf("the Kafka SASL login (%s) needs a username: the environment variable %s is empty or not set; export it", name, usernameVar)
	}
	if c.SASL.Password == "" {
		return fmt.Errorf("the Kafka SASL login (%s) as user %s needs a password: the environment variable %s is empty or not set; export it (elt.yaml never holds a password)", name, c.SASL.Username, passwordVar)
	}
	return nil
}

// authOptions are the SASL and TLS options of a client.
func (c Config) authOptions() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	name, err := c.SASL.kafkaName()
	if err != nil {
		return nil, err
	}
	if name != "" {
		m, err := c.SASL.mechanism(name)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.SASL(&watchedLogin{Mechanism: m}))
	}
	if c.tlsOn() {
		cfg, err := c.TLS.config()
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	return opts, nil
}

func (s SASL) mechanism(name string) (sasl.Mechanism, error) {
	if name == mskIAM {
		return awsIAM()
	}
	if s.Username == "" || s.Password == "" {
		return nil, fmt.Errorf("the Kafka SASL login (%s) needs a username and a password: set them in the environment variables %s and %s", name, or(s.UsernameVar, DefaultUsernameVar), or(s.PasswordVar, DefaultPasswordVar))
	}
	switch name {
	case "PLAIN":
		return plain.Auth{User: s.Username, Pass: s.Password}.AsMechanism(), nil
	case "SCRAM-SHA-256":
		return scram.Auth{User: s.Username, Pass: s.Password}.AsSha256Mechanism(), nil
	}
	return scram.Auth{User: s.Username, Pass: s.Password}.AsSha512Mechanism(), nil
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// errAWSCredentials is the AWS default chain giving no credentials for an
// MSK IAM login.
type errAWSCredentials struct{ err error }

func (e errAWSCredentials) Error() string {
	return "no AWS credentials for the MSK IAM login: " + e.err.Error()
}

func (e errAWSCredentials) Unwrap() error { return e.err }

// awsIAM is the MSK IAM mechanism, signing each connection's login with
// the credentials of the AWS default chain (environment, profile, SSO,
// web identity, container or instance role), refreshed when they expire.
func awsIAM() (sasl.Mechanism, error) {
	cfg, err := awsconfig.LoadDefaultConfig(context.Background())
	if err != nil {
		return nil, fmt.Errorf("the Kafka SASL login (aws-msk-iam) takes the AWS credentials from the default chain, whose configuration cannot be loaded: %w; check AWS_PROFILE and ~/.aws/config", err)
	}
	return saslaws.ManagedStreamingIAM(func(ctx context.Context) (saslaws.Auth, error) {
		if cfg.Credentials == nil {
			return saslaws.Auth{}, errAWSCredentials{errors.New("the AWS default chain has no credentials provider")}
		}
		cr, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return saslaws.Auth{}, errAWSCredentials{err}
		}
		return saslaws.Auth{AccessKey: cr.AccessKeyID, SecretKey: cr.SecretAccessKey, SessionToken: cr.SessionToken, UserAgent: "elt"}, nil
	}), nil
}

// watchedLogin wraps a SASL mechanism to count the logins begun and
// finished. Some brokers (kfake among them) refuse a login by closing the
// connection instead of answering SASL_AUTHENTICATION_FAILED: an EOF while
// a login is unfinished is then a refusal, not a broken network.
type watchedLogin struct {
	sasl.Mechanism
	begun, done atomic.Int64
}

func (w *watchedLogin) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	s, first, err := w.Mechanism.Authenticate(ctx, host)
	if err != nil {
		return nil, nil, err
	}
	w.begun.Add(1)
	return watchedSession{s, w}, first, nil
}

type watchedSession struct {
	sasl.Session
	w *watchedLogin
}

func (s watchedSession) Challenge(resp []byte) (bool, []byte, error) {
	done, out, err := s.Session.Challenge(resp)
	if done && err == nil {
		s.w.done.Add(1)
	}
	return done, out, err
}

// unfinished reports whether a login was begun and not finished.
func (w *watchedLogin) unfinished() bool { return w != nil && w.begun.Load() > w.done.Load() }

// loginOf is the client's watched SASL mechanism, nil without SASL.
func loginOf(cl *kgo.Client) *watchedLogin {
	ms, _ := cl.OptValue(kgo.SASL).([]sasl.Mechanism)
	for _, m := range ms {
		if w, ok := m.(*watchedLogin); ok {
			return w
		}
	}
	return nil
}

// tlsOn reports whether the connections are in TLS: asked for, or implied
// by a TLS setting or by aws-msk-iam (MSK's IAM listener is TLS only).
func (c Config) tlsOn() bool {
	name, _ := c.SASL.kafkaName()
	return c.TLS.on() || name == mskIAM
}

func (t TLS) on() bool {
	return t.Enabled || t.CAFile != "" || t.CertFile != "" || t.KeyFile != "" || t.ServerName != ""
}

// config is the TLS configuration of the connections to the brokers.
func (t TLS) config() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("kafka.tls.ca_file %s cannot be read: %v; set it to the PEM file of the CA that signed the brokers' certificate", t.CAFile, pathErr(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("kafka.tls.ca_file %s holds no PEM certificate (a block -----BEGIN CERTIFICATE-----): set it to the CA certificate that signed the brokers' certificate, in PEM", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case t.CertFile != "" && t.KeyFile == "":
		return nil, fmt.Errorf("kafka.tls.cert_file %s is given without kafka.tls.key_file: set key_file to the PEM file of its private key", t.CertFile)
	case t.KeyFile != "" && t.CertFile == "":
		return nil, fmt.Errorf("kafka.tls.key_file %s is given without kafka.tls.cert_file: set cert_file to the PEM file of the client certificate", t.KeyFile)
	case t.CertFile != "":
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("the client certificate kafka.tls.cert_file %s with key_file %s cannot be loaded: %v; set them to a PEM certificate and its private key", t.CertFile, t.KeyFile, pathErr(err))
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// pathErr drops the path a *fs.PathError repeats.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// connErr words an error that is a refused login or a failed TLS
// handshake as what to do; it returns nil for any other error.
func (r *Reader) connErr(err error) error { return connErr(r.cfg, r.login, err) }

// connErr is connErr of a client of c whose logins login watches.
func connErr(c Config, login *watchedLogin, err error) error {
	brokers := strings.Join(c.Brokers, ",")
	if e, ok := errors.AsType[errAWSCredentials](err); ok {
		return fmt.Errorf("the Kafka brokers %s take an MSK IAM login, for which the AWS default chain gives no credentials: %v; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached", brokers, e.err)
	}
	if name, _ := c.SASL.kafkaName(); name != "" {
		refused := errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.IllegalSaslState) ||
			(login.unfinished() && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)))
		switch {
		case errors.Is(err, kerr.UnsupportedSaslMechanism):
			return fmt.Errorf("the Kafka brokers %s do not offer the SASL mechanism %s: set kafka.sasl.mechanism to one they offer", brokers, name)
		case refused && name == mskIAM:
			return fmt.Errorf("the Kafka brokers %s refused the SASL login (%s)%s: check that the AWS credentials of the default chain are the intended ones and that their IAM policy allows kafka-cluster:Connect on the cluster", brokers, name, c.SASL.said(err))
		case refused:
			return fmt.Errorf("the Kafka brokers %s refused the SASL login (%s) as user %s%s: check %s / %s", brokers, name, c.SASL.Username, c.SASL.said(err),
				or(c.SASL.UsernameVar, DefaultUsernameVar), or(c.SASL.PasswordVar, DefaultPasswordVar))
		}
	}
	if ve, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		fix := "check the brokers' certificate"
		switch e := ve.Err.(type) {
		case x509.UnknownAuthorityError:
			fix = "set kafka.tls.ca_file to the CA that signed the brokers' certificate"
		case x509.HostnameError:
			fix = "list the brokers by a name their certificate holds, or set kafka.tls.server_name to one"
		case x509.CertificateInvalidError:
			if e.Reason == x509.Expired {
				fix = "the brokers' certificate must be renewed, or the clock here is wrong"
			}
		}
		return fmt.Errorf("TLS handshake with the Kafka brokers %s failed: %v: %s", brokers, ve.Err, fix)
	}
	// A TLS alert the brokers sent: crypto/tls makes it a *net.OpError
	// "remote error".
	if oe, ok := errors.AsType[*net.OpError](err); ok && oe.Op == "remote error" {
		return fmt.Errorf("the Kafka brokers %s refused the TLS connection: %v: if they require a client certificate, set kafka.tls.cert_file and kafka.tls.key_file to one signed by a CA they trust", brokers, oe.Err)
	}
	return nil
}

// said is what the brokers said of a refused login, the password (should
// a broker echo it) masked; empty when they said nothing.
func (s SASL) said(err error) string {
	if !errors.Is(err, kerr.SaslAuthenticationFailed) && !errors.Is(err, kerr.IllegalSaslState) {
		return ""
	}
	msg := err.Error()
	if s.Password != "" {
		msg = strings.ReplaceAll(msg, s.Password, "****")
	}
	return " (" + msg + ")"
}
