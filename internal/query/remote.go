package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/warehouse"
)

// A running elt serve holds its warehouse for writing, so no other process
// can open it; it writes where it answers beside the warehouse, and elt
// query and elt show send their SQL there instead.

// PasswordEnv is the environment variable elt serve takes its password
// from (never from elt.yaml or a flag), and elt query and elt show send.
const PasswordEnv = "ELT_SERVE_PASSWORD"

// announcement is what the file beside the warehouse says.
type announcement struct {
	Address string `json:"address"` // host:port of the PostgreSQL server
	PID     int    `json:"pid"`     // the elt serve answering there
}

// announced is the file beside a warehouse that names its server.
func announced(warehousePath string) string { return warehousePath + ".serve" }

// Announce writes, beside the warehouse at warehousePath, that the server
// of this process answers at addr (written whole: a reader never sees half
// of it). withdraw removes it, unless another process has since taken it.
func Announce(warehousePath, addr string) (withdraw func(), err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		addr = net.JoinHostPort("127.0.0.1", port) // listening everywhere: here too
	}
	b, _ := json.Marshal(announcement{Address: addr, PID: os.Getpid()})
	path := announced(warehousePath)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("write where elt serve answers: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, err
	}
	tmp.Close()
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return nil, err
	}
	return func() {
		if a, err := readAnnouncement(warehousePath); err == nil && a.PID == os.Getpid() {
			os.Remove(path)
		}
	}, nil
}

// Holder names the elt serve that holds the warehouse at warehousePath
// (from the error opening it), and where it answers; ok is false when the
// holder is not one (another command, or a serve killed since). Where
// DuckDB does not name the holder's process, the file is taken at its word.
func Holder(warehousePath string, lock *warehouse.LockError) (addr string, pid int, ok bool) {
	a, err := readAnnouncement(warehousePath)
	if err != nil || (lock.PID > 0 && a.PID != lock.PID) {
		return "", 0, false
	}
	return a.Address, a.PID, true
}

func readAnnouncement(warehousePath string) (announcement, error) {
	var a announcement
	b, err := os.ReadFile(announced(warehousePath))
	if err != nil {
		return a, err
	}
	return a, json.Unmarshal(b, &a)
}

// Remote opens the server that holds the warehouse at warehousePath, when
// the process holding it (lock, from the error opening it) is an elt serve
// that said where it answers: the warehouse to run elt query's and elt
// show's SQL on, through that server's own gate. password is
// ELT_SERVE_PASSWORD's. ok is false when no server answers for it.
func Remote(ctx context.Context, warehousePath string, lock *warehouse.LockError, password string) (db *warehouse.DB, ok bool, err error) {
	addr, pid, ok := Holder(warehousePath, lock)
	if !ok {
		return nil, false, nil // the holder is not a server (or an old file of one killed)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, false, nil
	}
	ssl := "prefer"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		ssl = "disable" // nothing to protect on this machine's own interface
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s user=elt dbname=elt sslmode=%s application_name=elt-query", host, port, ssl))
	if err != nil {
		return nil, false, err
	}
	cfg.Password = password
	sqlDB := stdlib.OpenDB(*cfg)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		if strings.Contains(err.Error(), "28P01") {
			return nil, false, fmt.Errorf("the warehouse %s is held by elt serve (process %d), which answers at %s and asks for a password: set %s to it", warehousePath, pid, addr, PasswordEnv)
		}
		return nil, false, fmt.Errorf("the warehouse %s is held by elt serve (process %d), which answers at %s, but it could not be reached: %w", warehousePath, pid, addr, err)
	}
	return &warehouse.DB{DB: sqlDB, Path: warehousePath, ReadOnly: true}, true, nil
}

// openOrRemote opens a project's warehouse at path with open, or, when an
// elt serve holds it, that server (Remote).
func openOrRemote(ctx context.Context, path string, open func() (*warehouse.DB, error)) (db *warehouse.DB, remote bool, err error) {
	db, err = open()
	lock, locked := errors.AsType[*warehouse.LockError](err)
	if !locked {
		return db, false, err
	}
	r, ok, rerr := Remote(ctx, path, lock, os.Getenv(PasswordEnv))
	switch {
	case rerr != nil:
		return nil, false, rerr
	case !ok:
		return nil, false, err
	}
	return r, true, nil
}

// remote tells whether db is an elt serve opened by Remote rather than the
// warehouse itself.
func remote(db *warehouse.DB) bool {
	_, ok := db.Driver().(*stdlib.Driver)
	return ok
}

// read reads a result as the commands render it: the warehouse's values
// made plain, or a server's (readRemote).
func read(db *warehouse.DB, rows *sql.Rows, limit int) (*output.Result, error) {
	if remote(db) {
		return readRemote(rows, limit)
	}
	return output.ReadLimit(rows, limit, warehouse.PlainRow)
}

// pgTypes are DuckDB's names of the types a server's columns arrive as
// (the server sends DuckDB's types as PostgreSQL's), for rendering.
var pgTypes = map[string]string{
	"INT2": "SMALLINT", "INT4": "INTEGER", "INT8": "BIGINT", "FLOAT4": "FLOAT", "FLOAT8": "DOUBLE", "NUMERIC": "DECIMAL",
	"TEXT": "VARCHAR", "VARCHAR": "VARCHAR", "BOOL": "BOOLEAN", "BYTEA": "BLOB", "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
	"TIMESTAMP": "TIMESTAMP", "DATE": "DATE", "TIME": "TIME", "INTERVAL": "INTERVAL", "UUID": "UUID", "JSON": "JSON", "JSONB": "JSON",
}

// readRemote reads a server's result as Run reads the warehouse's: the
// types named as DuckDB names them, numerics exact, JSON as its text.
func readRemote(rows *sql.Rows, limit int) (*output.Result, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return nil, err
	}
	plain := func(row []any) {
		for i, v := range row {
			switch x := v.(type) {
			case []byte:
				if t := types[i].DatabaseTypeName(); t == "JSON" || t == "JSONB" {
					// Parsed, as DuckDB's driver gives a JSON value, so it
					// renders as the warehouse's (keys in order, a repeated
					// key's last value).
					var v any
					if json.Unmarshal(x, &v) == nil {
						row[i] = v
					} else {
						row[i] = string(x)
					}
				}
			case string:
				if types[i].DatabaseTypeName() == "NUMERIC" {
					if d, ok := parseDecimal(x); ok {
						row[i] = d
					}
				}
			}
		}
	}
	res, err := output.ReadLimit(rows, limit, plain)
	if res != nil {
		for i, t := range res.Types {
			if d, ok := pgTypes[t]; ok {
				res.Types[i] = d
			}
		}
	}
	return res, err
}

// decimal is a numeric as output renders a DECIMAL: its digits and scale.
type decimal struct {
	digits *big.Int
	scale  int
}

// DecimalParts are the digits as an integer and the scale.
func (d decimal) DecimalParts() (*big.Int, int) { return d.digits, d.scale }

// parseDecimal reads PostgreSQL's text of a numeric (-12.50) exactly.
func parseDecimal(s string) (decimal, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	digits, ok := new(big.Int).SetString(whole+frac, 10)
	return decimal{digits: digits, scale: len(frac)}, ok
}
