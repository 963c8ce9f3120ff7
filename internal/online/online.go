// Package online serves models' rows to a feature store: after a build
// commits, the rows of each model with an online: section that the build
// changed (and any a failed earlier write left pending) are written to
// Redis, one hash per row, in MULTI/EXEC pipelines of at most BatchKeys
// keys. A key whose row is gone is deleted. What was written is recorded in
// the warehouse batch by batch, so Redis converges to it even after a write
// fails; a marker key per model tells whether Redis still holds what was
// written (a Redis restarted empty, flushed or replaced has no marker; with
// a ttl the marker expires with the first key it vouches for), and when it
// does not, every key of the model is written again. A key deleted by hand
// or evicted while the marker stays is not noticed.
package online

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/warehouse"
)

func init() {
	// go-redis logs failed dials to stderr; elt reports a failed write itself.
	redis.SetLogger(quiet{})
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...interface{}) {}

// BatchKeys is how many keys one MULTI/EXEC writes: a full rebuild of a
// large model is sent in many bounded transactions, never in one. 100,000
// keys against a local Redis took 1.5 s in batches of 5,000, 3.3 s of
// 1,000, 1.7 s of 20,000 and 2.5 s in one transaction.
const BatchKeys = 5000

// Store is a connection to the feature store.
type Store struct {
	client *redis.Client
	// Batch is how many keys one MULTI/EXEC writes (BatchKeys when 0).
	Batch int
}

// Open connects to Redis at url (redis://host:port/db). An error never
// shows the URL's password.
func Open(url string) (*Store, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The parser's message quotes parts of the URL, the password
		// among them: it is not repeated.
		return nil, fmt.Errorf("the Redis URL %q is not valid: write it as redis://[user:password@]host:port/db, with any /, ?, # or space in the password percent-encoded (%%2F, %%3F, %%23, %%20)", diag.Redact(url))
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 5*time.Second, 5*time.Second
	opts.MaxRetries = 1
	return &Store{client: redis.NewClient(opts)}, nil
}

// Close closes the connection.
func (s *Store) Close() error { return s.client.Close() }

// Marker is the key that records that Redis holds a model's published
// keys: a hash with the run that last wrote them and how many there are.
func Marker(m *project.Model) string { return "elt:online:" + m.ID() }

// Result is what Publish did.
type Result struct {
	// Written and Deleted are the keys set and the keys removed.
	Written, Deleted int
	// Batches is how many MULTI/EXEC transactions it took.
	Batches int
	// Resent is set when Redis had lost the model's keys (no marker while
	// the warehouse records keys written before): all were written again.
	Resent bool
	// Unkeyed is how many rows of the model have a NULL key (unique_key):
	// they have no key in Redis and are not served.
	Unkeyed int64
}

// Keys is every key Publish wrote or deleted.
func (r Result) Keys() int { return r.Written + r.Deleted }

// UnkeyedText says, for a warning, that the rows of m without a key
// (Unkeyed, when not 0) are not served.
func (r Result) UnkeyedText(m *project.Model) string {
	has, is := "have", "are"
	if r.Unkeyed == 1 {
		has, is = "has", "is"
	}
	return fmt.Sprintf("%s row%s of %s %s no %s and %s not served (a NULL unique_key has no Redis key)",
		output.Count(r.Unkeyed), diag.Plural(int(r.Unkeyed)), m.ID(), has, m.Header.UniqueKey, is)
}

// touchMarker updates the marker's fields only while it exists, keeping
// its expiry: a marker that expired (or was flushed) during the publish
// stays absent, so the next publish writes every key again.
var touchMarker = redis.NewScript(`if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('HSET', KEYS[1], 'run_id', ARGV[1], 'keys', ARGV[2])
end
return -1`)

// setMarker writes the marker after every key was written again (KEYS[1]
// the marker, KEYS[2] the first key written, "" when none; ARGV the run,
// the key count and the TTL in milliseconds, 0 for none). With a TTL the
// marker expires at the very millisecond that first key does (PEXPIRETIME,
// Redis 7; before that, its PTTL read off Redis's own clock): every other
// key was written after it and expires no sooner. When the first key is
// already gone, so is the marker.
var setMarker = redis.NewScript(`redis.call('DEL', KEYS[1])
local ms = tonumber(ARGV[3])
local at = -1
if ms > 0 and KEYS[2] ~= '' then
  local ok, t = pcall(redis.call, 'PEXPIRETIME', KEYS[2])
  if ok then
    if t <= 0 then return 0 end
    at = t
  else
    ms = redis.call('PTTL', KEYS[2])
    if ms <= 0 then return 0 end
  end
end
redis.call('HSET', KEYS[1], 'run_id', ARGV[1], 'keys', ARGV[2])
if at > 0 then
  redis.call('PEXPIREAT', KEYS[1], at)
elseif ms > 0 then
  redis.call('PEXPIRE', KEYS[1], ms)
end
return 1`)

// refusal is err, the failure of a MULTI/EXEC, with the reason Redis gave
// for the first command it refused: EXECABORT alone does not say why
// (NOPERM from an ACL, OOM past maxmemory).
func refusal(cmds []redis.Cmder, err error) error {
	for _, c := range cmds {
		if e := c.Err(); e != nil && e.Error() != err.Error() {
			return fmt.Errorf("%w (%s refused: %v)", err, strings.ToUpper(c.Name()), e)
		}
	}
	return err
}

// Publish writes a model's pending rows to Redis and records them as
// published, batch by batch. When Redis does not hold the model's marker
// but the warehouse records keys written before, Redis lost them
// (restarted empty, flushed, another Redis, or their TTL ran out): every
// key of the model is made pending and written again.
//
// With a TTL the marker expires with the model's keys: it expires when
// the first key a whole resend writes does, and keeps
// that expiry while only changed keys are written (they expire later),
// so it is gone as soon as any unchanged key has expired. A key deleted
// by hand (or evicted by Redis) while the marker stays is not noticed.
func (s *Store) Publish(ctx context.Context, db *warehouse.DB, m *project.Model, runID int64) (Result, error) {
	var res Result
	table := sqlname.Qualified(m.Schema, m.Name)
	marker := Marker(m)
	var ttl time.Duration
	if m.Header.Online.TTL != "" {
		ttl, _ = time.ParseDuration(m.Header.Online.TTL)
	}
	if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %s WHERE %s IS NULL",
		table, sqlname.Ident(m.Header.UniqueKey))).Scan(&res.Unkeyed); err != nil {
		return res, fmt.Errorf("count the rows of %s without %s: %w", m.ID(), m.Header.UniqueKey, err)
	}
	left, err := s.client.PTTL(ctx, marker).Result()
	if err != nil {
		return res, err
	}
	// The keys are written again when the marker is missing, and when its
	// expiry no longer bounds the keys': the model gained a TTL, shortened
	// it, or lost it (the keys written with one would still expire).
	whole := left == -2 || (ttl > 0 && (left == -1 || left > ttl)) || (ttl == 0 && left >= 0)
	if whole {
		before, err := state.PublishedKeys(ctx, db, m.ID())
		if err != nil {
			return res, err
		}
		res.Resent = left == -2 && before > 0
		if err := state.MarkChanged(ctx, db, m.ID(), table, m.Header.UniqueKey, ""); err != nil {
			return res, err
		}
	}
	size := s.Batch
	if size <= 0 {
		size = BatchKeys
	}
	first := "" // the first key written
	rows, err := state.PendingRows(ctx, db, m.ID(), table, m.Header.UniqueKey)
	if err != nil {
		return res, err
	}
	defer rows.Close()
	cols, err := rows.ColumnTypes()
	if err != nil {
		return res, err
	}
	keyCol := slices.IndexFunc(cols[1:], func(c *sql.ColumnType) bool { return strings.EqualFold(c.Name(), m.Header.UniqueKey) }) + 1
	if keyCol < 1 {
		return res, fmt.Errorf("%s has no column %s (its unique_key)", m.ID(), m.Header.UniqueKey)
	}
	pipe := s.client.TxPipeline()
	var present, gone []string
	// flush writes a batch to Redis, then records it as published.
	flush := func() error {
		if len(present)+len(gone) == 0 {
			return nil
		}
		if cmds, err := pipe.Exec(ctx); err != nil {
			return refusal(cmds, err)
		}
		res.Batches++
		if err := state.Published(ctx, db.DB, m.ID(), present, gone, runID); err != nil {
			return err
		}
		res.Written += len(present)
		res.Deleted += len(gone)
		present, gone = nil, nil
		return nil
	}
	row := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range row {
		ptrs[i] = &row[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return res, err
		}
		warehouse.PlainRow(row)
		k, _ := output.Text(row[0], "VARCHAR")
		key := m.Header.Online.KeyPrefix + k
		pipe.Del(ctx, key)
		if row[keyCol] == nil {
			gone = append(gone, k)
		} else {
			fields := make([]any, 0, 2*len(row))
			for i, c := range cols[1:] {
				if v, ok := output.Text(row[i+1], c.DatabaseTypeName()); ok {
					fields = append(fields, c.Name(), v)
				}
			}
			pipe.HSet(ctx, key, fields...)
			if ttl > 0 {
				// in milliseconds: EXPIRE would round a TTL down to seconds
				pipe.PExpire(ctx, key, ttl)
			}
			present = append(present, k)
			if first == "" {
				first = key
			}
		}
		if len(present)+len(gone) >= size {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return res, err
	}
	if err := flush(); err != nil {
		return res, err
	}
	n, err := state.PublishedKeys(ctx, db, m.ID())
	if err != nil {
		return res, err
	}
	if !whole {
		if err := touchMarker.Run(ctx, s.client, []string{marker}, runID, n).Err(); err != nil {
			return res, fmt.Errorf("write the marker %s: %w", marker, err)
		}
		return res, nil
	}
	ms := ttl.Milliseconds()
	if ttl > 0 && ms < 1 {
		ms = 1 // PEXPIRE's least
	}
	if err := setMarker.Run(ctx, s.client, []string{marker, first}, runID, n, ms).Err(); err != nil {
		return res, fmt.Errorf("write the marker %s: %w", marker, err)
	}
	return res, nil
}
