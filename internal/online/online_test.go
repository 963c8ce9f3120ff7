package online

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/project"
	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
	"github.com/digitalservices/elt/internal/warehouse"
)

// fixture is a migrated warehouse holding gold.feat (n rows, its key
// column spelled keyCol) with every key pending, as a full build leaves it,
// and a real, empty Redis.
type fixture struct {
	db    *warehouse.DB
	model *project.Model
	store *Store
	redis *redis.Client
}

func newFixture(t *testing.T, keyCol, uniqueKey string, n int) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, filepath.Join(t.TempDir(), "w.duckdb"), warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := state.Migrate(db.DB); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("/*\nmaterialized: incremental\nunique_key: %s\nonline:\n  key_prefix: \"f:\"\n*/\nSELECT 1\n", uniqueKey)
	m, err := project.ParseModel("models/gold/feat.sql", "gold", "feat", text, project.ModelDefaults{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"CREATE SCHEMA gold",
		fmt.Sprintf("CREATE TABLE gold.feat AS SELECT 'k' || lpad(CAST(i AS VARCHAR), 5, '0') AS %s, i AS score FROM range(%d) AS r(i)", sqlname.Ident(keyCol), n)} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{db: db, model: m}
	f.markAll(t)
	url := testutil.StartRedis(t)
	if f.store, err = Open(url); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.Close() })
	opts, _ := redis.ParseURL(url)
	f.redis = redis.NewClient(opts)
	t.Cleanup(func() { f.redis.Close() })
	return f
}

// markAll makes every key of the table pending, as a whole build does.
func (f *fixture) markAll(t *testing.T) {
	t.Helper()
	if err := state.MarkChanged(context.Background(), f.db, f.model.ID(), "gold.feat", f.model.Header.UniqueKey, ""); err != nil {
		t.Fatal(err)
	}
}

// keys are the model's keys Redis holds, each with its score field.
func (f *fixture) keys(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	ks, err := f.redis.Keys(ctx, "f:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range ks {
		out[k] = f.redis.HGet(ctx, k, "score").Val()
	}
	return out
}

// multis is how many MULTI/EXEC transactions Redis has run.
func (f *fixture) multis(t *testing.T) int {
	t.Helper()
	info := f.redis.Info(context.Background(), "commandstats").Val()
	m := regexp.MustCompile(`cmdstat_exec:calls=(\d+)`).FindStringSubmatch(info)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// TestPublishKeyColumnCase: the key column is found as DuckDB finds names,
// whatever its case (unique_key: user_id on a column User_Id wrote nothing
// and deleted every key as gone).
func TestPublishKeyColumnCase(t *testing.T) {
	for _, tc := range []struct{ col, key string }{{"user_id", "user_id"}, {"User_Id", "user_id"}, {"user_id", "USER_ID"}} {
		t.Run(tc.col+"/"+tc.key, func(t *testing.T) {
			f := newFixture(t, tc.col, tc.key, 3)
			res, err := f.store.Publish(context.Background(), f.db, f.model, 1)
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != 3 || res.Deleted != 0 {
				t.Fatalf("wrote %d, deleted %d; want 3 written", res.Written, res.Deleted)
			}
			got := f.keys(t)
			if len(got) != 3 || got["f:k00002"] != "2" {
				t.Fatalf("redis holds %v", got)
			}
			if n, _ := state.PublishedKeys(context.Background(), f.db, f.model.ID()); n != 3 {
				t.Fatalf("the warehouse records %d published keys, want 3", n)
			}
		})
	}
}

// TestPublishBatches: a model's keys go in MULTI/EXEC transactions of at
// most Batch keys each, not in one, and every key arrives once.
func TestPublishBatches(t *testing.T) {
	f := newFixture(t, "id", "id", 25)
	f.store.Batch = 10
	before := f.multis(t)
	res, err := f.store.Publish(context.Background(), f.db, f.model, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.Batches != 3 || res.Written != 25 {
		t.Fatalf("%+v, want 25 keys in 3 batches", res)
	}
	if n := f.multis(t) - before; n != 3 {
		t.Fatalf("Redis ran %d MULTI/EXEC, want 3", n)
	}
	if got := f.keys(t); len(got) != 25 {
		t.Fatalf("redis holds %d keys, want 25", len(got))
	}
	// Nothing pending: the next publish writes nothing.
	res, err = f.store.Publish(context.Background(), f.db, f.model, 2)
	if err != nil || res.Keys() != 0 || res.Resent {
		t.Fatalf("second publish: %+v, %v", res, err)
	}
}

// TestPublishResendsWhenRedisLost: Redis emptied after a publish (a restart
// without persistence, FLUSHALL) is brought level by the next publish, with
// nothing else changed, and says it did.
func TestPublishResendsWhenRedisLost(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 12)
	f.store.Batch = 5
	if res, err := f.store.Publish(ctx, f.db, f.model, 1); err != nil || res.Resent || res.Written != 12 {
		t.Fatalf("first publish: %+v, %v", res, err)
	}
	if err := f.redis.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	res, err := f.store.Publish(ctx, f.db, f.model, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resent || res.Written != 12 {
		t.Fatalf("after FLUSHALL: %+v, want all 12 keys resent", res)
	}
	if got := f.keys(t); len(got) != 12 {
		t.Fatalf("redis holds %d keys, want 12", len(got))
	}
	marker := f.redis.HGetAll(ctx, Marker(f.model)).Val()
	if marker["run_id"] != "2" || marker["keys"] != "12" {
		t.Fatalf("marker %v", marker)
	}
	// Level again: nothing resent.
	if res, err := f.store.Publish(ctx, f.db, f.model, 3); err != nil || res.Resent || res.Keys() != 0 {
		t.Fatalf("third publish: %+v, %v", res, err)
	}
	// A row gone from the table is deleted from Redis.
	if _, err := f.db.ExecContext(ctx, "DELETE FROM gold.feat WHERE id = 'k00003'"); err != nil {
		t.Fatal(err)
	}
	f.markAll(t)
	res, err = f.store.Publish(ctx, f.db, f.model, 4)
	if err != nil || res.Deleted != 1 || res.Written != 11 {
		t.Fatalf("after a delete: %+v, %v", res, err)
	}
	if got := f.keys(t); len(got) != 11 || got["f:k00003"] != "" {
		t.Fatalf("redis holds %v", got)
	}
}

// TestOpenRedactsPassword: a URL go-redis refuses is named without its
// password.
func TestOpenRedactsPassword(t *testing.T) {
	_, err := Open("redis://:hunter2@127.0.0.1:6379/notadb")
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "***") {
		t.Fatalf("Open: %v", err)
	}
}
