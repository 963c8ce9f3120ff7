package diag

import "testing"

// TestRedact: the password of a URL is replaced wherever it appears in a
// text; everything else is kept.
func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://:secret@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"},
		{"--redis-url redis://user:s3cr3t@host:6379/0 build", "--redis-url redis://user:***@host:6379/0 build"},
		{`the Redis URL "rediss://default:p@ss:w0rd@h:1/2": bad`, `the Redis URL "rediss://default:***@h:1/2": bad`},
		{"redis://host:6379/0?password=secret&db=1", "redis://host:6379/0?password=***&db=1"},
		{"redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"},
		{"redis://user@host/0", "redis://user@host/0"},
		{"a@b:c, 12:30 and mail@example.com", "a@b:c, 12:30 and mail@example.com"},
		{"two: redis://:a@h/0 and postgres://u:b@h/db", "two: redis://:***@h/0 and postgres://u:***@h/db"},
		// Passwords not percent-encoded, as a user types them.
		{"build --redis-url=redis://:S3cret/PW@127.0.0.1:1/1", "build --redis-url=redis://:***@127.0.0.1:1/1"},
		{"--redis-url=redis://:S3cret PW@127.0.0.1:1/1 x", "--redis-url=redis://:***@127.0.0.1:1/1 x"},
		{`"redis://:S3c"r#e?t@h:1/1"`, `"redis://:***@h:1/1"`},
		{"redis://:a\nb@h", "redis://:a\nb@h"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
