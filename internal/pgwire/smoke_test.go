package pgwire

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	_, addr := start(t, Config{})
	c := connect(t, addr, "")
	var n int64
	var s string
	if err := c.QueryRow(context.Background(), "SELECT count(*), max(c) FROM t WHERE a > $1", 3).Scan(&n, &s); err != nil {
		t.Fatal(err)
	}
	t.Log(n, s)
}
