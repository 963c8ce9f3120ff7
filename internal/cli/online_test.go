package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/testutil"
)

// redisHashes reads every user:* hash of a real Redis.
func redisHashes(t *testing.T, url string) map[string]map[string]string {
	t.Helper()
	c := redisClient(t, url)
	ctx := context.Background()
	keys, err := c.Keys(ctx, "user:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, k := range keys {
		h, err := c.HGetAll(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl := c.TTL(ctx, k).Val(); ttl <= 0 {
			t.Fatalf("%s has no TTL", k)
		}
		out[k] = h
	}
	return out
}

// featureRows reads gold.user_features as Redis would hold it.
func featureRows(t *testing.T, proj string) map[string]map[string]string {
	t.Helper()
	var rows []map[string]any
	js := mustElt(t, "--project", proj, "query", "--format", "json", "SELECT * FROM gold.user_features")
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, r := range rows {
		h := map[string]string{}
		for k, v := range r {
			if v != nil {
				h[k] = strings.Trim(strings.TrimSpace(jsonText(v)), `"`)
			}
		}
		out["user:"+h["user_id"]] = h
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestOnlineFeatures: after each build, a real Redis holds one hash per
// user of gold.user_features; with Redis down the build still publishes,
// says so, and the next build brings Redis level.
func TestOnlineFeatures(t *testing.T) {
	url := testutil.StartRedis(t)
	proj := copyProject(t, repoRoot(t), t.TempDir())
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "4000", "--users", "60", "--days", "2")
	out := mustElt(t, "--project", proj, "--redis-url", url, "build")
	if !strings.Contains(out, "online  gold.user_features") || !strings.Contains(out, "-> redis") {
		t.Fatalf("build:\n%s", out)
	}
	got, want := redisHashes(t, url), featureRows(t, proj)
	if len(got) != len(want) || len(got) < 50 {
		t.Fatalf("redis holds %d users, gold.user_features %d", len(got), len(want))
	}
	for k, w := range want {
		if got[k]["user_id"] != w["user_id"] || got[k]["transactions_24h"] != w["transactions_24h"] || got[k]["sessions"] != w["sessions"] {
			t.Fatalf("%s: redis %v, warehouse %v", k, got[k], w)
		}
	}

	// Redis down: the build publishes and says Redis was not updated.
	mustElt(t, "--project", proj, "generate", "--dirty", "0", "--events", "400", "--users", "60", "--days", "2", "--seed", "3", "--batch", "b2")
	down := "redis://127.0.0.1:" + itoa(testutil.FreePort(t)) + "/0"
	out = mustElt(t, "--project", proj, "--redis-url", down, "build")
	if !strings.Contains(out, "warning: Redis was not updated for gold.user_features") {
		t.Fatalf("build with Redis down:\n%s", out)
	}
	if stale := redisHashes(t, url); equalHashes(stale, featureRows(t, proj)) {
		t.Fatal("Redis changed although it was down")
	}
	// Up again: a build with nothing new brings it level.
	out = mustElt(t, "--project", proj, "--redis-url", url, "build")
	if !strings.Contains(out, "-> redis") {
		t.Fatalf("build with Redis back:\n%s", out)
	}
	if got := redisHashes(t, url); !equalHashes(got, featureRows(t, proj)) {
		t.Fatal("Redis did not converge to gold.user_features")
	}
}

func equalHashes(a, b map[string]map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, x := range a {
		y := b[k]
		for _, f := range []string{"user_id", "transactions_1m", "transactions_1h", "transactions_24h", "sessions"} {
			if x[f] != y[f] {
				return false
			}
		}
	}
	return true
}

func itoa(n int) string { return strings.TrimSpace(jsonText(n)) }
