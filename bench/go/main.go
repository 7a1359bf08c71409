// Benchmark harness for the Go reference stand-in. Two modes, one JSON line out:
//   -n N                 emits N events to -url through standin.Client as fast as it delivers
//                        them. The emitter keeps the queue below its capacity (waiting for
//                        results, never spinning) so no event is dropped and the figure is the
//                        client's delivery rate, not its drop rate.
//   -rate R -seconds S   emits R events per second for S seconds whatever happens (as the daemon
//                        does: Emit never waits), then lets the queue drain; reports how many the
//                        full queue dropped. The hop benchmark looks for the highest R with none.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"pilotbench/gostandin/standin"
)

// Label printed with every result, so no reader mistakes it for the daemon's own module.
const label = "Go reference stand-in (re-implemented from the plugin's semantics; the module itself is not downloadable here)"

// highWater keeps the channel short of full: the emitter waits for a result above it.
const highWater = standin.QueueSize - 24

type result struct {
	Impl         string  `json:"impl"`
	Label        string  `json:"label"`
	Events       int     `json:"events"`
	Seconds      float64 `json:"seconds"`
	EventsPerSec float64 `json:"eventsPerSec"`
	Delivered    uint64  `json:"delivered"`
	Failed       uint64  `json:"failed"`
	Dropped      uint64  `json:"dropped"`
	CircuitSkips uint64  `json:"circuitSkips"`
	// CPUUsPerEvent is the process's user+system CPU over the timed phase, per event: the figure a
	// loaded machine disturbs least (waiting for a core costs wall time, not CPU time).
	CPUUsPerEvent float64 `json:"cpuUsPerEvent"`
}

// cpuMicros is the user+system CPU time this process has used so far.
func cpuMicros() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec)*1e6 + float64(ru.Utime.Usec+ru.Stime.Usec)
}

func main() {
	url := flag.String("url", "", "receiver URL")
	n := flag.Int("n", 50000, "events to time")
	warmup := flag.Int("warmup", 1000, "events sent first, not timed")
	rate := flag.Float64("rate", 0, "paced mode: events per second, emitted on schedule")
	seconds := flag.Float64("seconds", 10, "paced mode: how long to emit")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "-url is required")
		os.Exit(2)
	}

	var delivered, failed atomic.Uint64
	progress := make(chan struct{}, 1)
	c := standin.NewClient(*url, func() uint32 { return 1 }, standin.WithResultHook(func(ok bool) {
		if ok {
			delivered.Add(1)
		} else {
			failed.Add(1)
		}
		select {
		case progress <- struct{}{}:
		default:
		}
	}))
	data := map[string]interface{}{"peer": "bench", "size": 128}
	emit := func(count int) {
		target := delivered.Load() + failed.Load() + uint64(count)
		for i := 0; i < count; i++ {
			for c.Queued() >= highWater {
				<-progress
			}
			c.Emit("message.received", data)
		}
		for delivered.Load()+failed.Load() < target {
			select {
			case <-progress:
			case <-time.After(time.Millisecond):
			}
		}
	}

	if *rate > 0 {
		// Warm the connection and the receiver's path without pressure, then pace.
		emit(*warmup)
		paced(c, &delivered, &failed, *rate, *seconds)
		return
	}

	emit(*warmup)
	before := delivered.Load()
	cpu0 := cpuMicros()
	start := time.Now()
	emit(*n)
	secs := time.Since(start).Seconds()
	cpu := cpuMicros() - cpu0
	c.Close()

	out := result{
		Impl: "go-standin", Label: label, Events: *n, Seconds: secs,
		EventsPerSec: float64(*n) / secs,
		Delivered:    delivered.Load() - before, Failed: failed.Load(),
		Dropped: c.Dropped(), CircuitSkips: c.CircuitSkips(),
		CPUUsPerEvent: cpu / float64(*n),
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	if out.Dropped != 0 || out.Failed != 0 || out.Delivered != uint64(*n) {
		os.Exit(1)
	}
}

// pacedResult is the paced mode's line: what the sender dropped at that rate.
type pacedResult struct {
	Impl      string  `json:"impl"`
	Rate      float64 `json:"rate"`
	Seconds   float64 `json:"seconds"`
	Emitted   int     `json:"emitted"`
	Delivered uint64  `json:"delivered"`
	Failed    uint64  `json:"failed"`
	Dropped   uint64  `json:"dropped"`
	// MaxQueued is the deepest the channel got, sampled at every pacing tick.
	MaxQueued int `json:"maxQueued"`
}

// pacingTick is how often the emitter catches up with its schedule (event i is due at i/rate).
const pacingTick = time.Millisecond

func paced(c *standin.Client, delivered, failed *atomic.Uint64, rate, seconds float64) {
	base := delivered.Load()
	total := int(rate * seconds)
	data := map[string]interface{}{"peer": "bench", "size": 128}
	start := time.Now()
	emitted, maxQueued := 0, 0
	for emitted < total {
		due := int(time.Since(start).Seconds()*rate) + 1
		if due > total {
			due = total
		}
		for ; emitted < due; emitted++ {
			c.Emit("message.received", data)
		}
		if q := c.Queued(); q > maxQueued {
			maxQueued = q
		}
		time.Sleep(pacingTick)
	}
	elapsed := time.Since(start).Seconds()
	c.Close() // drains what is queued (up to its 5 s)
	out := pacedResult{
		Impl: "go-standin", Rate: rate, Seconds: elapsed, Emitted: emitted,
		Delivered: delivered.Load() - base, Failed: failed.Load(),
		Dropped: c.Dropped(), MaxQueued: maxQueued,
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
