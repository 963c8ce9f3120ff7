package stream

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// The users of the SASL clusters: kfake keeps one set of credentials per
// mechanism.
const (
	plainUser, plainPass = "admin", "plain-Secret-1"
	s256User, s256Pass   = "svc-256", "scram256-Secret-2"
	s512User, s512Pass   = "svc-512", "scram512-Secret-3"
)

// authCluster starts a kfake cluster of three brokers with the topic (two
// partitions) and the options, and writes three records to it through a
// client with the options given (a login, TLS). It returns the brokers and
// the records written.
func authCluster(t *testing.T, topic string, clientOpts []kgo.Opt, opts ...kfake.Opt) (*kfake.Cluster, []string, []Record) {
	t.Helper()
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(3), kfake.SeedTopics(2, topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner())}, clientOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := produce(t, cl, rec(topic, 0, "a"), rec(topic, 1, "bb"), rec(topic, 0, "ccc"))
	return c, addrs, want(recs)
}

// saslOpts are the kfake options of a cluster that takes the three users.
func saslOpts() []kfake.Opt {
	return []kfake.Opt{kfake.EnableSASL(),
		kfake.Superuser("PLAIN", plainUser, plainPass),
		kfake.Superuser("SCRAM-SHA-256", s256User, s256Pass),
		kfake.Superuser("SCRAM-SHA-512", s512User, s512Pass)}
}

// readTopic opens a reader with cfg, plans a batch from the earliest
// offsets and reads it; an error is Open's or Plan's.
func readTopic(t *testing.T, cfg Config) ([]Record, error) {
	t.Helper()
	ctx := context.Background()
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 2 * time.Second
	}
	r, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := r.Plan(ctx, Position{}, Earliest, 0)
	if err != nil {
		return nil, err
	}
	got, _ := readAll(t, r, b)
	return got, nil
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestSASL(t *testing.T) {
	const topic = "orders"
	_, addrs, written := authCluster(t, topic, []kgo.Opt{kgo.SASL(plain.Auth{User: plainUser, Pass: plainPass}.AsMechanism())}, saslOpts()...)
	cases := []struct {
		name, mechanism, user, pass string
		userVar, passVar            string
		// refused is the start of the error wanted; empty: the read works.
		refused string
	}{
		{name: "plain", mechanism: "plain", user: plainUser, pass: plainPass},
		{name: "scram-sha-256", mechanism: "scram-sha-256", user: s256User, pass: s256Pass},
		{name: "scram-sha-512", mechanism: "scram-sha-512", user: s512User, pass: s512Pass},
		{name: "Kafka's spelling", mechanism: "SCRAM-SHA-512", user: s512User, pass: s512Pass},
		{name: "variables named", mechanism: "scram-sha-256", user: s256User, pass: s256Pass, userVar: "ORDERS_KAFKA_USER", passVar: "ORDERS_KAFKA_PASS"},
		{name: "plain, wrong password", mechanism: "plain", user: plainUser, pass: "wrong-Secret-9",
			refused: "the Kafka brokers " + strings.Join(addrs, ",") + " refused the SASL login (PLAIN) as user admin: check ELT_KAFKA_USERNAME / ELT_KAFKA_PASSWORD"},
		{name: "scram-sha-256, wrong password", mechanism: "scram-sha-256", user: s256User, pass: "wrong-Secret-9",
			refused: "refused the SASL login (SCRAM-SHA-256) as user svc-256: check ELT_KAFKA_USERNAME / ELT_KAFKA_PASSWORD"},
		{name: "scram-sha-512, unknown user", mechanism: "scram-sha-512", user: "nobody", pass: "wrong-Secret-9",
			refused: "refused the SASL login (SCRAM-SHA-512) as user nobody: check ELT_KAFKA_USERNAME / ELT_KAFKA_PASSWORD"},
		{name: "scram-sha-512, a SCRAM-SHA-256 user", mechanism: "scram-sha-512", user: s256User, pass: s256Pass,
			refused: "refused the SASL login (SCRAM-SHA-512) as user svc-256"},
		{name: "variables named in the error", mechanism: "scram-sha-256", user: s256User, pass: "wrong-Secret-9", userVar: "ORDERS_KAFKA_USER", passVar: "ORDERS_KAFKA_PASS",
			refused: "refused the SASL login (SCRAM-SHA-256) as user svc-256: check ORDERS_KAFKA_USER / ORDERS_KAFKA_PASS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Brokers: addrs, Topic: topic, SASL: SASL{Mechanism: tc.mechanism}}
			if err := cfg.FromEnv(env(map[string]string{
				or(tc.userVar, DefaultUsernameVar): tc.user, or(tc.passVar, DefaultPasswordVar): tc.pass,
			}), tc.userVar, tc.passVar); err != nil {
				t.Fatal(err)
			}
			started := time.Now()
			got, err := readTopic(t, cfg)
			if tc.refused == "" {
				if err != nil {
					t.Fatal(err)
				}
				sameRecords(t, got, written)
				return
			}
			if err == nil {
				t.Fatalf("read %d records with a login that should be refused", len(got))
			}
			if !strings.Contains(err.Error(), tc.refused) {
				t.Errorf("error\n %v\nwant it to contain\n %s", err, tc.refused)
			}
			if strings.Contains(err.Error(), tc.pass) {
				t.Errorf("the error holds the password: %v", err)
			}
			// A refusal is said at once, not after the retries of a
			// network broken.
			if d := time.Since(started); d > time.Second {
				t.Errorf("the refusal took %s", d)
			}
		})
	}
}

// TestSASLRefusedWithCode: Apache Kafka and Redpanda refuse a login by
// answering SASL_AUTHENTICATION_FAILED with a message (kfake closes the
// connection instead); the message is kept, and the password masked should
// a broker echo it.
func TestSASLRefusedWithCode(t *testing.T) {
	const topic = "orders"
	c, addrs, _ := authCluster(t, topic, []kgo.Opt{kgo.SASL(plain.Auth{User: plainUser, Pass: plainPass}.AsMechanism())}, saslOpts()...)
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		r := req.(*kmsg.SASLAuthenticateRequest)
		parts := strings.Split(string(r.SASLAuthBytes), "\x00") // PLAIN: authzid, user, password
		if len(parts) != 3 || parts[2] == plainPass {
			return nil, nil, false
		}
		resp := r.ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
		resp.ErrorMessage = kmsg.StringPtr("Authentication failed: Invalid username or password (" + parts[2] + ")")
		return resp, nil, true
	})
	const wrong = "wrong-Secret-9"
	_, err := readTopic(t, Config{Brokers: addrs, Topic: topic, SASL: SASL{Mechanism: "plain", Username: plainUser, Password: wrong}})
	if err == nil {
		t.Fatal("the login was not refused")
	}
	for _, want := range []string{
		"refused the SASL login (PLAIN) as user admin (SASL_AUTHENTICATION_FAILED",
		"Invalid username or password (****)",
		": check ELT_KAFKA_USERNAME / ELT_KAFKA_PASSWORD",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error\n %v\nwant it to contain\n %s", err, want)
		}
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("the error holds the password: %v", err)
	}
	// The right password still works through the same control.
	if _, err := readTopic(t, Config{Brokers: addrs, Topic: topic, SASL: SASL{Mechanism: "plain", Username: plainUser, Password: plainPass}}); err != nil {
		t.Fatal(err)
	}
}

func TestSASLMechanismNotOffered(t *testing.T) {
	const topic = "orders"
	_, addrs, _ := authCluster(t, topic, []kgo.Opt{kgo.SASL(plain.Auth{User: plainUser, Pass: plainPass}.AsMechanism())}, saslOpts()...)
	// kfake offers PLAIN and SCRAM only: the MSK IAM login is refused at
	// the handshake. (MSK IAM implies TLS; this cluster is plaintext, so
	// TLS is turned off by hand below.)
	cfg := Config{Brokers: addrs, Topic: topic, DialTimeout: 2 * time.Second, SASL: SASL{Mechanism: "aws-msk-iam"}}
	isolateAWS(t)
	opts, err := cfg.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(append(opts, kgo.DialTLSConfig(nil))...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	r := &Reader{cfg: cfg, cl: cl, login: loginOf(cl)}
	perr := cl.Ping(context.Background())
	err = r.connErr(perr)
	want := "the Kafka brokers " + strings.Join(addrs, ",") + " do not offer the SASL mechanism AWS_MSK_IAM: set kafka.sasl.mechanism to one they offer"
	if err == nil || err.Error() != want {
		t.Fatalf("Ping: %v\nsaid: %v\nwant: %s", perr, err, want)
	}
}

// isolateAWS empties the AWS default chain but for what the test sets: no
// shared files, no instance metadata.
func isolateAWS(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "", "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "",
		"AWS_SESSION_TOKEN": "", "AWS_WEB_IDENTITY_TOKEN_FILE": "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI": "", "AWS_REGION": "eu-west-1",
	} {
		t.Setenv(k, v)
	}
	os.Unsetenv("AWS_PROFILE")
}

// TestMSKIAM: kfake has no MSK IAM, so this checks the client built (the
// mechanism, TLS on) and the login's first message, signed with the
// credentials of the AWS default chain, without a broker.
func TestMSKIAM(t *testing.T) {
	isolateAWS(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDELTTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "aws-Secret-Key-7")
	cfg := Config{Brokers: []string{"b-1.demo.abc123.c2.kafka.eu-central-1.amazonaws.com:9098"}, Topic: "orders", SASL: SASL{Mechanism: "aws-msk-iam"}}
	if err := cfg.FromEnv(func(k string) string { t.Errorf("FromEnv read %s for aws-msk-iam", k); return "" }, "", ""); err != nil {
		t.Fatal(err)
	}
	opts, err := cfg.ClientOptions()
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if tc, _ := cl.OptValue(kgo.DialTLSConfig).(*tls.Config); tc == nil {
		t.Error("aws-msk-iam did not turn TLS on")
	}
	ms, _ := cl.OptValue(kgo.SASL).([]sasl.Mechanism)
	if len(ms) != 1 || ms[0].Name() != "AWS_MSK_IAM" {
		t.Fatalf("SASL mechanisms %v, want AWS_MSK_IAM", ms)
	}
	_, first, err := ms[0].Authenticate(context.Background(), cfg.Brokers[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"action":"kafka-cluster:Connect"`, `"x-amz-credential":"AKIDELTTEST/`, `/eu-central-1/kafka-cluster/aws4_request"`, `"user-agent":"elt"`} {
		if !strings.Contains(string(first), want) {
			t.Errorf("the login's first message\n %s\nlacks %s", first, want)
		}
	}
	if strings.Contains(string(first), "aws-Secret-Key-7") {
		t.Error("the login's first message holds the secret key")
	}

	// No credentials in the chain: Open says what to set.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	m, err := awsIAM()
	if err != nil {
		t.Fatal(err)
	}
	_, _, aerr := m.Authenticate(context.Background(), cfg.Brokers[0])
	err = (&Reader{cfg: cfg}).connErr(aerr)
	if err == nil || !strings.Contains(err.Error(), "the AWS default chain gives no credentials") ||
		!strings.Contains(err.Error(), "set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
		t.Errorf("no credentials: %v\nsaid: %v", aerr, err)
	}
}

func TestFromEnv(t *testing.T) {
	cases := []struct {
		name, mechanism      string
		vars                 map[string]string
		userVar, passVar     string
		wantUser, wantErr    string
		wantUVar, wantPVarOK string
	}{
		{name: "default variables", mechanism: "scram-sha-512",
			vars:     map[string]string{"ELT_KAFKA_USERNAME": "svc", "ELT_KAFKA_PASSWORD": "pw-Secret"},
			wantUser: "svc", wantUVar: "ELT_KAFKA_USERNAME"},
		{name: "variables named", mechanism: "plain", userVar: "U", passVar: "P",
			vars:     map[string]string{"U": "svc", "P": "pw-Secret", "ELT_KAFKA_USERNAME": "other"},
			wantUser: "svc", wantUVar: "U"},
		{name: "no password", mechanism: "scram-sha-256",
			vars:    map[string]string{"ELT_KAFKA_USERNAME": "svc"},
			wantErr: "the Kafka SASL login (SCRAM-SHA-256) as user svc needs a password: the environment variable ELT_KAFKA_PASSWORD is empty or not set; export it (elt.yaml never holds a password)"},
		{name: "no username", mechanism: "plain", userVar: "ORDERS_USER",
			vars:    map[string]string{"ELT_KAFKA_PASSWORD": "pw-Secret"},
			wantErr: "the Kafka SASL login (PLAIN) needs a username: the environment variable ORDERS_USER is empty or not set; export it"},
		{name: "unknown mechanism", mechanism: "gssapi",
			wantErr: `kafka.sasl.mechanism "gssapi" is not a SASL mechanism elt speaks: use plain, scram-sha-256, scram-sha-512 or aws-msk-iam`},
		{name: "no SASL", vars: map[string]string{"ELT_KAFKA_USERNAME": "svc", "ELT_KAFKA_PASSWORD": "pw-Secret"}},
		{name: "aws-msk-iam reads nothing", mechanism: "aws-msk-iam", vars: map[string]string{"ELT_KAFKA_USERNAME": "svc", "ELT_KAFKA_PASSWORD": "pw-Secret"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{SASL: SASL{Mechanism: tc.mechanism}}
			err := cfg.FromEnv(env(tc.vars), tc.userVar, tc.passVar)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %s", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "pw-Secret") {
					t.Errorf("the error holds the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
				if out := fmt.Sprintf(f, cfg); strings.Contains(out, "pw-Secret") {
					t.Errorf("Config printed with %s shows the password: %s", f, out)
				}
			}
			if cfg.SASL.Username != tc.wantUser || cfg.SASL.UsernameVar != tc.wantUVar {
				t.Errorf("username %q from %q, want %q from %q", cfg.SASL.Username, cfg.SASL.UsernameVar, tc.wantUser, tc.wantUVar)
			}
			if (tc.wantUser != "") != (cfg.SASL.Password == "pw-Secret") {
				t.Errorf("password filled: %v, want %v", cfg.SASL.Password != "", tc.wantUser != "")
			}
		})
	}
}

// pki is a CA that issues certificates for the tests.
type pki struct {
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	pem    []byte
	serial int64
}

func newCA(t *testing.T, name string) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &pki{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), serial: 1}
}

// issue makes a certificate for a server (of localhost and 127.0.0.1) or a
// client, and returns it and its PEM certificate and key.
func (p *pki) issue(t *testing.T, server bool) (tls.Certificate, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p.serial++
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(p.serial), Subject: pkix.Name{CommonName: "elt-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.Subject.CommonName = "localhost"
		tmpl.DNSNames, tmpl.IPAddresses = []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return pair, certPEM, keyPEM
}

func (p *pki) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.cert)
	return pool
}

func write(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLS(t *testing.T) {
	const topic = "orders"
	dir := t.TempDir()
	ca, other := newCA(t, "elt test CA"), newCA(t, "another CA")
	serverCert, _, _ := ca.issue(t, true)
	_, clientPEM, clientKey := ca.issue(t, false)
	_, strangerPEM, strangerKey := other.issue(t, false)
	caFile, otherFile := write(t, dir, "ca.pem", ca.pem), write(t, dir, "other.pem", other.pem)
	clientFile, clientKeyFile := write(t, dir, "client.pem", clientPEM), write(t, dir, "client.key", clientKey)
	strangerFile, strangerKeyFile := write(t, dir, "stranger.pem", strangerPEM), write(t, dir, "stranger.key", strangerKey)
	producer := &tls.Config{RootCAs: ca.pool(), MinVersion: tls.VersionTLS12}

	// One cluster with TLS, one with mutual TLS (client certificates
	// signed by ca required), one with TLS and SASL (SASL_SSL).
	_, tlsAddrs, written := authCluster(t, topic, []kgo.Opt{kgo.DialTLSConfig(producer)},
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}}))
	clientCert, _, _ := ca.issue(t, false)
	producerM := producer.Clone()
	producerM.Certificates = []tls.Certificate{clientCert}
	_, mtlsAddrs, writtenM := authCluster(t, topic, []kgo.Opt{kgo.DialTLSConfig(producerM)},
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool()}))
	_, saslAddrs, writtenS := authCluster(t, topic,
		[]kgo.Opt{kgo.DialTLSConfig(producer), kgo.SASL(plain.Auth{User: plainUser, Pass: plainPass}.AsMechanism())},
		append(saslOpts(), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{serverCert}}))...)

	cases := []struct {
		name    string
		addrs   []string
		tls     TLS
		sasl    SASL
		written []Record
		// wantErr is in the error wanted; empty: the read works.
		wantErr string
	}{
		{name: "CA file", addrs: tlsAddrs, tls: TLS{CAFile: caFile}, written: written},
		{name: "CA file, enabled", addrs: tlsAddrs, tls: TLS{Enabled: true, CAFile: caFile}, written: written},
		{name: "server name", addrs: tlsAddrs, tls: TLS{CAFile: caFile, ServerName: "localhost"}, written: written},
		{name: "client certificate", addrs: mtlsAddrs, tls: TLS{CAFile: caFile, CertFile: clientFile, KeyFile: clientKeyFile}, written: writtenM},
		{name: "SCRAM over TLS", addrs: saslAddrs, tls: TLS{CAFile: caFile},
			sasl: SASL{Mechanism: "scram-sha-512", Username: s512User, Password: s512Pass}, written: writtenS},
		{name: "another CA", addrs: tlsAddrs, tls: TLS{CAFile: otherFile},
			wantErr: "TLS handshake with the Kafka brokers " + strings.Join(tlsAddrs, ",") + " failed: x509: certificate signed by unknown authority"},
		{name: "system CAs", addrs: tlsAddrs, tls: TLS{Enabled: true},
			wantErr: "set kafka.tls.ca_file to the CA that signed the brokers' certificate"},
		{name: "another name", addrs: tlsAddrs, tls: TLS{CAFile: caFile, ServerName: "kafka.example.com"},
			wantErr: "failed: x509: certificate is valid for localhost, not kafka.example.com: list the brokers by a name their certificate holds, or set kafka.tls.server_name to one"},
		{name: "no client certificate", addrs: mtlsAddrs, tls: TLS{CAFile: caFile},
			wantErr: "refused the TLS connection: tls: certificate required: if they require a client certificate, set kafka.tls.cert_file and kafka.tls.key_file to one signed by a CA they trust"},
		{name: "client certificate of another CA", addrs: mtlsAddrs, tls: TLS{CAFile: caFile, CertFile: strangerFile, KeyFile: strangerKeyFile},
			wantErr: "refused the TLS connection: tls: certificate required: if they require a client certificate, set kafka.tls.cert_file and kafka.tls.key_file to one signed by a CA they trust"},
		{name: "SCRAM over TLS, wrong password", addrs: saslAddrs, tls: TLS{CAFile: caFile},
			sasl:    SASL{Mechanism: "scram-sha-512", Username: s512User, Password: "wrong-Secret-9"},
			wantErr: "refused the SASL login (SCRAM-SHA-512) as user svc-512: check ELT_KAFKA_USERNAME / ELT_KAFKA_PASSWORD"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readTopic(t, Config{Brokers: tc.addrs, Topic: topic, TLS: tc.tls, SASL: tc.sasl})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				sameRecords(t, got, tc.written)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error\n %v\nwant it to contain\n %s", err, tc.wantErr)
			}
			if tc.sasl.Password != "" && strings.Contains(err.Error(), tc.sasl.Password) {
				t.Errorf("the error holds the password: %v", err)
			}
		})
	}
}

// TestTLSToPlaintext: brokers without TLS wait for the rest of what they
// read as a request's length (kfake and Kafka alike): the timeout says TLS
// was on.
func TestTLSToPlaintext(t *testing.T) {
	addrs := cluster(t, "orders", 1)
	_, err := readTopic(t, Config{Brokers: addrs, Topic: "orders", TLS: TLS{Enabled: true}, DialTimeout: time.Second})
	want := "cannot reach the Kafka brokers " + strings.Join(addrs, ",") + ": no answer within 2s, with TLS on: if the brokers listen without TLS on that port, use their TLS port, or remove kafka.tls"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error\n %v\nwant it to contain\n %s", err, want)
	}
}

// TestAuthSettings: settings that cannot be used are errors of Open,
// before any connection, naming the file or key and what to do.
func TestAuthSettings(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, "elt test CA")
	_, certPEM, keyPEM := ca.issue(t, false)
	_, _, otherKey := ca.issue(t, false)
	certFile, keyFile := write(t, dir, "client.pem", certPEM), write(t, dir, "client.key", keyPEM)
	otherKeyFile := write(t, dir, "other.key", otherKey)
	junk := write(t, dir, "junk.pem", []byte("not a certificate\n"))
	missing := filepath.Join(dir, "missing.pem")
	cases := []struct {
		name    string
		sasl    SASL
		tls     TLS
		wantErr string
	}{
		{name: "unknown mechanism", sasl: SASL{Mechanism: "oauthbearer"},
			wantErr: `kafka.sasl.mechanism "oauthbearer" is not a SASL mechanism elt speaks: use plain, scram-sha-256, scram-sha-512 or aws-msk-iam`},
		{name: "no password", sasl: SASL{Mechanism: "scram-sha-256", Username: "svc"},
			wantErr: "the Kafka SASL login (SCRAM-SHA-256) needs a username and a password: set them in the environment variables ELT_KAFKA_USERNAME and ELT_KAFKA_PASSWORD"},
		{name: "CA file missing", tls: TLS{CAFile: missing},
			wantErr: "kafka.tls.ca_file " + missing + " cannot be read: no such file or directory; set it to the PEM file of the CA that signed the brokers' certificate"},
		{name: "CA file without a certificate", tls: TLS{CAFile: junk},
			wantErr: "kafka.tls.ca_file " + junk + " holds no PEM certificate (a block -----BEGIN CERTIFICATE-----): set it to the CA certificate that signed the brokers' certificate, in PEM"},
		{name: "certificate without key", tls: TLS{CertFile: certFile},
			wantErr: "kafka.tls.cert_file " + certFile + " is given without kafka.tls.key_file: set key_file to the PEM file of its private key"},
		{name: "key without certificate", tls: TLS{KeyFile: keyFile},
			wantErr: "kafka.tls.key_file " + keyFile + " is given without kafka.tls.cert_file: set cert_file to the PEM file of the client certificate"},
		{name: "key of another certificate", tls: TLS{CertFile: certFile, KeyFile: otherKeyFile},
			wantErr: "the client certificate kafka.tls.cert_file " + certFile + " with key_file " + otherKeyFile + " cannot be loaded: tls: private key does not match public key; set them to a PEM certificate and its private key"},
		{name: "key file missing", tls: TLS{CertFile: certFile, KeyFile: missing},
			wantErr: "with key_file " + missing + " cannot be loaded: no such file or directory;"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// No broker listens on port 1: an error is the settings'.
			r, err := Open(context.Background(), Config{Brokers: []string{"127.0.0.1:1"}, Topic: "t", SASL: tc.sasl, TLS: tc.tls, DialTimeout: time.Second})
			if err == nil {
				r.Close()
				t.Fatal("Open worked")
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error\n %v\nwant it to contain\n %s", err, tc.wantErr)
			}
		})
	}
}
