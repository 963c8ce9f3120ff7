package warehouse

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRejects: one statement keeps the rows without a reason and hands the
// others, each once, to Go, from every thread; a NULL raw stays NULL; an
// unknown collection is an error.
func TestRejects(t *testing.T) {
	db := memoryDB(t)
	id, taken, release := CollectRejects(nil)
	defer release()
	if _, err := db.Exec(`CREATE TABLE kept AS SELECT i FROM (
		SELECT i, 'f' || (i % 3) AS file, CASE WHEN i % 1000 = 7 THEN 'bad_' || i END AS reason, CASE WHEN i % 2000 <> 7 THEN 'raw ' || i END AS raw
		FROM range(300000) AS t(i))
		WHERE CASE WHEN reason IS NULL THEN true ELSE elt_reject(?, file, i, reason, raw) END`, id); err != nil {
		t.Fatal(err)
	}
	var kept int64
	db.QueryRow(`SELECT count(*) FROM kept WHERE i % 1000 <> 7`).Scan(&kept)
	got := taken()
	slices.SortFunc(got, func(a, b Rejected) int { return int(a.Line - b.Line) })
	var bad []string
	for i, r := range got {
		want := Rejected{File: fmt.Sprintf("f%d", (i*1000+7)%3), Line: int64(i*1000 + 7), Reason: fmt.Sprintf("bad_%d", i*1000+7)}
		if i%2 == 1 {
			want.Raw = sql.NullString{String: fmt.Sprintf("raw %d", i*1000+7), Valid: true}
		}
		if r != want {
			bad = append(bad, fmt.Sprintf("%+v, want %+v", r, want))
		}
	}
	if kept != 299700 || len(got) != 300 || len(bad) > 0 {
		t.Fatalf("kept %d of 299700, set aside %d of 300: %s", kept, len(got), strings.Join(bad[:min(3, len(bad))], "; "))
	}
	if _, err := db.Exec(`SELECT elt_reject(?, 'f', 1, 'bad', NULL)`, id+1000); err == nil || !strings.Contains(err.Error(), "no such collection") {
		t.Errorf("unknown collection: %v", err)
	}
}
