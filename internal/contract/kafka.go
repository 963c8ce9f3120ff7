package contract

import (
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kafka is a source read from a Kafka topic instead of files: each
// message's value is one record, checked by the source's fields and rules
// as a line of an NDJSON file is.
type Kafka struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string `yaml:"brokers"`
	// Topic is the topic read.
	Topic string `yaml:"topic"`
	// Start is where a partition never read starts: earliest (the default,
	// everything the topic still keeps) or latest (only what arrives
	// after).
	Start string `yaml:"start"`
	// MaxWait is how long elt watch lets messages gather before it builds
	// them (a Go duration; 500ms when unset).
	MaxWait string `yaml:"max_wait"`
	// MaxRecords caps the offsets one build reads (0: everything up to the
	// last stable offset when the build starts); the rest is left for the
	// next build.
	MaxRecords int64 `yaml:"max_records"`
	// SASL is how the client logs in, if the brokers ask it to.
	SASL *KafkaSASL `yaml:"sasl"`
	// TLS encrypts the connections to the brokers.
	TLS *KafkaTLS `yaml:"tls"`
}

// KafkaSASL is a SASL login; its secrets come from the environment only.
type KafkaSASL struct {
	// Mechanism is plain, scram-sha-256, scram-sha-512 or aws-msk-iam.
	Mechanism string `yaml:"mechanism"`
	// UsernameEnv and PasswordEnv name the environment variables holding
	// the user and password (ELT_KAFKA_USERNAME, ELT_KAFKA_PASSWORD when
	// unset). aws-msk-iam takes AWS credentials from the default chain.
	UsernameEnv string `yaml:"username_env"`
	PasswordEnv string `yaml:"password_env"`
}

// KafkaTLS are the files of a TLS connection: the CA that signed the
// brokers' certificates (the system's when unset), and a client
// certificate and key for brokers that ask for one.
type KafkaTLS struct {
	CAFile     string `yaml:"ca_file"`
	CertFile   string `yaml:"cert_file"`
	KeyFile    string `yaml:"key_file"`
	ServerName string `yaml:"server_name"`
}

// The defaults of a Kafka source.
const (
	DefaultKafkaMaxWait     = 500 * time.Millisecond
	DefaultKafkaUsernameEnv = "ELT_KAFKA_USERNAME"
	DefaultKafkaPasswordEnv = "ELT_KAFKA_PASSWORD"
)

// SASL mechanisms a Kafka source may use.
var kafkaMechanisms = []string{"plain", "scram-sha-256", "scram-sha-512", "aws-msk-iam"}

// topicRe is what Kafka accepts as a topic name.
var topicRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,249}$`)

// envRe is a portable environment variable name.
var envRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Wait is MaxWait as a duration (validated).
func (k *Kafka) Wait() time.Duration {
	if d, err := time.ParseDuration(k.MaxWait); err == nil && k.MaxWait != "" {
		return d
	}
	return DefaultKafkaMaxWait
}

// validate checks a Kafka section and fills its defaults; at places a
// problem under kafka: in elt.yaml.
func (k *Kafka) validate(at func(path ...string) func(string, ...any)) {
	if len(k.Brokers) == 0 {
		at("kafka")("kafka: list the brokers as host:port, e.g. brokers: [\"127.0.0.1:9092\"]")
	}
	for i, b := range k.Brokers {
		host, port, err := net.SplitHostPort(b)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			at("kafka", "brokers", strconv.Itoa(i))("broker %q is not host:port (e.g. 127.0.0.1:9092)", b)
		}
	}
	switch {
	case k.Topic == "":
		at("kafka")("kafka: name the topic read: topic: events")
	case !topicRe.MatchString(k.Topic) || k.Topic == "." || k.Topic == "..":
		at("kafka", "topic")("topic %q is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)", k.Topic)
	}
	switch k.Start {
	case "":
		k.Start = "earliest"
	case "earliest", "latest":
	default:
		at("kafka", "start")("start must be earliest or latest, found %q", k.Start)
	}
	if k.MaxWait != "" {
		d, err := time.ParseDuration(k.MaxWait)
		if err != nil || d < 10*time.Millisecond || d > 10*time.Minute {
			at("kafka", "max_wait")("max_wait is a duration from 10ms to 10m (e.g. 500ms), found %q", k.MaxWait)
		}
	}
	if k.MaxRecords < 0 {
		at("kafka", "max_records")("max_records is a count of messages, 0 for no limit, found %d", k.MaxRecords)
	}
	if s := k.SASL; s != nil {
		if !slices.Contains(kafkaMechanisms, s.Mechanism) {
			at("kafka", "sasl", "mechanism")("mechanism must be one of %s, found %q", strings.Join(kafkaMechanisms, ", "), s.Mechanism)
		}
		if s.UsernameEnv == "" {
			s.UsernameEnv = DefaultKafkaUsernameEnv
		}
		if s.PasswordEnv == "" {
			s.PasswordEnv = DefaultKafkaPasswordEnv
		}
		for _, e := range [][2]string{{"username_env", s.UsernameEnv}, {"password_env", s.PasswordEnv}} {
			if !envRe.MatchString(e[1]) {
				at("kafka", "sasl", e[0])("%s names an environment variable (secrets are never written in elt.yaml), found %q", e[0], e[1])
			}
		}
	}
	if t := k.TLS; t != nil && (t.CertFile == "") != (t.KeyFile == "") {
		at("kafka", "tls")("a client certificate needs both cert_file and key_file")
	}
}
