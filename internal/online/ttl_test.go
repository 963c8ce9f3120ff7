package online

import (
	"context"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/state"
)

// pttl is how long a key has left (-2 when gone, -1 with no expiry).
func (f *fixture) pttl(t *testing.T, key string) time.Duration {
	t.Helper()
	d, err := f.redis.PTTL(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// expiresAt is when a key expires, in Unix milliseconds by Redis's clock
// (-2 when gone, -1 with no expiry).
func (f *fixture) expiresAt(t *testing.T, key string) int64 {
	t.Helper()
	n, err := f.redis.Do(context.Background(), "PEXPIRETIME", key).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPublishMarkerExpiresWithKeys: with online ttl the marker expires no
// later than any key it vouches for, keeps its expiry while only changed
// keys are written, and once the unchanged keys have expired the next
// publish finds it gone and writes every key again (before, the marker
// never expired: expired keys were never restored).
func TestPublishMarkerExpiresWithKeys(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 6)
	f.model.Header.Online.TTL = "1500ms"
	marker := Marker(f.model)
	if res, err := f.store.Publish(ctx, f.db, f.model, 1); err != nil || res.Written != 6 || res.Resent {
		t.Fatalf("first publish: %+v, %v", res, err)
	}
	m := f.pttl(t, marker)
	if m <= 0 {
		t.Fatalf("the marker has PTTL %v, want an expiry", m)
	}
	at := f.expiresAt(t, marker)
	for k := range f.keys(t) {
		if e, d := f.expiresAt(t, k), f.pttl(t, k); e < at || d > 1500*time.Millisecond {
			t.Fatalf("%s expires at %d (in %v), the marker at %d: want the marker first, the key within the ttl", k, e, d, at)
		}
	}

	// One row changes: only its key is written, and the marker keeps the
	// expiry of the keys that were not.
	time.Sleep(500 * time.Millisecond)
	for _, s := range []string{"UPDATE gold.feat SET score = 100 WHERE id = 'k00001'",
		"CREATE TABLE gold.changes AS SELECT * FROM gold.feat WHERE id = 'k00001'"} {
		if _, err := f.db.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := state.MarkChanged(ctx, f.db, f.model.ID(), "gold.feat", "id", "gold.changes"); err != nil {
		t.Fatal(err)
	}
	if res, err := f.store.Publish(ctx, f.db, f.model, 2); err != nil || res.Written != 1 || res.Resent {
		t.Fatalf("second publish: %+v, %v", res, err)
	}
	if e := f.expiresAt(t, marker); e != at {
		t.Fatalf("after writing one key the marker expires at %d; want %d, as before", e, at)
	}
	if h := f.redis.HGetAll(ctx, marker).Val(); h["run_id"] != "2" || h["keys"] != "6" {
		t.Fatalf("marker %v", h)
	}

	// The unchanged keys expire, and the marker with them.
	deadline := time.Now().Add(3 * time.Second)
	for f.pttl(t, marker) != -2 {
		if time.Now().After(deadline) {
			t.Fatal("the marker never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := f.keys(t); len(got) > 1 {
		t.Fatalf("the marker expired before the keys it vouches for: redis holds %v", got)
	}
	res, err := f.store.Publish(ctx, f.db, f.model, 3)
	if err != nil || !res.Resent || res.Written != 6 {
		t.Fatalf("publish after the keys expired: %+v, %v; want all 6 resent", res, err)
	}
	if got := f.keys(t); len(got) != 6 || got["f:k00001"] != "100" {
		t.Fatalf("redis holds %v", got)
	}
	if d := f.pttl(t, marker); d <= 0 {
		t.Fatalf("the new marker has PTTL %v", d)
	}
}

// TestPublishTTLChanged: a model that gains, shortens or loses its ttl
// has every key written again, so that the keys and the marker expire
// (or not) together; an unchanged ttl writes nothing.
func TestPublishTTLChanged(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "id", "id", 4)
	marker := Marker(f.model)
	run := int64(0)
	for _, step := range []struct {
		ttl     string
		written int
		expires bool
	}{
		{"", 4, false},
		{"", 0, false},
		{"1h", 4, true},
		{"1h", 0, true},
		{"2h", 0, true}, // the keys still expire before the marker
		{"1m", 4, true},
		{"", 4, false},
	} {
		run++
		f.model.Header.Online.TTL = step.ttl
		res, err := f.store.Publish(ctx, f.db, f.model, run)
		if err != nil || res.Written != step.written || res.Resent {
			t.Fatalf("ttl %q: %+v, %v; want %d written", step.ttl, res, err, step.written)
		}
		m := f.expiresAt(t, marker)
		if (m > 0) != step.expires || m == -2 {
			t.Fatalf("ttl %q: the marker expires at %d", step.ttl, m)
		}
		for k := range f.keys(t) {
			if e := f.expiresAt(t, k); (e > 0) != step.expires || e < m {
				t.Fatalf("ttl %q: %s expires at %d, the marker at %d", step.ttl, k, e, m)
			}
		}
	}
}

// TestPublishCountsNullKeys: rows whose key is NULL have no Redis key;
// Publish counts them so that the build can say so (before, they were
// left out without a word).
func TestPublishCountsNullKeys(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, "User_Id", "user_id", 5)
	if _, err := f.db.ExecContext(ctx, `UPDATE gold.feat SET "User_Id" = NULL WHERE score IN (1, 3)`); err != nil {
		t.Fatal(err)
	}
	f.markAll(t)
	res, err := f.store.Publish(ctx, f.db, f.model, 1)
	if err != nil || res.Unkeyed != 2 || res.Written != 3 {
		t.Fatalf("%+v, %v; want 3 written and 2 rows without a key", res, err)
	}
	if got := f.keys(t); len(got) != 3 {
		t.Fatalf("redis holds %v", got)
	}
	if res, err = f.store.Publish(ctx, f.db, f.model, 2); err != nil || res.Unkeyed != 2 || res.Keys() != 0 {
		t.Fatalf("second publish: %+v, %v; the rows without a key are still counted", res, err)
	}
}
