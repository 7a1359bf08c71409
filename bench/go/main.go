// Benchmark harness for the Go reference stand-in: emits N events to -url through
// standin.Client and prints one JSON line with events/s. The emitter keeps the queue below its
// capacity (waiting for results, never spinning) so no event is dropped and the figure is the
// client's delivery rate, not its drop rate.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
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
}

func main() {
	url := flag.String("url", "", "receiver URL")
	n := flag.Int("n", 50000, "events to time")
	warmup := flag.Int("warmup", 1000, "events sent first, not timed")
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

	emit(*warmup)
	before := delivered.Load()
	start := time.Now()
	emit(*n)
	secs := time.Since(start).Seconds()
	c.Close()

	out := result{
		Impl: "go-standin", Label: label, Events: *n, Seconds: secs,
		EventsPerSec: float64(*n) / secs,
		Delivered:    delivered.Load() - before, Failed: failed.Load(),
		Dropped: c.Dropped(), CircuitSkips: c.CircuitSkips(),
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	if out.Dropped != 0 || out.Failed != 0 || out.Delivered != uint64(*n) {
		os.Exit(1)
	}
}
