// Package settings is elt.yaml's serve: section, what elt serve listens
// on and the limits it holds its clients to, checked; the project reads
// it, elt serve runs with it.
package settings

import (
	"fmt"
	"net"
	"time"
)

// Serve is elt.yaml's serve: section: where elt serve listens and the
// limits it holds every client to. Zero values take the defaults
// (WithDefaults); the password is never here, only in ELT_SERVE_PASSWORD.
type Serve struct {
	// Listen is the address PostgreSQL clients connect to.
	Listen string `yaml:"listen"`
	// MetricsListen is where /healthz and /metrics are served ("off": not).
	MetricsListen string `yaml:"metrics_listen"`
	// MaxConnections is how many clients may be connected at once.
	MaxConnections int `yaml:"max_connections"`
	// MaxQueries is how many statements run at once; the others wait
	// their turn, within their statement timeout. DuckDB has no memory
	// limit per statement: the running ones and the build share
	// memory_limit, and one that finds none left fails alone (53200).
	MaxQueries int `yaml:"max_queries"`
	// StatementTimeout ends a statement that runs longer.
	StatementTimeout time.Duration `yaml:"statement_timeout"`
	// IdleInTransactionTimeout ends the connection of a client that began a
	// transaction and then sent nothing for that long: its snapshot holds
	// back what builds wrote from being folded into the warehouse file.
	IdleInTransactionTimeout time.Duration `yaml:"idle_in_transaction_timeout"`
	// MaxRows is the most rows one result may have.
	MaxRows int64 `yaml:"max_rows"`
	// TLS, when both files are given, is offered to clients (sslmode=require).
	TLS struct {
		CertFile string `yaml:"cert_file"`
		KeyFile  string `yaml:"key_file"`
	} `yaml:"tls"`
}

// The defaults of Serve.
const (
	DefaultListen            = "127.0.0.1:5433"
	DefaultMetricsListen     = "127.0.0.1:9433"
	DefaultMaxConnections    = 64
	DefaultMaxQueries        = 4
	DefaultStatementTimeout  = 60 * time.Second
	DefaultMaxRows           = 1_000_000
	DefaultIdleInTransaction = 10 * time.Minute
)

// WithDefaults is s with every setting left out given its default.
func (s Serve) WithDefaults() Serve {
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.MetricsListen == "" {
		s.MetricsListen = DefaultMetricsListen
	}
	if s.MaxConnections == 0 {
		s.MaxConnections = DefaultMaxConnections
	}
	if s.MaxQueries == 0 {
		s.MaxQueries = DefaultMaxQueries
	}
	if s.StatementTimeout == 0 {
		s.StatementTimeout = DefaultStatementTimeout
	}
	if s.MaxRows == 0 {
		s.MaxRows = DefaultMaxRows
	}
	if s.IdleInTransactionTimeout == 0 {
		s.IdleInTransactionTimeout = DefaultIdleInTransaction
	}
	return s
}

// Problems are the settings out of range, by key (as under serve:), for
// the keys set tells were written.
func (s Serve) Problems(set func(key string) bool) map[string]string {
	out := map[string]string{}
	for key, addr := range map[string]string{"listen": s.Listen, "metrics_listen": s.MetricsListen} {
		if !set(key) || (key == "metrics_listen" && addr == "off") {
			continue
		}
		if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
			out[key] = fmt.Sprintf("serve.%s must be host:port, like %s, found %q", key, DefaultListen, addr)
		}
	}
	if set("max_connections") && (s.MaxConnections < 1 || s.MaxConnections > 10_000) {
		out["max_connections"] = fmt.Sprintf("serve.max_connections must be from 1 to 10000, found %d", s.MaxConnections)
	}
	if set("max_queries") && (s.MaxQueries < 1 || s.MaxQueries > 256) {
		out["max_queries"] = fmt.Sprintf("serve.max_queries must be from 1 to 256, found %d", s.MaxQueries)
	}
	if set("statement_timeout") && s.StatementTimeout <= 0 {
		out["statement_timeout"] = fmt.Sprintf("serve.statement_timeout must be a positive duration like 30s, found %s", s.StatementTimeout)
	}
	if set("idle_in_transaction_timeout") && s.IdleInTransactionTimeout <= 0 {
		out["idle_in_transaction_timeout"] = fmt.Sprintf("serve.idle_in_transaction_timeout must be a positive duration like 10m, found %s", s.IdleInTransactionTimeout)
	}
	if set("max_rows") && s.MaxRows < 1 {
		out["max_rows"] = fmt.Sprintf("serve.max_rows must be 1 or more, found %d", s.MaxRows)
	}
	if (s.TLS.CertFile == "") != (s.TLS.KeyFile == "") && (set("tls") || set("cert_file") || set("key_file")) {
		out["tls"] = "serve.tls needs both cert_file and key_file (PEM files), or neither"
	}
	return out
}

// Loopback tells whether addr (host:port) listens on the loopback
// interface only: localhost, 127.0.0.0/8 or ::1. An empty host (all
// interfaces) is not.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
