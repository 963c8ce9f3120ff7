// Package serve is elt serve: one process that keeps the warehouse fresh
// (elt watch's loop, every build on the warehouse it holds open) and
// answers PostgreSQL clients meanwhile (pgwire), each statement through
// elt query's gate, on a connection of its own, in a read-only transaction
// that sees the last published build whole. Its address is written beside
// the warehouse, so that elt query and elt show from another process send
// their SQL to it instead of failing on the lock (query.Announce); its
// builds and clients are counted for Prometheus (/metrics, /healthz).
package serve

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/pgwire"
	"github.com/digitalservices/elt/internal/pipeline"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/query"
	"github.com/digitalservices/elt/internal/serve/settings"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/warehouse"
)

// PasswordEnv is the environment variable elt serve takes its password
// from (never from elt.yaml or a flag), and elt query and elt show send.
const PasswordEnv = query.PasswordEnv

// Options are elt serve's flags, over elt.yaml's serve: section.
type Options struct {
	Interval      time.Duration // how often watch looks at the bronze folder
	Listen        string        // --listen, over serve.listen
	MetricsListen string        // --metrics-listen, over serve.metrics_listen
	Password      string        // from PasswordEnv; "" lets clients in without one (loopback only)
	Args, Version string        // the run history's, for each build
}

// ErrNoPassword refuses to listen beyond the loopback interface without a
// password.
var ErrNoPassword = errors.New("elt serve listens beyond this machine only with a password: set " + PasswordEnv +
	" (clients log in with it, SCRAM-SHA-256), or listen on 127.0.0.1")

// Settings are the settings elt serve runs with: elt.yaml's serve: with
// its defaults, the flags over it; an error says which is out of range.
func Settings(p *project.Project, o Options) (settings.Serve, error) {
	s := p.Config.Serve.WithDefaults()
	flags := map[string]bool{}
	if o.Listen != "" {
		s.Listen, flags["listen"] = o.Listen, true
	}
	if o.MetricsListen != "" {
		s.MetricsListen, flags["metrics_listen"] = o.MetricsListen, true
	}
	for key, msg := range s.Problems(func(k string) bool { return flags[k] }) {
		return s, fmt.Errorf("--%s: %s", strings.ReplaceAll(key, "_", "-"), strings.TrimPrefix(msg, "serve."))
	}
	if !settings.Loopback(s.Listen) && o.Password == "" {
		return s, fmt.Errorf("%s is not a loopback address: %w", s.Listen, ErrNoPassword)
	}
	return s, nil
}

// Run runs elt serve until ctx ends: it opens the warehouse for writing,
// answers PostgreSQL clients on the settings' address and builds whenever
// new bronze data is whole (watch's events to rep, each build's to
// builds). When ctx ends it stops accepting clients at once, lets the
// running statements finish (10 s at most) and a running build finish and
// publish, and returns nil.
func Run(ctx context.Context, p *project.Project, o Options, rep, builds event.Reporter) error {
	if p.Config.Engine != "" {
		return fmt.Errorf("target %s builds in %s: elt serve answers from the embedded warehouse, which holds no models of that target; point PostgreSQL clients at the engine itself", p.Config.Target, p.Config.Engine)
	}
	s, err := Settings(p, o)
	if err != nil {
		return err
	}
	var tlsConf *tls.Config
	if s.TLS.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(p.Resolve(s.TLS.CertFile), p.Resolve(s.TLS.KeyFile))
		if err != nil {
			return fmt.Errorf("serve.tls: %w (cert_file and key_file are PEM files, the key unencrypted)", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", s.Listen)
	if err != nil {
		return fmt.Errorf("serve.listen %s: %w (is another elt serve or a PostgreSQL listening there? choose another with --listen)", s.Listen, err)
	}
	defer ln.Close()
	var mln net.Listener
	if s.MetricsListen != "off" {
		if mln, err = net.Listen("tcp", s.MetricsListen); err != nil {
			return fmt.Errorf("serve.metrics_listen %s: %w (choose another with --metrics-listen, or off)", s.MetricsListen, err)
		}
		defer mln.Close()
	}

	var srv *pgwire.Server
	m := newMetrics(func() int { return srv.Connections() })
	b, err := pipeline.OpenBuilder(ctx, p, tee(builds, m))
	if lock, ok := errors.AsType[*warehouse.LockError](err); ok {
		if addr, pid, ok := query.Holder(lock.Path, lock); ok {
			return fmt.Errorf("elt serve (process %d) already serves the warehouse %s, at %s: connect to it, or stop it first", pid, lock.Path, addr)
		}
	}
	if err != nil {
		return err
	}
	defer b.DB.Close()
	tmp, err := privateTemp(b.DB.Path)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := confine(ctx, b.DB, p); err != nil {
		return err
	}
	srv = pgwire.NewServer(pgwire.Config{
		Password: o.Password, TLS: tlsConf, MaxConnections: s.MaxConnections, StatementTimeout: s.StatementTimeout,
		MaxRows: s.MaxRows, IdleInTransaction: s.IdleInTransactionTimeout, ServerVersion: "15.0 (elt " + o.Version + ")", Observe: m.observe,
	}, &backend{db: b.DB, slots: make(chan struct{}, s.MaxQueries), maxRows: s.MaxRows})
	withdraw, err := query.Announce(b.DB.Path, ln.Addr().String())
	if err != nil {
		return err
	}
	defer withdraw()
	served := make(chan error, 2)
	go func() { served <- srv.Serve(ln) }()
	metricsAt := ""
	if mln != nil {
		hs := &http.Server{Handler: m.handler(), ReadHeaderTimeout: 10 * time.Second}
		defer hs.Close()
		go func() {
			if err := hs.Serve(mln); !errors.Is(err, http.ErrServerClosed) {
				served <- fmt.Errorf("metrics: %w", err)
			}
		}()
		metricsAt = "; metrics on http://" + mln.Addr().String() + "/metrics"
	}
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	event.Or(rep).Report(event.Info{Kind: "serving", Text: fmt.Sprintf("answering PostgreSQL clients on %s (psql -h %s -p %s -d elt)%s", ln.Addr(), host, port, metricsAt)})

	// When ctx ends (SIGTERM, Ctrl-C), the server stops accepting at once
	// and lets the running statements finish, while a build that runs
	// finishes too (watch lets it end and publish) before watch returns.
	watchCtx, stop := context.WithCancel(ctx)
	defer stop()
	shut := make(chan error, 1)
	go func() {
		<-watchCtx.Done()
		grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		shut <- srv.Shutdown(grace)
	}()
	watched := make(chan error, 1)
	go func() { watched <- pipeline.WatchOn(watchCtx, b, o.Interval, tee(rep, m), o.Args, o.Version) }()
	select {
	case err = <-watched:
		stop()
	case err = <-served:
		stop()
		<-watched
	}
	if serr := <-shut; err == nil && ctx.Err() == nil {
		err = serr
	}
	return err
}

// privateTemp makes the folder elt serve's builds keep their temporary
// files in (Parquet read from S3, exports written aside), beside the
// warehouse, and makes it the process's temporary folder (TMPDIR), so that
// DuckDB need not reach the machine's shared one, where other programs'
// files are. Those left by a serve killed before are removed: the
// warehouse's lock says no other serve runs on it.
func privateTemp(warehousePath string) (string, error) {
	dir := filepath.Dir(warehousePath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	old, _ := filepath.Glob(filepath.Join(dir, ".elt-serve-tmp-*"))
	for _, o := range old {
		os.RemoveAll(o)
	}
	tmp, err := os.MkdirTemp(dir, ".elt-serve-tmp-")
	if err != nil {
		return "", fmt.Errorf("make elt serve's temporary folder: %w", err)
	}
	return tmp, os.Setenv("TMPDIR", tmp)
}

// confine lets DuckDB reach the project's own folders only (the project,
// bronze, output, the warehouse's, the temporary ones), so that a query a
// client sends cannot read a file elsewhere on this machine; the builds
// read and write only there.
func confine(ctx context.Context, db *warehouse.DB, p *project.Project) error {
	dirs := []string{p.Dir, filepath.Dir(db.Path), db.Path + ".tmp", os.TempDir()} // TempDir: privateTemp's
	for _, d := range []string{p.Config.Paths.Bronze, p.Config.Paths.Output, p.Config.DuckDB.TempDirectory} {
		if d != "" && !project.IsURL(d) {
			dirs = append(dirs, p.Resolve(d))
		}
	}
	list := make([]string, len(dirs))
	for i, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		list[i] = sqlname.Literal(strings.TrimSuffix(d, string(filepath.Separator)) + string(filepath.Separator))
	}
	for _, stmt := range []string{"SET allowed_directories = [" + strings.Join(list, ", ") + "]", "SET enable_external_access = false"} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("confine DuckDB to the project's folders: %w", err)
		}
	}
	return nil
}

// tee is a reporter telling r, then m.
func tee(r event.Reporter, m *metrics) event.Reporter {
	r = event.Or(r)
	return event.Func(func(e event.Event) {
		r.Report(e)
		m.Report(e)
	})
}
