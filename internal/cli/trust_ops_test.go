package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/digitalservices/elt/internal/testutil"
)

// opsOnlineProject is a project with one CSV source and an online model
// whose key column is spelled key while its unique_key says user_id.
func opsOnlineProject(t *testing.T, key string) string {
	t.Helper()
	dir := t.TempDir()
	testutil.WriteFile(t, filepath.Join(dir, "elt.yaml"), `version: 1
sources:
  people:
    format: csv
    key: user_id
    fields:
      - {name: user_id, type: id, required: true}
      - {name: score, type: integer}
`)
	testutil.WriteFile(t, filepath.Join(dir, "models", "silver", "people.sql"), `/*
materialized: incremental
unique_key: user_id
order_by: _file DESC, _line DESC
online:
  key_prefix: "u:"
*/
SELECT user_id AS `+key+`, score, _file, _line FROM bronze.people
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY _file DESC, _line DESC) = 1
`)
	testutil.WriteFile(t, filepath.Join(dir, "data", "bronze", "people", "p1.csv"), "user_id,score\na,1\nb,2\n")
	return dir
}

func opsRedis(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestOnlineKeyColumnCase: unique_key: user_id on a column spelled User_Id
// writes every row to Redis (it wrote none and deleted every key as gone);
// a unique_key that names no column is an error at the header's line.
func TestOnlineKeyColumnCase(t *testing.T) {
	url := testutil.StartRedis(t)
	rc := opsRedis(t, url)
	ctx := context.Background()
	proj := opsOnlineProject(t, "User_Id")
	mustElt(t, "--project", proj, "--redis-url", url, "build")
	if got := rc.HGet(ctx, "u:b", "score").Val(); got != "2" {
		t.Fatalf("u:b score %q, want 2; keys %v", got, rc.Keys(ctx, "u:*").Val())
	}

	bad := opsOnlineProject(t, "uid")
	code, _, errs := elt(t, "--project", bad, "--redis-url", url, "build")
	if code != 1 || !strings.Contains(errs, "people.sql:3:1: unique_key user_id is not a column of silver.people") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
}

// TestOnlineRedisRestartedEmpty: after Redis loses everything, the next
// build with nothing new brings it level and says so (it wrote only changed
// keys, so Redis stayed empty until a --full-refresh).
func TestOnlineRedisRestartedEmpty(t *testing.T) {
	url := testutil.StartRedis(t)
	rc := opsRedis(t, url)
	ctx := context.Background()
	proj := opsOnlineProject(t, "user_id")
	mustElt(t, "--project", proj, "--redis-url", url, "build")
	if err := rc.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	out := mustElt(t, "--project", proj, "--redis-url", url, "build")
	if !strings.Contains(out, "Redis did not hold the keys of silver.people") {
		t.Fatalf("build after FLUSHALL:\n%s", out)
	}
	if got := rc.Keys(ctx, "u:*").Val(); len(got) != 2 {
		t.Fatalf("redis holds %v, want u:a and u:b", got)
	}
	// Level: the next build neither resends nor warns.
	if out := mustElt(t, "--project", proj, "--redis-url", url, "build"); strings.Contains(out, "Redis did not hold") {
		t.Fatalf("a level Redis was resent:\n%s", out)
	}
}
