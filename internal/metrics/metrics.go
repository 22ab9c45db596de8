// Package metrics holds nashra's Prometheus metrics: editions built, sends
// by result, send latency, queue depth, the ledger of today's edition and
// HTTP requests by path and status. Each process has one Metrics with its
// own registry (no global state), served at /metrics.
//
// Counters and the histogram count what this process did; the gauges
// (queue depth, ledger) are read from the shared database when scraped (at
// most once per DefaultGaugeCache), so every node reports the same
// cluster-wide figures for them.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric.
const Namespace = "nashra"

// Metrics is one process's set of metrics.
type Metrics struct {
	reg *prometheus.Registry

	editions    *prometheus.CounterVec
	sends       *prometheus.CounterVec
	sendLatency prometheus.Histogram
	requests    *prometheus.CounterVec
	reqCache    sync.Map // requestKey -> prometheus.Counter
	db          *dbCollector
}

// New returns the metrics of one process, with Go runtime and process
// collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.editions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "editions_built_total",
		Help: "Edition jobs finished by this process, by result (completed, error).",
	}, []string{"result"})
	m.sends = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "sends_total",
		Help: "Send attempts made by this process, by result (sent, assumed-sent, skipped, failed, retry).",
	}, []string{"result"})
	m.sendLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "send_duration_seconds",
		Help:    "Time to run one send job: ledger claim, render, SMTP transaction, ledger mark.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16), // 1 ms … 33 s
	})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Name: "http_requests_total",
		Help: "HTTP requests served, by route (feed paths, with category slugs folded) and status code.",
	}, []string{"path", "status"})
	m.reg.MustRegister(m.editions, m.sends, m.sendLatency, m.requests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry behind Handler (to add collectors in tests).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Edition records a finished edition job: result is "completed" (built,
// or nothing new that day) or "error".
func (m *Metrics) Edition(result string) { m.editions.WithLabelValues(result).Inc() }

// Send records one send attempt and how long its job ran.
func (m *Metrics) Send(result string, took time.Duration) {
	m.sends.WithLabelValues(result).Inc()
	if took > 0 {
		m.sendLatency.Observe(took.Seconds())
	}
}

// SendLatency records how long one send job ran.
func (m *Metrics) SendLatency(took time.Duration) { m.sendLatency.Observe(took.Seconds()) }

// Request records one HTTP request. The counter of each (route, status)
// pair is looked up once and kept: feed requests are the hot path.
func (m *Metrics) Request(path string, status int) {
	key := requestKey{Route(path), status}
	if c, ok := m.reqCache.Load(key); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c := m.requests.WithLabelValues(key.route, strconv.Itoa(status))
	m.reqCache.Store(key, c)
	c.Inc()
}

type requestKey struct {
	route  string
	status int
}

// Route folds a request path into a bounded set of labels: the feed paths
// as they are, category feeds with the slug replaced by {slug}, article
// and edition pages by their pattern, anything else as "other".
func Route(p string) string {
	switch p {
	case "/", "/index.html", "/feed.xml", "/atom.xml", "/feed.json",
		"/healthz", "/readyz", "/metrics", "/subscribe":
		return p
	}
	if rest, ok := strings.CutPrefix(p, "/categories/"); ok {
		if _, file, ok := strings.Cut(rest, "/"); ok {
			switch file {
			case "feed.xml":
				return "/categories/{slug}/feed.xml"
			case "atom.xml":
				return "/categories/{slug}/atom.xml"
			case "feed.json":
				return "/categories/{slug}/feed.json"
			}
		}
		return "/categories/other"
	}
	if strings.HasPrefix(p, "/articles/") {
		return "/articles/{slug}"
	}
	if strings.HasPrefix(p, "/digest/") {
		return "/digest/{date}"
	}
	return "other"
}

// Gauges reads figures shared by every node from the database at scrape
// time. Each func returns counts by label value (a state).
type Gauges struct {
	// QueueDepth counts the send jobs not yet finished by River state
	// (available, pending, running, retryable, scheduled).
	QueueDepth func(ctx context.Context) (map[string]int, error)
	// Ledger counts the deliveries of today's edition by state (pending,
	// sending, sent, retrying, failed).
	Ledger func(ctx context.Context) (map[string]int, error)
	// Followers counts the confirmed subscribers following each
	// newsletter, by slug.
	Followers func(ctx context.Context) (map[string]int, error)
	// Timeout bounds one scrape's queries (default 3s).
	Timeout time.Duration
	// CacheFor is how long the figures read are served again without a
	// query (default DefaultGaugeCache; negative: never), so that
	// frequent or concurrent scrapes cost the database one read.
	CacheFor time.Duration
}

// DefaultGaugeCache is how long the database gauges are reused.
const DefaultGaugeCache = 5 * time.Second

// AddGauges registers the database-backed gauges. Call it once.
func (m *Metrics) AddGauges(g Gauges) {
	if g.Timeout <= 0 {
		g.Timeout = 3 * time.Second
	}
	if g.CacheFor == 0 {
		g.CacheFor = DefaultGaugeCache
	}
	m.db = &dbCollector{g: g, now: time.Now,
		depth:  prometheus.NewDesc(Namespace+"_queue_jobs", "Send jobs in the shared queue not yet finished, by state.", []string{"state"}, nil),
		led:    prometheus.NewDesc(Namespace+"_deliveries", "Deliveries of today's edition in the shared ledger, by state.", []string{"state"}, nil),
		up:     prometheus.NewDesc(Namespace+"_database_up", "1 when the last scrape could read the queue and the ledger.", nil, nil),
		follow: prometheus.NewDesc(Namespace+"_newsletter_followers", "Confirmed subscribers following each newsletter.", []string{"newsletter"}, nil),
	}
	m.reg.MustRegister(m.db)
}

type dbCollector struct {
	g                      Gauges
	depth, led, up, follow *prometheus.Desc
	now                    func() time.Time

	mu     sync.Mutex // one reader at a time; guards the cache
	cached []prometheus.Metric
	at     time.Time
}

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.led
	ch <- c.up
	ch <- c.follow
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.cached == nil || c.g.CacheFor < 0 || now.Sub(c.at) >= c.g.CacheFor {
		c.cached, c.at = c.read(), now
	}
	for _, m := range c.cached {
		ch <- m
	}
}

// read queries the database for the gauges.
func (c *dbCollector) read() []prometheus.Metric {
	ctx, cancel := context.WithTimeout(context.Background(), c.g.Timeout)
	defer cancel()
	var out []prometheus.Metric
	up := 1.0
	emit := func(d *prometheus.Desc, f func(context.Context) (map[string]int, error)) {
		if f == nil {
			return
		}
		counts, err := f(ctx)
		if err != nil {
			up = 0
			return
		}
		for label, n := range counts {
			out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), label))
		}
	}
	emit(c.depth, c.g.QueueDepth)
	emit(c.led, c.g.Ledger)
	emit(c.follow, c.g.Followers)
	return append(out, prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up))
}
