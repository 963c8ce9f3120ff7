package cli

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/digitalservices/elt/internal/testutil"
)

// TestOnlineUnkeyedRowsAndUUIDs: an online model's rows whose unique_key
// is NULL are counted and named in the build's output (before, they were
// left out of Redis without a word), and a UUID column reaches Redis as
// DuckDB prints it (before, as \x and its 16 bytes).
func TestOnlineUnkeyedRowsAndUUIDs(t *testing.T) {
	url := testutil.StartRedis(t)
	proj := minimalProject(t, t.TempDir())
	testutil.WriteFile(t, filepath.Join(proj, "models", "silver", "people.sql"), `/*
materialized: incremental
unique_key: user_id
online:
  key_prefix: "person:"
  ttl: 1h
*/
SELECT user_id, name, md5(name)::UUID AS token
FROM (VALUES (1, 'a'), (NULL, 'b'), (2, 'c')) AS t(user_id, name)
`)
	out := mustElt(t, "--project", proj, "--redis-url", url, "build")
	if !strings.Contains(out, "warning: 1 row of silver.people has no user_id and is not served") {
		t.Fatalf("build:\n%s", out)
	}
	c := redisClient(t, url)
	token := c.HGet(context.Background(), "person:1", "token").Val()
	want := strings.TrimPrefix(strings.TrimSpace(mustElt(t, "--project", proj, "query", "--format", "csv",
		"SELECT CAST(token AS VARCHAR) AS t FROM silver.people WHERE user_id = 1")), "t\n")
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(token) || token != want {
		t.Fatalf("Redis holds the token %q, DuckDB prints %q", token, want)
	}
	if n := c.Exists(context.Background(), "person:1", "person:2").Val(); n != 2 {
		t.Fatalf("Redis holds %d of the 2 keyed rows", n)
	}
}

// TestQueryPrintsUUIDs: elt query prints a UUID as DuckDB does in every
// format, alone and inside a list and a struct, whose fields keep their
// order (before, \x00000000000000000000000000000001 and {"a":2,"z":1}).
func TestQueryPrintsUUIDs(t *testing.T) {
	proj := minimalProject(t, t.TempDir())
	mustElt(t, "--project", proj, "build")
	const u = "00000000-0000-0000-0000-000000000001"
	sql := "SELECT '" + u + "'::UUID AS u, ['" + u + "'::UUID] AS l, {'z': 1, 'a': '" + u + "'::UUID} AS s"
	for format, want := range map[string]string{
		"csv":   "u,l,s\n" + u + `,"[""` + u + `""]","{""z"":1,""a"":""` + u + `""}"` + "\n",
		"json":  `[` + "\n" + `  {"u": "` + u + `", "l": ["` + u + `"], "s": {"z":1,"a":"` + u + `"}}` + "\n]\n",
		"table": "│ " + u + " │ [\"" + u + "\"] │ {\"z\":1,\"a\":\"" + u + "\"} │",
	} {
		out := mustElt(t, "--project", proj, "query", "--format", format, sql)
		if format == "table" && !strings.Contains(out, want) || format != "table" && out != want {
			t.Errorf("%s:\n%s\nwant\n%s", format, out, want)
		}
	}
}

// TestOnlineExpiredKeysResent: keys of a model with online ttl that have
// expired are written again by the next build, which says why (before,
// the marker never expired, so expired keys were never restored).
func TestOnlineExpiredKeysResent(t *testing.T) {
	url := testutil.StartRedis(t)
	proj := minimalProject(t, t.TempDir())
	testutil.WriteFile(t, filepath.Join(proj, "models", "silver", "people.sql"), `/*
materialized: incremental
unique_key: user_id
order_by: name
online:
  key_prefix: "person:"
  ttl: 1s
*/
SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(user_id, name)
`)
	mustElt(t, "--project", proj, "--redis-url", url, "build")
	c := redisClient(t, url)
	ctx := context.Background()
	if n := c.Exists(ctx, "person:1", "person:2").Val(); n != 2 {
		t.Fatalf("after the first build Redis holds %d of 2 keys", n)
	}
	deadline := time.Now().Add(3 * time.Second)
	for c.Exists(ctx, "elt:online:silver.people").Val() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the marker elt:online:silver.people never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := c.Exists(ctx, "person:1", "person:2").Val(); n != 0 {
		t.Fatalf("the marker expired while %d keys live", n)
	}
	out := mustElt(t, "--project", proj, "--redis-url", url, "build")
	if !strings.Contains(out, "warning: Redis did not hold the keys of silver.people (its marker elt:online:silver.people is missing: its keys expired (online ttl 1s)") {
		t.Fatalf("build after the keys expired:\n%s", out)
	}
	if n := c.Exists(ctx, "person:1", "person:2").Val(); n != 2 {
		t.Fatalf("after the second build Redis holds %d of 2 keys", n)
	}
}
