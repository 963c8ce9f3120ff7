package dialect

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/digitalservices/elt/internal/warehouse"
)

func TestRunScratch(t *testing.T) {
	q := os.Getenv("RQ")
	if q == "" {
		t.Skip()
	}
	db, err := warehouse.Open(context.Background(), "", warehouse.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range strings.Split(q, ";;") {
		rows, err := db.QueryContext(context.Background(), s)
		if err != nil {
			fmt.Println("ERR", err)
			continue
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Printf("%#v\n", vals)
		}
		rows.Close()
	}
}
