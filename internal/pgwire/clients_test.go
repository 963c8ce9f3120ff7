package pgwire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

const psqlPath = "/usr/bin/psql"

// psql runs psql against addr with args; it returns its output and exit
// code.
func psql(t *testing.T, addr, password string, args ...string) (string, int) {
	t.Helper()
	if _, err := os.Stat(psqlPath); err != nil {
		t.Skip("psql is not installed (Debian: postgresql-client)")
	}
	host, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(psqlPath, append([]string{"-h", host, "-p", port, "-U", "alice", "-d", "wh", "-X", "-w"}, args...)...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PGCONNECT_TIMEOUT=5")
	if password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+password)
	}
	out, err := cmd.CombinedOutput()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// TestPsql runs psql: a query with -c, a numeric in its aligned output,
// and a script stopped by its error (ON_ERROR_STOP: exit code 3 for a
// script given with -f, 1 for -c).
func TestPsql(t *testing.T) {
	addr := start(t, Config{}).addr
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"select", []string{"-A", "-t", "-c", "SELECT count(*) FROM t"}, 0, []string{"10"}},
		{"numeric", []string{"-c", "SELECT a, amount, d FROM t WHERE a = 3"}, 0,
			[]string{" a | amount |     d      ", " 3 |   3.75 | 2024-01-04", "(1 row)"}},
		{"error", []string{"-v", "ON_ERROR_STOP=1", "-c", "SELECT nope FROM t"}, 1,
			[]string{`ERROR:  Binder Error: Referenced column "nope" not found in FROM clause!`}},
		{"script", []string{"-v", "ON_ERROR_STOP=1", "-f", "-"}, 3, []string{"ERROR:  Invalid Input Error: boom"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			var out string
			var code int
			if tc.name == "script" {
				f := t.TempDir() + "/s.sql"
				os.WriteFile(f, []byte("\\set ON_ERROR_STOP on\nSELECT 1;\nSELECT error('boom');\nSELECT 'never';\n"), 0o644)
				args = []string{"-f", f}
			}
			out, code = psql(t, addr, "", args...)
			if code != tc.code {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "never") {
				t.Errorf("the script went on after its error:\n%s", out)
			}
		})
	}
}

// TestPsycopg reads every kind of value with psycopg 3, which opens a
// transaction with BEGIN and reads text results, and prints the Python
// type of each.
func TestPsycopg(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import psycopg").Run(); err != nil {
		t.Skip("psycopg 3 is not installed (Debian: python3-psycopg)")
	}
	addr := start(t, Config{}).addr
	host, port, _ := net.SplitHostPort(addr)
	script := `
import sys, psycopg
with psycopg.connect(host=sys.argv[1], port=sys.argv[2], user="alice", dbname="wh", sslmode="disable") as conn:
    cur = conn.execute("""SELECT 1::INTEGER, 2::HUGEINT, 1.50::DECIMAL(18,2), 'x', TIMESTAMP '2024-01-02 03:04:05.5',
        TIMESTAMPTZ '2024-01-02 03:04:05+00', DATE '2024-01-02', true, INTERVAL '1 day 02:00:00',
        '6f0d3f8e-2a4b-4c1d-9e8f-0a1b2c3d4e5f'::UUID, {'a': 1}, [1, 2], 1.5::DOUBLE, 'x'::BLOB
        FROM t WHERE a = %s""", (3,))
    row = cur.fetchone()
    print(" ".join(type(v).__name__ for v in row))
    print(row[2], row[4].isoformat(), row[5].isoformat(), row[8], row[10], row[11])
    print(conn.info.transaction_status.name)
`
	out, err := exec.Command("/usr/bin/python3", "-c", script, host, port).CombinedOutput()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	want := "int Decimal Decimal str datetime datetime date bool timedelta UUID dict list float bytes\n" +
		"1.50 2024-01-02T03:04:05.500000 2024-01-02T03:04:05+00:00 1 day, 2:00:00 {'a': 1} [1, 2]\nINTRANS\n"
	if string(out) != want {
		t.Errorf("psycopg read:\n%s\nwant:\n%s", out, want)
	}
}

// TestPassword checks SCRAM-SHA-256: the right password lets pgx and psql
// in, a wrong one or none is refused with 28P01.
func TestPassword(t *testing.T) {
	addr := start(t, Config{Password: "s3cret pässword"}).addr
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn(addr, "password=s3cret%20p%C3%A4ssword"))
	if err != nil {
		t.Fatalf("the right password: %v", err)
	}
	var one int
	if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("SELECT 1 after logging in: %v %v", one, err)
	}
	c.Close(ctx)
	for _, pw := range []string{"password=wrong", ""} {
		_, err := pgx.Connect(ctx, dsn(addr, pw))
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28P01" || pe.Message != `password authentication failed for user "alice"` {
			t.Errorf("%q: %v, want 28P01", pw, err)
		}
	}
	if out, code := psql(t, addr, "s3cret pässword", "-A", "-t", "-c", "SELECT 42"); code != 0 || strings.TrimSpace(out) != "42" {
		t.Errorf("psql with PGPASSWORD: %d %s", code, out)
	}
	if out, code := psql(t, addr, "nope", "-c", "SELECT 42"); code != 2 || !strings.Contains(out, `password authentication failed for user "alice"`) {
		t.Errorf("psql with a wrong PGPASSWORD: %d %s", code, out)
	}
	if out, code := psql(t, addr, "", "-c", "SELECT 42"); code != 2 || !strings.Contains(out, "no password supplied") {
		t.Errorf("psql without a password: %d %s", code, out)
	}
}

// selfSigned makes a TLS certificate for 127.0.0.1.
func selfSigned(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "elt serve test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestTLS connects with sslmode=require to a server with a certificate
// (with a password too: SCRAM over TLS), and is refused by one without.
func TestTLS(t *testing.T) {
	ctx := context.Background()
	addr := start(t, Config{TLS: selfSigned(t), Password: "pw"}).addr
	url := strings.Replace(dsn(addr, "password=pw"), "sslmode=disable", "sslmode=require", 1)
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("sslmode=require: %v", err)
	}
	defer c.Close(ctx)
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&n); err != nil || n != 10 {
		t.Errorf("over TLS: %d %v", n, err)
	}
	if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
		t.Errorf("the connection is %T, not TLS", c.PgConn().Conn())
	}
	plain := start(t, Config{}).addr
	url = strings.Replace(dsn(plain, ""), "sslmode=disable", "sslmode=require", 1)
	if _, err := pgx.Connect(ctx, url); err == nil || !strings.Contains(err.Error(), "server refused TLS connection") {
		t.Errorf("sslmode=require to a server without TLS: %v", err)
	}
}
