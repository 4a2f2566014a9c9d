// Package metrics holds the Prometheus collectors of issueops. Each adapter
// declares the small interface it records through; this package implements
// them all and serves GET /metrics.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is a registry with issueops' collectors.
type Metrics struct {
	registry   *prometheus.Registry
	deliveries *prometheus.CounterVec
	jobs       *prometheus.HistogramVec
	jobErrors  *prometheus.CounterVec
	github     *prometheus.CounterVec
	recovered  prometheus.Counter
	redeliver  *prometheus.CounterVec
	recoveryKO *prometheus.CounterVec
}

// New registers the collectors, with Go runtime and process metrics.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "issueops_deliveries_total",
			Help: "Webhook deliveries by event and outcome (accepted, duplicate, ignored, rejected, unavailable).",
		}, []string{"event", "outcome"}),
		jobs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "issueops_job_duration_seconds",
			Help:    "Time to process one delivery job, by event and outcome (processed, retried, snoozed, failed).",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"event", "outcome"}),
		jobErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "issueops_job_failures_total",
			Help: "Delivery jobs that did not succeed, by event and outcome (retried, snoozed, failed).",
		}, []string{"event", "outcome"}),
		github: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "issueops_github_requests_total",
			Help: "GitHub API requests by route template and status (0: no response).",
		}, []string{"route", "status"}),
	}
	m.recovered = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "issueops_deliveries_recovered_total",
		Help: "Missed webhook deliveries whose redelivery GitHub accepted (202).",
	})
	m.redeliver = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "issueops_redelivery_requests_total",
		Help: "Redelivery requests to GitHub by status (accepted, rejected, rate_limited, failed).",
	}, []string{"status"})
	m.recoveryKO = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "issueops_recovery_failures_total",
		Help: "Delivery recovery passes that did not finish, by reason (rate_limited, error); the next pass retries.",
	}, []string{"reason"})
	m.registry.MustRegister(m.deliveries, m.jobs, m.jobErrors, m.github, m.recovered, m.redeliver, m.recoveryKO,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Delivery counts one delivery.
func (m *Metrics) Delivery(event, outcome string) {
	m.deliveries.WithLabelValues(event, outcome).Inc()
}

// JobDone records one job run.
func (m *Metrics) JobDone(event, outcome string, d time.Duration) {
	m.jobs.WithLabelValues(event, outcome).Observe(d.Seconds())
	if outcome != "processed" {
		m.jobErrors.WithLabelValues(event, outcome).Inc()
	}
}

// GitHubRequest counts one GitHub API request.
func (m *Metrics) GitHubRequest(route string, status int) {
	m.github.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

// RedeliveryRequested counts one redelivery request by status; an accepted
// one is a recovered delivery.
func (m *Metrics) RedeliveryRequested(status string) {
	m.redeliver.WithLabelValues(status).Inc()
	if status == "accepted" {
		m.recovered.Inc()
	}
}

// RecoveryFailed counts one recovery pass that did not finish.
func (m *Metrics) RecoveryFailed(reason string) {
	m.recoveryKO.WithLabelValues(reason).Inc()
}
