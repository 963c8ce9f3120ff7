package contract

import (
	"testing"
	"time"
)

// TestKafkaValidate: a Kafka source's problems are each reported at their
// key path, and its defaults filled in.
func TestKafkaValidate(t *testing.T) {
	id := []Field{{Name: "id", Type: ID}}
	ok := func() *Kafka { return &Kafka{Brokers: []string{"127.0.0.1:9092"}, Topic: "events"} }
	with := func(f func(k *Kafka)) *Kafka { k := ok(); f(k); return k }
	for _, tc := range []struct {
		name string
		src  Source
		want []string
	}{
		{"a good source", Source{Format: NDJSON, Fields: id, Kafka: ok()}, nil},
		{"csv", Source{Format: CSV, Fields: id, Kafka: ok()}, []string{"format: a Kafka source's messages are JSON objects"}},
		{"patterns", Source{Format: NDJSON, Fields: id, Kafka: ok(), Patterns: []string{"*.json"}}, []string{"patterns: a Kafka source reads a topic, not files"}},
		{"no brokers or topic", Source{Format: NDJSON, Fields: id, Kafka: &Kafka{}}, []string{"kafka: kafka: list the brokers", "kafka: kafka: name the topic"}},
		{"a broker without port", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.Brokers = []string{"b1:9092", "b2", "b3:0"} })},
			[]string{`kafka/brokers/1: broker "b2" is not host:port`, `kafka/brokers/2: broker "b3:0" is not host:port`}},
		{"a topic name", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.Topic = "a/b" })}, []string{`kafka/topic: topic "a/b" is not a Kafka topic name`}},
		{"start", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.Start = "oldest" })}, []string{`kafka/start: start must be earliest or latest, found "oldest"`}},
		{"max_wait", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.MaxWait = "1ms" })}, []string{`kafka/max_wait: max_wait is a duration from 10ms to 10m`}},
		{"max_records", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.MaxRecords = -1 })}, []string{"kafka/max_records: max_records is a count"}},
		{"sasl", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.SASL = &KafkaSASL{Mechanism: "gssapi", PasswordEnv: "my password"} })},
			[]string{`kafka/sasl/mechanism: mechanism must be one of plain, scram-sha-256, scram-sha-512, aws-msk-iam, found "gssapi"`,
				`kafka/sasl/password_env: password_env names an environment variable (secrets are never written in elt.yaml), found "my password"`}},
		{"tls", Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.TLS = &KafkaTLS{CertFile: "c.pem"} })}, []string{"kafka/tls: a client certificate needs both cert_file and key_file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.src
			wantProblems(t, &s, tc.want)
			if tc.want == nil {
				if s.Kafka.Start != "earliest" || s.Kafka.Wait() != 500*time.Millisecond || len(s.Patterns) != 0 {
					t.Errorf("defaults: start %q, wait %s, patterns %v", s.Kafka.Start, s.Kafka.Wait(), s.Patterns)
				}
			}
		})
	}
	// The secrets' variables default to ELT_KAFKA_USERNAME and _PASSWORD.
	s := Source{Format: NDJSON, Fields: id, Kafka: with(func(k *Kafka) { k.SASL = &KafkaSASL{Mechanism: "scram-sha-256"} })}
	s.Validate(func(...string) func(string, ...any) { return func(f string, a ...any) { t.Errorf(f, a...) } })
	if s.Kafka.SASL.UsernameEnv != "ELT_KAFKA_USERNAME" || s.Kafka.SASL.PasswordEnv != "ELT_KAFKA_PASSWORD" {
		t.Errorf("the secrets' variables: %+v", *s.Kafka.SASL)
	}
}
