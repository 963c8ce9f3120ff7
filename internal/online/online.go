// Package online serves models' rows to a feature store: after a build
// commits, the rows of each model with an online: section that the build
// changed (and any a failed earlier write left pending) are written to
// Redis, one hash per row, in one MULTI/EXEC pipeline per model. A key whose
// row is gone is deleted. What was written is recorded in the warehouse, so
// Redis converges to it even after a write fails.
package online

import (
	"context"
	"fmt"
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

// Store is a connection to the feature store.
type Store struct{ client *redis.Client }

// Open connects to Redis at url (redis://host:port/db).
func Open(url string) (*Store, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("the Redis URL %q: %w", url, err)
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = 2*time.Second, 5*time.Second, 5*time.Second
	opts.MaxRetries = 1
	return &Store{client: redis.NewClient(opts)}, nil
}

// Close closes the connection.
func (s *Store) Close() error { return s.client.Close() }

// Publish writes a model's pending rows to Redis and records them as
// published; it returns how many keys it wrote or deleted.
func (s *Store) Publish(ctx context.Context, db *warehouse.DB, m *project.Model, runID int64) (int, error) {
	table := warehouse.Qualified(m.Schema, m.Name)
	rows, err := state.PendingRows(ctx, db, m.ID(), table, m.Header.UniqueKey)
	if err != nil {
		return 0, err
	}
	res, err := output.Read(rows)
	if err != nil {
		return 0, err
	}
	var ttl time.Duration
	if m.Header.Online.TTL != "" {
		ttl, _ = time.ParseDuration(m.Header.Online.TTL)
	}
	pipe := s.client.TxPipeline()
	var present, gone []string
	keyCol := -1
	for i, c := range res.Columns[1:] {
		if c == m.Header.UniqueKey {
			keyCol = i + 1
		}
	}
	for _, row := range res.Rows {
		k, _ := output.Text(row[0], "VARCHAR")
		key := m.Header.Online.KeyPrefix + k
		pipe.Del(ctx, key)
		if keyCol < 0 || row[keyCol] == nil {
			gone = append(gone, k)
			continue
		}
		fields := make([]any, 0, 2*len(row))
		for i, c := range res.Columns[1:] {
			if v, ok := output.Text(row[i+1], res.Types[i+1]); ok {
				fields = append(fields, c, v)
			}
		}
		pipe.HSet(ctx, key, fields...)
		if ttl > 0 {
			pipe.Expire(ctx, key, ttl)
		}
		present = append(present, k)
	}
	if len(res.Rows) == 0 {
		return 0, nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, err
	}
	return len(res.Rows), state.Published(ctx, db.DB, m.ID(), present, gone, runID)
}
