// Package standin is a stand-in for the Pilot daemon's webhook client
// (github.com/pilot-protocol/webhook v0.2.0), re-implemented from its documented semantics
// (test/daemon/README.md, docs/architecture.md "Delivery") because the module itself cannot be downloaded
// here: the Go module proxy answers 403 for the whole github.com/pilot-protocol namespace.
// It is written for the benchmark, not copied: only the behaviour that decides throughput is
// reproduced — one worker posting serially from a buffered channel, retries, breaker.
package standin

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Documented constants of the reference client.
const (
	// QueueSize is the buffered channel's capacity: Emit drops (and counts) beyond it.
	QueueSize = 1024
	// HTTPTimeout bounds one attempt, headers and body together (http.Client.Timeout).
	HTTPTimeout = 5 * time.Second
	// MaxAttempts is the number of attempts in all, not of retries.
	MaxAttempts = 3
	// InitialBackoff is the first wait between attempts; it doubles per attempt.
	InitialBackoff = 1 * time.Second
	// CircuitOpenThreshold consecutive exhausted events open the breaker...
	CircuitOpenThreshold = 5
	// ...for CircuitCooldown; events dequeued meanwhile are skipped and counted.
	CircuitCooldown = 30 * time.Second
	// CloseDrain is how long Close waits for the queue to empty before giving up.
	CloseDrain = 5 * time.Second
	// SignatureHeader carries the hex HMAC-SHA256 of the body when a secret is set.
	SignatureHeader = "X-Pilot-Signature-256"
)

// Event is the JSON body posted for every event.
type Event struct {
	EventID   uint64      `json:"event_id"`
	Event     string      `json:"event"`
	NodeID    uint32      `json:"node_id"`
	Timestamp time.Time   `json:"timestamp"`
	Data      interface{} `json:"data,omitempty"`
}

// Option configures a Client.
type Option func(*Client)

// WithSecret signs every body.
func WithSecret(s string) Option { return func(c *Client) { c.secret = []byte(s) } }

// WithHTTPTimeout replaces the per-attempt timeout.
func WithHTTPTimeout(d time.Duration) Option { return func(c *Client) { c.http.Timeout = d } }

// WithRetryBackoff replaces the first wait between attempts.
func WithRetryBackoff(d time.Duration) Option { return func(c *Client) { c.backoff = d } }

// WithCircuitCooldown replaces the breaker's open time.
func WithCircuitCooldown(d time.Duration) Option { return func(c *Client) { c.cooldown = d } }

// WithResultHook is the benchmark's addition (not in the reference): called by the worker after
// each event is finished, so a harness knows when all of them are done without polling.
func WithResultHook(f func(delivered bool)) Option { return func(c *Client) { c.onResult = f } }

// Client posts events to one URL from a single worker goroutine, in order.
type Client struct {
	url      string
	nodeID   func() uint32
	http     *http.Client
	secret   []byte
	backoff  time.Duration
	cooldown time.Duration
	onResult func(bool)

	queue  chan *Event
	mu     sync.RWMutex // guards closed against Emit racing Close (a send on a closed channel panics)
	closed bool
	stop   context.CancelFunc
	ctx    context.Context
	done   chan struct{}

	nextID       atomic.Uint64
	dropped      atomic.Uint64
	circuitSkips atomic.Uint64

	// worker-only state: no lock needed
	consecutiveFailures int
	openUntil           time.Time
}

// NewClient starts the worker; it returns nil for an empty URL (every call is then a no-op).
func NewClient(url string, nodeID func() uint32, opts ...Option) *Client {
	if url == "" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		url:      url,
		nodeID:   nodeID,
		http:     &http.Client{Timeout: HTTPTimeout},
		backoff:  InitialBackoff,
		cooldown: CircuitCooldown,
		queue:    make(chan *Event, QueueSize),
		ctx:      ctx,
		stop:     cancel,
		done:     make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	go c.work()
	return c
}

// Emit never blocks: with the channel full the event is dropped and counted.
func (c *Client) Emit(event string, data interface{}) {
	if c == nil {
		return
	}
	ev := &Event{EventID: c.nextID.Add(1), Event: event, NodeID: c.nodeID(), Timestamp: time.Now().UTC(), Data: data}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return
	}
	select {
	case c.queue <- ev:
	default:
		c.dropped.Add(1)
	}
}

// Dropped counts events refused because the queue was full.
func (c *Client) Dropped() uint64 { return c.dropped.Load() }

// CircuitSkips counts events not sent because the breaker was open.
func (c *Client) CircuitSkips() uint64 { return c.circuitSkips.Load() }

// Queued is the benchmark's addition: events waiting in the channel.
func (c *Client) Queued() int { return len(c.queue) }

// Close stops accepting, lets the worker drain for up to CloseDrain, then cancels it.
func (c *Client) Close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.queue)
	}
	c.mu.Unlock()
	select {
	case <-c.done:
	case <-time.After(CloseDrain):
		c.stop()
		<-c.done
	}
	c.stop()
}

func (c *Client) work() {
	defer close(c.done)
	for ev := range c.queue {
		if c.ctx.Err() != nil {
			return
		}
		ok := c.post(ev)
		if c.onResult != nil {
			c.onResult(ok)
		}
	}
}

// post delivers one event with retries; true when the receiver answered below 400.
func (c *Client) post(ev *Event) bool {
	// The breaker is consulted when the event is taken off the queue, not at Emit.
	if c.consecutiveFailures >= CircuitOpenThreshold && time.Now().Before(c.openUntil) {
		c.circuitSkips.Add(1)
		return false
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return false
	}
	wait := c.backoff
	for attempt := 1; attempt <= MaxAttempts; attempt++ {
		if attempt > 1 {
			select {
			case <-time.After(wait):
			case <-c.ctx.Done():
				return false
			}
			wait *= 2
		}
		status, err := c.attempt(body)
		if err == nil && status < 400 {
			c.consecutiveFailures = 0
			return true
		}
		if err == nil && status < 500 {
			return false // 4xx: permanent, not retried, not counted by the breaker
		}
	}
	c.consecutiveFailures++
	if c.consecutiveFailures >= CircuitOpenThreshold {
		c.openUntil = time.Now().Add(c.cooldown)
	}
	return false
}

func (c *Client) attempt(body []byte) (int, error) {
	req, err := http.NewRequestWithContext(c.ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if len(c.secret) > 0 {
		mac := hmac.New(sha256.New, c.secret)
		mac.Write(body)
		req.Header.Set(SignatureHeader, hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	// Read to the end so the keep-alive connection goes back to the pool.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
