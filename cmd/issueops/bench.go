package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/store"
	"github.com/issueops/issueops/handlers"
)

const benchHelp = `Usage: issueops bench [flags]

Loads a running server with signed issue_comment deliveries and reports what it saw.

  --mode intake    N deliveries with distinct ids, plus a share of repeated ids, at
                   concurrency C; waits until every job is done (read from the
                   server's database) and prints deliveries/s, ack latency, processed,
                   duplicates run and lost.
  --mode reaction  /help comments at a steady rate against a zero-latency fake GitHub
                   that this command serves on --fake-github (start the server with
                   --github-url http://<that address>/ --github-token bench); prints the
                   time from sending a comment to the fake receiving the 👀 reaction.
`

type benchConfig struct {
	url, secret, databaseURL, mode, fakeAddr string
	deliveries, concurrency, rate            int
	duplicates                               float64
	wait, duration                           time.Duration
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchHelp, stderr)
	e := newEnvFlags(fs, getenv)
	var c benchConfig
	fs.StringVar(&c.url, "url", "http://127.0.0.1:8080", "base URL of the running server")
	e.str(&c.secret, "webhook-secret", "ISSUEOPS_WEBHOOK_SECRET", "", "the server's webhook secret (its first one)")
	e.str(&c.databaseURL, "database-url", "ISSUEOPS_DATABASE_URL", "",
		"the server's database, read to check that every job ran once; empty: do not wait")
	fs.StringVar(&c.mode, "mode", "intake", "intake or reaction")
	fs.IntVar(&c.deliveries, "deliveries", 100000, "intake: distinct deliveries to send")
	fs.IntVar(&c.concurrency, "concurrency", 64, "intake: requests in flight")
	fs.Float64Var(&c.duplicates, "duplicates", 0.05, "intake: repeated ids sent, as a share of --deliveries")
	fs.DurationVar(&c.wait, "wait", 15*time.Minute, "intake: how long to wait for every job to be done")
	fs.IntVar(&c.rate, "rate", 100, "reaction: comments per second")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "reaction: how long to send")
	fs.StringVar(&c.fakeAddr, "fake-github", "127.0.0.1:9999", "reaction: address to serve the fake GitHub on")
	if err := e.parse(args); err != nil {
		return err
	}
	if c.secret == "" {
		return usagef("--webhook-secret is required")
	}
	c.secret, _, _ = strings.Cut(c.secret, ",")
	switch c.mode {
	case "intake":
		return benchIntake(ctx, c, stdout)
	case "reaction":
		return benchReaction(ctx, c, stdout)
	default:
		return usagef("--mode must be intake or reaction")
	}
}

// benchDelivery is one signed delivery ready to send.
type benchDelivery struct {
	id, signature string
	body          []byte
}

func newBenchDelivery(secret []byte, runID string, n int, commentBody string) benchDelivery {
	body := fmt.Appendf(nil, `{"action":"created","issue":{"number":1,"title":"bench"},`+
		`"comment":{"id":%d,"body":%q,"user":{"login":"bench-user","type":"User"}},`+
		`"repository":{"name":"bench","full_name":"bench/bench","owner":{"login":"bench"}},`+
		`"sender":{"login":"bench-user","type":"User"},"installation":{"id":1}}`, n+1, commentBody)
	return benchDelivery{id: runID + "-" + strconv.Itoa(n), body: body, signature: handlers.Sign(secret, body)}
}

func newRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "bench-" + hex.EncodeToString(b)
}

type sendResult struct {
	status  int
	latency time.Duration
}

func send(client *http.Client, url string, d benchDelivery) sendResult {
	req, _ := http.NewRequest(http.MethodPost, url+"/webhook", bytes.NewReader(d.body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "issue_comment")
	req.Header.Set("X-GitHub-Delivery", d.id)
	req.Header.Set("X-Hub-Signature-256", d.signature)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return sendResult{latency: time.Since(start)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return sendResult{status: resp.StatusCode, latency: time.Since(start)}
}

func benchClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, IdleConnTimeout: time.Minute}}
}

func benchIntake(ctx context.Context, c benchConfig, stdout io.Writer) error {
	runID := newRunID()
	secret := []byte(c.secret)
	dups := int(float64(c.deliveries) * c.duplicates)
	total := c.deliveries + dups
	client := benchClient(c.concurrency)
	order := sendOrder(c.deliveries, dups)
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, total)
		statuses  = map[int]int{}
		wg        sync.WaitGroup
	)
	fmt.Fprintf(stdout, "run %s: %d deliveries + %d repeated ids, concurrency %d, to %s\n", runID, c.deliveries, dups, c.concurrency, c.url)
	start := time.Now()
	for range c.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, total/c.concurrency+1)
			localStatus := map[int]int{}
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= total {
					break
				}
				n := order[i]
				r := send(client, c.url, newBenchDelivery(secret, runID, n, "thanks, looks good to me"))
				local = append(local, r.latency)
				localStatus[r.status]++
			}
			mu.Lock()
			latencies = append(latencies, local...)
			for s, k := range localStatus {
				statuses[s] += k
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Fprintf(stdout, "sent %d in %s: %.0f deliveries/s\n", len(latencies), elapsed.Round(time.Millisecond), float64(len(latencies))/elapsed.Seconds())
	fmt.Fprintf(stdout, "ack latency: %s\n", percentiles(latencies))
	fmt.Fprintf(stdout, "statuses: %v\n", statuses)
	if c.databaseURL == "" {
		return nil
	}
	notAcked := len(latencies) - statuses[http.StatusAccepted] - statuses[http.StatusOK]
	if notAcked > 0 {
		fmt.Fprintf(stdout, "not acknowledged (no 2xx): %d\n", notAcked)
	}
	err := waitForJobs(ctx, c, runID, statuses[http.StatusAccepted], stdout)
	if err == nil && notAcked > 0 {
		err = fmt.Errorf("%d deliveries not acknowledged", notAcked)
	}
	return err
}

// sendOrder is every delivery number once plus dups repeats of random ones,
// shuffled: a repeat may even race its original, as a GitHub redelivery can.
func sendOrder(deliveries, dups int) []int {
	order := make([]int, 0, deliveries+dups)
	for i := range deliveries {
		order = append(order, i)
	}
	for range dups {
		order = append(order, mrand.IntN(deliveries))
	}
	mrand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// waitForJobs reads the server's database until every accepted delivery of
// the run is processed, then reports lost and twice-run deliveries.
func waitForJobs(ctx context.Context, c benchConfig, runID string, accepted int, stdout io.Writer) error {
	st, err := store.Open(ctx, c.databaseURL, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	deadline := start.Add(c.wait)
	var s store.Stats
	for {
		s, err = st.Stats(ctx, runID+"-")
		if err != nil {
			return err
		}
		if s.Processed+s.Ignored+s.Failed >= accepted || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	lost := max(accepted-s.Processed-s.Ignored-s.Failed, 0)
	fmt.Fprintf(stdout, "jobs done %s after the last ack\n", time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "accepted %d, stored %d, processed %d, failed %d, duplicates run %d, lost %d\n",
		accepted, s.Stored, s.Processed, s.Failed, s.RunTwice, lost)
	if lost > 0 || s.RunTwice > 0 || s.Failed > 0 {
		return fmt.Errorf("%d lost, %d run more than once, %d failed", lost, s.RunTwice, s.Failed)
	}
	return nil
}

func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no samples"
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[min(int(p*float64(len(ds))), len(ds)-1)] }
	return fmt.Sprintf("p50 %s, p99 %s, max %s (%d samples)", at(0.50).Round(time.Microsecond),
		at(0.99).Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond), len(ds))
}

// benchReaction sends /help comments at a steady rate and measures, on a fake
// GitHub it serves itself, when each comment's 👀 reaction arrives.
func benchReaction(ctx context.Context, c benchConfig, stdout io.Writer) error {
	ln, err := net.Listen("tcp", c.fakeAddr)
	if err != nil {
		return fmt.Errorf("fake GitHub: %w", err)
	}
	fake := githubtest.New(githubtest.Options{Tokens: []string{"bench"}, Listener: ln})
	defer fake.Close()
	runID := newRunID()
	secret := []byte(c.secret)
	var (
		mu      sync.Mutex
		sentAt  = map[int64]time.Time{}
		results []time.Duration
	)
	fake.OnRequest(func(r githubtest.Request) {
		if r.Method != http.MethodPost || r.Status >= 300 {
			return
		}
		var id int64
		if _, err := fmt.Sscanf(r.Path, "/repos/bench/bench/issues/comments/%d/reactions", &id); err != nil {
			return
		}
		mu.Lock()
		if t, ok := sentAt[id]; ok {
			results = append(results, time.Since(t))
			delete(sentAt, id)
		}
		mu.Unlock()
	})
	client := benchClient(16)
	n := int(c.duration.Seconds() * float64(c.rate))
	fmt.Fprintf(stdout, "run %s: %d /help comments at %d/s; fake GitHub on %s\n", runID, n, c.rate, fake.URL)
	ticker := time.NewTicker(time.Second / time.Duration(c.rate))
	defer ticker.Stop()
	var wg sync.WaitGroup
	for i := 0; i < n && ctx.Err() == nil; i++ {
		<-ticker.C
		d := newBenchDelivery(secret, runID, i, "/help")
		mu.Lock()
		sentAt[int64(i+1)] = time.Now()
		mu.Unlock()
		wg.Add(1)
		go func() { defer wg.Done(); send(client, c.url, d) }()
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		pending := len(sentAt)
		mu.Unlock()
		if pending == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	fmt.Fprintf(stdout, "comment → 👀: %s; %d without a reaction after 30s\n", percentiles(results), len(sentAt))
	return nil
}
