package settings

import (
	"testing"
	"time"
)

func TestProblems(t *testing.T) {
	all := func(string) bool { return true }
	for _, c := range []struct {
		name string
		s    Serve
		bad  []string
	}{
		{"defaults", Serve{}.WithDefaults(), nil},
		{"listen without port", Serve{Listen: "127.0.0.1", MetricsListen: "off", MaxConnections: 1, MaxQueries: 1, StatementTimeout: time.Second, MaxRows: 1, IdleInTransactionTimeout: time.Second}, []string{"listen"}},
		{"out of range", Serve{Listen: ":5433", MetricsListen: "x", MaxConnections: 0, MaxQueries: 300, StatementTimeout: -time.Second, MaxRows: 0, IdleInTransactionTimeout: -time.Second}, []string{"metrics_listen", "max_connections", "max_queries", "statement_timeout", "max_rows", "idle_in_transaction_timeout"}},
	} {
		got := c.s.Problems(all)
		for _, k := range c.bad {
			if got[k] == "" {
				t.Errorf("%s: no problem said for %s (%v)", c.name, k, got)
			}
		}
		if len(got) != len(c.bad) {
			t.Errorf("%s: problems %v, want only %v", c.name, got, c.bad)
		}
	}
	half := Serve{}.WithDefaults()
	half.TLS.CertFile = "cert.pem"
	if half.Problems(all)["tls"] == "" {
		t.Errorf("a certificate without its key was not refused")
	}
}

func TestLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:5433": true, "localhost:5433": true, "[::1]:5433": true, "127.8.9.1:1": true,
		"0.0.0.0:5433": false, ":5433": false, "10.0.0.5:5433": false, "[::]:5433": false, "example.com:5433": false, "nonsense": false,
	} {
		if got := Loopback(addr); got != want {
			t.Errorf("Loopback(%q) = %v, want %v", addr, got, want)
		}
	}
}
