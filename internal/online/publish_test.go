package online

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/sqlname"
	"github.com/digitalservices/elt/internal/state"
	"github.com/digitalservices/elt/internal/testutil"
)

// exec runs statements on the fixture's warehouse.
func (f *fixture) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := f.db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// markChanged records the keys of the change set held in table changes,
// as an incremental build does in its transaction.
func (f *fixture) markChanged(t *testing.T, changes sqlname.Relation) {
	t.Helper()
	if err := state.MarkChanged(context.Background(), f.db, f.model.ID(), sqlname.Qualified("gold", "feat"), f.model.Header.UniqueKey, changes); err != nil {
		t.Fatal(err)
	}
}

// pending is how many keys of the model wait to be written.
func (f *fixture) pending(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.QueryRowContext(context.Background(), "SELECT count(*) FROM elt.online_pending WHERE model = ?", f.model.ID()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// published is how many keys the warehouse records as written.
func (f *fixture) published(t *testing.T) int64 {
	t.Helper()
	n, err := state.PublishedKeys(context.Background(), f.db, f.model.ID())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// redisKeys are every key Redis holds, sorted.
func (f *fixture) redisKeys(t *testing.T) []string {
	t.Helper()
	ks, err := f.redis.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ks)
	return ks
}

// TestPublishChangedRows: after a whole publish, only the keys of the
// build's change set are written; the other keys keep their fields, and
// the marker says which run wrote last and how many keys Redis holds.
func TestPublishChangedRows(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 6)
	if res, err := f.store.Publish(ctx, f.db, f.model, 1); err != nil || res.Written != 6 {
		t.Fatalf("first publish: %+v, %v", res, err)
	}
	// k00001 and k00004 change; a change set holds their rows before and
	// after (twice each), as an incremental build's does.
	f.exec(t, "UPDATE gold.feat SET score = score * 100 WHERE id IN ('k00001', 'k00004')",
		"CREATE TABLE changes AS SELECT * FROM gold.feat WHERE id IN ('k00001', 'k00004') UNION ALL SELECT * FROM gold.feat WHERE id IN ('k00001', 'k00004')")
	f.markChanged(t, "changes")
	if n := f.pending(t); n != 2 {
		t.Fatalf("%d keys pending, want 2", n)
	}
	// A field set by hand on an unchanged key shows that it is not
	// written again.
	if err := f.redis.HSet(ctx, "f:k00002", "score", "untouched").Err(); err != nil {
		t.Fatal(err)
	}
	res, err := f.store.Publish(ctx, f.db, f.model, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 2 || res.Deleted != 0 || res.Batches != 1 || res.Resent {
		t.Fatalf("%+v, want the 2 changed keys written in one batch", res)
	}
	want := map[string]string{"f:k00000": "0", "f:k00001": "100", "f:k00002": "untouched", "f:k00003": "3", "f:k00004": "400", "f:k00005": "5"}
	if got := f.keys(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("redis holds %v, want %v", got, want)
	}
	if got := f.redis.HGetAll(ctx, "f:k00004").Val(); fmt.Sprint(got) != "map[id:k00004 score:400]" {
		t.Fatalf("f:k00004 holds %v, want every column of its row", got)
	}
	marker := f.redis.HGetAll(ctx, Marker(f.model)).Val()
	if marker["run_id"] != "2" || marker["keys"] != "6" {
		t.Fatalf("marker %s holds %v, want run 2 and 6 keys", Marker(f.model), marker)
	}
	if f.pending(t) != 0 || f.published(t) != 6 {
		t.Fatalf("%d pending and %d published, want 0 and 6", f.pending(t), f.published(t))
	}
}

// TestPublishDeletes: keys of the change set whose rows are gone from the
// table are deleted from Redis, and only those; the marker and the
// warehouse count the keys left.
func TestPublishDeletes(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 5)
	if _, err := f.store.Publish(ctx, f.db, f.model, 1); err != nil {
		t.Fatal(err)
	}
	f.exec(t, "CREATE TABLE changes AS SELECT * FROM gold.feat WHERE id IN ('k00000', 'k00003')",
		"DELETE FROM gold.feat WHERE id IN ('k00000', 'k00003')")
	f.markChanged(t, "changes")
	res, err := f.store.Publish(ctx, f.db, f.model, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 0 || res.Deleted != 2 {
		t.Fatalf("%+v, want 2 keys deleted", res)
	}
	want := []string{Marker(f.model), "f:k00001", "f:k00002", "f:k00004"}
	slices.Sort(want)
	if got := f.redisKeys(t); !slices.Equal(got, want) {
		t.Fatalf("redis holds %v, want %v", got, want)
	}
	if m := f.redis.HGet(ctx, Marker(f.model), "keys").Val(); m != "3" || f.published(t) != 3 {
		t.Fatalf("the marker counts %s keys and the warehouse %d, want 3", m, f.published(t))
	}
	// Every row gone: every key goes, and nothing else of Redis.
	if err := f.redis.Set(ctx, "other:app", "kept", 0).Err(); err != nil {
		t.Fatal(err)
	}
	f.exec(t, "DELETE FROM gold.feat")
	f.markAll(t)
	if res, err := f.store.Publish(ctx, f.db, f.model, 3); err != nil || res.Deleted != 3 {
		t.Fatalf("after every row went: %+v, %v", res, err)
	}
	if got := f.redisKeys(t); !slices.Equal(got, []string{Marker(f.model), "other:app"}) {
		t.Fatalf("redis holds %v", got)
	}
}

// TestPublishKeyValues: a key is written as its value's text, exactly:
// values differing only in case are different keys (and deleting one
// leaves the others), and keys that are numbers or UUIDs are written as
// DuckDB writes them as text. Rows with a NULL key are counted, not
// written.
func TestPublishKeyValues(t *testing.T) {
	for _, tc := range []struct {
		name, table string
		want        []string
		// gone is a key whose row is deleted afterwards; left the keys
		// that stay.
		gone string
		left []string
	}{
		{"case", `SELECT * FROM (VALUES ('Ab', 1), ('aB', 2), ('AB', 3), ('ab', 4), (NULL, 5)) AS t("User_Id", score)`,
			[]string{"f:AB", "f:Ab", "f:aB", "f:ab"}, "'aB'", []string{"f:AB", "f:Ab", "f:ab"}},
		{"integers", `SELECT * FROM (VALUES (-7, 1), (0, 2), (12345678901, 3)) AS t("User_Id", score)`,
			[]string{"f:-7", "f:0", "f:12345678901"}, "0", []string{"f:-7", "f:12345678901"}},
		{"uuids", `SELECT * FROM (VALUES ('6F9619FF-8B86-D011-B42D-00C04FC964FF'::UUID, 1), ('00000000-0000-0000-0000-000000000001'::UUID, 2), (NULL, 3)) AS t("User_Id", score)`,
			[]string{"f:00000000-0000-0000-0000-000000000001", "f:6f9619ff-8b86-d011-b42d-00c04fc964ff"},
			"'6f9619ff-8b86-d011-b42d-00c04fc964ff'::UUID", []string{"f:00000000-0000-0000-0000-000000000001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, "User_Id", "user_id", 0)
			f.exec(t, "CREATE OR REPLACE TABLE gold.feat AS "+tc.table)
			f.markAll(t)
			res, err := f.store.Publish(ctx, f.db, f.model, 1)
			if err != nil {
				t.Fatal(err)
			}
			unkeyed := int64(strings.Count(tc.table, "(NULL,"))
			if res.Written != len(tc.want) || res.Unkeyed != unkeyed {
				t.Fatalf("%+v, want %d written and %d without a key", res, len(tc.want), unkeyed)
			}
			got := f.redisKeys(t)
			if !slices.Equal(got, append([]string{Marker(f.model)}, tc.want...)) { // elt:… sorts before f:…
				t.Fatalf("redis holds %v, want %v and the marker", got, tc.want)
			}
			f.exec(t, fmt.Sprintf(`CREATE TABLE changes AS SELECT * FROM gold.feat WHERE "User_Id" = %s`, tc.gone),
				fmt.Sprintf(`DELETE FROM gold.feat WHERE "User_Id" = %s`, tc.gone))
			f.markChanged(t, "changes")
			if res, err := f.store.Publish(ctx, f.db, f.model, 2); err != nil || res.Deleted != 1 || res.Written != 0 {
				t.Fatalf("after deleting %s: %+v, %v", tc.gone, res, err)
			}
			got = slices.DeleteFunc(f.redisKeys(t), func(k string) bool { return k == Marker(f.model) })
			if !slices.Equal(got, tc.left) {
				t.Fatalf("after deleting %s redis holds %v, want %v", tc.gone, got, tc.left)
			}
		})
	}
}

// TestPublishRedisDown: a Redis that cannot be reached fails the publish
// quickly with an error saying so; nothing is recorded as written, every
// key stays pending, and a Redis back up gets every key.
func TestPublishRedisDown(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 4)
	down, err := Open(fmt.Sprintf("redis://127.0.0.1:%d/0", testutil.FreePort(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	start := time.Now()
	_, err = down.Publish(ctx, f.db, f.model, 1)
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Publish to a Redis that is down: %v, want the refused connection", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the failure took %v", d)
	}
	if f.pending(t) != 4 || f.published(t) != 0 {
		t.Fatalf("%d pending and %d published after the failure, want 4 and 0", f.pending(t), f.published(t))
	}
	if res, err := f.store.Publish(ctx, f.db, f.model, 2); err != nil || res.Written != 4 || res.Resent {
		t.Fatalf("publish to a Redis that is up: %+v, %v", res, err)
	}
}

// TestPublishRefusedMidway: Redis refuses a batch part-way through a
// publish (here an ACL forbids the last keys). The batches Redis took are
// recorded as written, the refused one stays pending whole (a MULTI/EXEC
// is all or nothing), and no marker vouches for a model half written: the
// next publish writes every key again.
func TestPublishRefusedMidway(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 12)
	// The user may write the keys f:k00000 to f:k00009 and the marker.
	if err := f.redis.Do(ctx, "ACL", "SETUSER", "partial", "on", ">pw", "~f:k0000*", "~elt:*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	addr := f.redis.Options().Addr
	partial, err := Open("redis://partial:pw@" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	defer partial.Close()
	partial.Batch = 5
	res, err := partial.Publish(ctx, f.db, f.model, 1)
	// Redis discards the whole transaction, and its reason is said.
	if err == nil || !strings.Contains(err.Error(), "EXECABORT") || !strings.Contains(err.Error(), "NOPERM") {
		t.Fatalf("Publish: %+v, %v; want Redis's refusal and its reason", res, err)
	}
	if res.Written != 10 || res.Batches != 2 {
		t.Fatalf("%+v, want 2 batches of 5 keys taken before the refusal", res)
	}
	if n := len(f.keys(t)); n != 10 {
		t.Fatalf("redis holds %d keys, want 10", n)
	}
	if f.pending(t) != 2 || f.published(t) != 10 {
		t.Fatalf("%d pending and %d published, want 2 and 10", f.pending(t), f.published(t))
	}
	if n := f.redis.Exists(ctx, Marker(f.model)).Val(); n != 0 {
		t.Fatal("a marker vouches for a model half written")
	}
	res, err = f.store.Publish(ctx, f.db, f.model, 2)
	if err != nil || !res.Resent || res.Written != 12 {
		t.Fatalf("next publish: %+v, %v; want every key written again", res, err)
	}
	if marker := f.redis.HGetAll(ctx, Marker(f.model)).Val(); marker["run_id"] != "2" || marker["keys"] != "12" {
		t.Fatalf("marker %v", marker)
	}
}
