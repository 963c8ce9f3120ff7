package docs

import (
	"encoding/json"
	"strings"
	"testing"
)

// The data sits in a script element as JSON: nothing in it can close that
// element or open another, and it reads back as written.
func TestPageCarriesDataAsText(t *testing.T) {
	for _, evil := range []string{"</script><script>alert(1)</script>", "<!--", "\u2028", "]]>", "&lt;"} {
		site := &Site{Project: "p", Models: []Model{{ID: "gold.x", Description: evil, Columns: []Column{{Name: "v", Values: []string{evil}}}}}}
		page, err := Page(site)
		if err != nil {
			t.Fatal(err)
		}
		s := string(page)
		if strings.Count(s, "<script") != 2 || strings.Count(s, "</script>") != 2 {
			t.Errorf("%q: the page holds %d script openings and %d closings", evil, strings.Count(s, "<script"), strings.Count(s, "</script>"))
		}
		start := strings.Index(s, `id="data">`) + len(`id="data">`)
		end := strings.Index(s[start:], "</script>")
		var back Site
		if err := json.Unmarshal([]byte(s[start:start+end]), &back); err != nil {
			t.Fatal(err)
		}
		if back.Models[0].Description != evil || back.Models[0].Columns[0].Values[0] != evil {
			t.Errorf("%q came back as %q", evil, back.Models[0].Description)
		}
	}
}
