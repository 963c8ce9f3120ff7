package serve

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/pgwire"
)

// metrics are what elt serve tells Prometheus (/metrics) and a health
// check (/healthz): its builds, told by their events, and its clients,
// told by the PostgreSQL server.
type metrics struct {
	reg         *prometheus.Registry
	builds      *prometheus.CounterVec
	buildTime   prometheus.Histogram
	rows        *prometheus.GaugeVec
	records     prometheus.Counter
	quarantined prometheus.Counter
	published   prometheus.Gauge
	lag         *prometheus.GaugeVec
	queries     *prometheus.CounterVec
	queryTime   *prometheus.HistogramVec

	mu       sync.Mutex
	built    map[string]int64 // rows of the models of the build running, told by model_done
	last     time.Time        // the last publish
	lastErr  string           // the last build's error, "" once one succeeds
	started  time.Time
	building bool
}

func newMetrics(conns func() int) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(), started: time.Now()}
	m.builds = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "elt_builds_total", Help: "Builds run by elt serve, by status (success, failed)."}, []string{"status"})
	m.buildTime = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "elt_build_duration_seconds", Help: "How long each successful build took, ingestion to publish.",
		Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)})
	m.rows = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "elt_model_rows", Help: "Rows of each model as the last published build left it."}, []string{"model"})
	m.records = prometheus.NewCounter(prometheus.CounterOpts{Name: "elt_records_ingested_total", Help: "Bronze records (lines, messages) read by published builds."})
	m.quarantined = prometheus.NewCounter(prometheus.CounterOpts{Name: "elt_quarantined_records_total", Help: "Records of published builds kept in silver.quarantine."})
	m.published = prometheus.NewGauge(prometheus.GaugeOpts{Name: "elt_last_publish_timestamp_seconds", Help: "When the last build was published (Unix time; 0: none since elt serve started)."})
	m.lag = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "elt_kafka_consumer_lag", Help: "Messages of a Kafka source's partition that the published build has not read."}, []string{"source", "topic", "partition"})
	m.queries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "elt_queries_total", Help: "Statements answered to PostgreSQL clients, by status (ok, error)."}, []string{"status"})
	m.queryTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "elt_query_duration_seconds", Help: "How long statements took, from receipt to the last row sent.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18)}, []string{"status"})
	connections := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "elt_serve_connections", Help: "PostgreSQL clients connected now."}, func() float64 { return float64(conns()) })
	m.reg.MustRegister(m.builds, m.buildTime, m.rows, m.records, m.quarantined, m.published, m.lag, m.queries, m.queryTime, connections,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Report takes the events of watch and of its builds.
func (m *metrics) Report(e event.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch e := e.(type) {
	case event.WatchBuildStarted:
		m.built, m.building = map[string]int64{}, true
	case event.ModelDone:
		if e.Status == event.ModelBuilt && m.built != nil {
			m.built[e.Model] = e.Rows
		}
	case event.Published:
		m.last = time.Now()
		m.published.Set(float64(m.last.UnixNano()) / 1e9)
	case event.WatchBuildDone:
		m.building, m.lastErr = false, ""
		m.builds.WithLabelValues("success").Inc()
		m.buildTime.Observe(e.Seconds)
		for model, n := range m.built {
			m.rows.WithLabelValues(model).Set(float64(n))
		}
		m.records.Add(float64(e.Records))
		m.quarantined.Add(float64(e.Quarantined))
	case event.WatchBuildFailed:
		m.building, m.lastErr = false, e.Error
		m.builds.WithLabelValues("failed").Inc()
	case event.WatchLag:
		for p, n := range e.Partitions {
			m.lag.WithLabelValues(e.Source, e.Topic, strconv.Itoa(int(p))).Set(float64(n))
		}
	}
}

// observe takes a statement answered to a client.
func (m *metrics) observe(q pgwire.Query) {
	status := "ok"
	if q.Err != nil {
		status = "error"
	}
	m.queries.WithLabelValues(status).Inc()
	m.queryTime.WithLabelValues(status).Observe(q.Duration.Seconds())
}

// handler serves /metrics and /healthz.
func (m *metrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		m.mu.Lock()
		status := "ok" // answering queries, whatever the builds do
		if m.lastErr != "" {
			status = "ok, last build failed"
		}
		health := map[string]any{"status": status, "building": m.building, "up_seconds": time.Since(m.started).Seconds()}
		if !m.last.IsZero() {
			health["last_publish"] = m.last.UTC().Format(time.RFC3339Nano)
		}
		if m.lastErr != "" {
			health["last_build_error"] = m.lastErr
		}
		m.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(health)
	})
	return mux
}
