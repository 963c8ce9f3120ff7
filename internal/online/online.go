// Package online serves models' rows to a feature store: after a build
// commits, the rows of each model with an online: section that the build
// changed (and any a failed earlier write left pending) are written to
// Redis, one hash per row, in MULTI/EXEC pipelines of at most BatchKeys
// keys. A key whose row is gone is deleted. What was written is recorded in
// the warehouse batch by batch, so Redis converges to it even after a write
// fails; a marker key per model tells whether Redis still holds what was
// written (a Redis restarted empty, flushed or replaced has no marker), and
// when it does not, every key of the model is written again.
package online

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/project"
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
		return nil, fmt.Errorf("the Redis URL %q is not valid: write it as redis://[user:password@]host:port/db, with any /, ?, # or space in the password percent-encoded (%%2F, %%3F, %%23, %%20)", project.Redact(url))
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
}

// Keys is every key Publish wrote or deleted.
func (r Result) Keys() int { return r.Written + r.Deleted }

// Publish writes a model's pending rows to Redis and records them as
// published, batch by batch. When Redis does not hold the model's marker
// but the warehouse records keys written before, Redis lost them
// (restarted empty, flushed, or another Redis): every key of the model is
// made pending and written again.
func (s *Store) Publish(ctx context.Context, db *warehouse.DB, m *project.Model, runID int64) (Result, error) {
	var res Result
	table := warehouse.Qualified(m.Schema, m.Name)
	marker := Marker(m)
	has, err := s.client.Exists(ctx, marker).Result()
	if err != nil {
		return res, err
	}
	if has == 0 {
		before, err := state.PublishedKeys(ctx, db, m.ID())
		if err != nil {
			return res, err
		}
		res.Resent = before > 0
		if err := state.MarkChanged(ctx, db, m.ID(), table, m.Header.UniqueKey, ""); err != nil {
			return res, err
		}
	}
	var ttl time.Duration
	if m.Header.Online.TTL != "" {
		ttl, _ = time.ParseDuration(m.Header.Online.TTL)
	}
	size := s.Batch
	if size <= 0 {
		size = BatchKeys
	}
	var after *string
	for {
		rows, err := state.PendingRows(ctx, db, m.ID(), table, m.Header.UniqueKey, after, size)
		if err != nil {
			return res, err
		}
		batch, err := output.Read(rows)
		if err != nil {
			return res, err
		}
		if len(batch.Rows) == 0 {
			break
		}
		keyCol := -1
		for i, c := range batch.Columns[1:] {
			if strings.EqualFold(c, m.Header.UniqueKey) {
				keyCol = i + 1
			}
		}
		if keyCol < 0 {
			return res, fmt.Errorf("%s has no column %s (its unique_key)", m.ID(), m.Header.UniqueKey)
		}
		pipe := s.client.TxPipeline()
		var present, gone []string
		for _, row := range batch.Rows {
			k, _ := output.Text(row[0], "VARCHAR")
			key := m.Header.Online.KeyPrefix + k
			pipe.Del(ctx, key)
			if row[keyCol] == nil {
				gone = append(gone, k)
				continue
			}
			fields := make([]any, 0, 2*len(row))
			for i, c := range batch.Columns[1:] {
				if v, ok := output.Text(row[i+1], batch.Types[i+1]); ok {
					fields = append(fields, c, v)
				}
			}
			pipe.HSet(ctx, key, fields...)
			if ttl > 0 {
				pipe.Expire(ctx, key, ttl)
			}
			present = append(present, k)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return res, err
		}
		res.Batches++
		if err := state.Published(ctx, db.DB, m.ID(), present, gone, runID); err != nil {
			return res, err
		}
		res.Written += len(present)
		res.Deleted += len(gone)
		last, _ := output.Text(batch.Rows[len(batch.Rows)-1][0], "VARCHAR")
		after = &last
		if len(batch.Rows) < size {
			break
		}
	}
	n, err := state.PublishedKeys(ctx, db, m.ID())
	if err != nil {
		return res, err
	}
	if err := s.client.HSet(ctx, marker, "run_id", runID, "keys", n).Err(); err != nil {
		return res, fmt.Errorf("write the marker %s: %w", marker, err)
	}
	return res, nil
}
