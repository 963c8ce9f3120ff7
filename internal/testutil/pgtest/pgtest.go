// Package pgtest starts a real PostgreSQL 15 server for tests.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/digitalservices/elt/internal/testutil"
)

// postgresBin is where Debian's postgresql package puts the server's
// programs (initdb, postgres).
const postgresBin = "/usr/lib/postgresql/15/bin"

// Start starts a real PostgreSQL 15 server: initdb into a fresh
// temporary folder, then postgres on a free loopback port, run as an
// unprivileged user when the test runs as root (the server refuses root).
// It stops the server when the test ends and returns a DSN for pgx, with
// the database elt and the user elt (trust authentication, loopback only).
func Start(t testing.TB) string {
	t.Helper()
	initdb := filepath.Join(postgresBin, "initdb")
	if _, err := os.Stat(initdb); err != nil {
		t.Fatal("PostgreSQL 15 is not installed: make test installs it (apt-get install postgresql)")
	}
	dir, err := os.MkdirTemp("", "elt-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cred := unprivileged(t, dir)
	data := filepath.Join(dir, "data")
	run := func(name string, args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(postgresBin, name), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "TZ=UTC")
		if cred != nil {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return cmd
	}
	if out, err := run("initdb", "-D", data, "-U", "elt", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := testutil.FreePort(t)
	logFile, err := os.Create(filepath.Join(dir, "postgres.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := run("postgres", "-D", data, "-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "TimeZone=UTC")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 200; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			if out, err := run("createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "elt", "elt").CombinedOutput(); err != nil {
				// The server accepts connections before it accepts logins.
				if i < 199 {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				t.Fatalf("createdb: %v\n%s", err, out)
			}
			return fmt.Sprintf("postgres://elt@%s/elt?sslmode=disable", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(logFile.Name())
	t.Fatalf("postgres did not start on %s\n%s", addr, log)
	return ""
}

// unprivileged gives dir to the user nobody and returns its credential
// when the test runs as root; nil otherwise.
func unprivileged(t testing.TB, dir string) *syscall.Credential {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("running as root, PostgreSQL needs an unprivileged user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// Database creates a new, empty database on the server of dsn (as
// returned by Start) and returns its DSN.
func Database(t testing.TB, dsn, name string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
