package diag

import "testing"

// TestMaskSecretValues: values of keys naming a secret are masked in text
// shown under an error; the names of variables holding one are not.
func TestMaskSecretValues(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"sasl: {mechanism: plain, password: hunter2}", "sasl: {mechanism: plain, password: ***}"},
		{"  password: hunter2\n  user: me", "  password: ***\n  user: me"},
		{"  client_secret: \"s3cr3t\"", "  client_secret: ***"},
		{"  Token: abc, x: 1", "  Token: ***, x: 1"},
		{"  password_env: KAFKA_PASS", "  password_env: KAFKA_PASS"},
		{"  password:\n    nested: 1", "  password:\n    nested: 1"},
		{"  topic: events", "  topic: events"},
	} {
		if got := MaskSecretValues(tc.in); got != tc.want {
			t.Errorf("MaskSecretValues(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
