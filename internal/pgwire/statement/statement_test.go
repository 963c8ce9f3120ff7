package statement

import "testing"

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		q    string
		want Command
	}{
		{"SELECT 1", Command{Kind: Query}},
		{"  -- a comment\n/* another */ begin;", Command{Kind: Begin}},
		{"START TRANSACTION READ ONLY", Command{Kind: Begin}},
		{"COMMIT", Command{Kind: Commit}},
		{"END", Command{Kind: Commit}},
		{"COMMIT PREPARED 'x'", Command{Kind: Query}},
		{"ROLLBACK", Command{Kind: Rollback}},
		{"ROLLBACK TO SAVEPOINT a", Command{Kind: Query}},
		{"SET application_name = 'report'", Command{Kind: Set, Name: "application_name", Value: "report"}},
		{"SET SESSION TimeZone TO 'UTC'", Command{Kind: Set, Name: "timezone", Value: "UTC"}},
		{"SET TIME ZONE 'UTC'", Command{Kind: Set, Name: "timezone", Value: "UTC"}},
		{"SET search_path TO \"$user\", public", Command{Kind: Set, Name: "search_path", Value: "$user, public"}},
		{"SET DateStyle = default", Command{Kind: Reset, Name: "datestyle"}},
		{"SET memory_limit = '1GB'", Command{Kind: Query}},
		{"RESET ALL", Command{Kind: Reset, Name: "all"}},
		{"RESET threads", Command{Kind: Query}},
		{"DEALLOCATE PREPARE s1", Command{Kind: Deallocate, Name: "s1"}},
		{"DEALLOCATE ALL", Command{Kind: Deallocate, Name: "all"}},
		{"DISCARD ALL", Command{Kind: Discard}},
		{"DISCARD PLANS", Command{Kind: Query}},
		{" ; ", Command{Kind: Empty}},
		{"-- only a comment", Command{Kind: Empty}},
	} {
		if got := Classify(c.q); got != c.want {
			t.Errorf("Classify(%q) = %+v, want %+v", c.q, got, c.want)
		}
	}
}
