package ingest_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan/ingest"
	"github.com/cardloop/cardloop/shared/scan/scanfile"
)

// BenchmarkPDF300 reads a 300-page PDF of 200-dpi grey JPEG cards with the
// real reader (storage in memory), with as many workers as cores
// (-cpu 1,2 gives Lambda's 1 vCPU at 1,769 MB and 2 vCPUs at 3,538 MB).
// It reports pages per second and the peak heap in use while reading.
func BenchmarkPDF300(b *testing.B) {
	l := cardlayout.Current()
	gen := synth.New(&l)
	batch, _ := cardprint.NewBatch(time.Now(), rand.Reader)
	var jpegs [][]byte
	for i := range 10 { // 10 distinct cards, each 30 times
		c := synth.Plan(&l, i+1, uint64(i), 0)
		c.Serial = batch.Serial(i)
		c.QR = signer.CardURL("https://x.test", "S001", c.Serial, l.Version)
		c.Damage = synth.Damage{DPI: 200, Rotate: 1, Format: "jpeg", Quality: 85}
		s, err := gen.Render(c)
		if err != nil {
			b.Fatal(err)
		}
		jpegs = append(jpegs, s.Data)
	}
	var pages [][]byte
	for i := range 300 {
		pages = append(pages, jpegs[i%10])
	}
	pdf, err := scanfile.PDF(pages, 200)
	if err != nil {
		b.Fatal(err)
	}
	reader := omr.NewCardReader()
	b.ResetTimer()
	var peak atomic.Uint64
	workers := 0
	for range b.N {
		db := newMemStore(printed)
		in := ingest.NewIngester(&memObjects{data: map[string][]byte{"scans/300.pdf": pdf}}, reader, signer, &memCards{}, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
		in.Workers = runtime.GOMAXPROCS(0) // NumCPU in the function; -cpu here
		workers = in.Workers
		stop := sampleHeap(&peak)
		rep, err := in.File(context.Background(), "scans/300.pdf", time.Now())
		stop()
		if err != nil || rep.Pages != 300 || rep.Rejected != 0 {
			b.Fatalf("report %+v, err %v", rep, err)
		}
	}
	b.ReportMetric(float64(300*b.N)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(workers), "workers")
}

// sampleHeap records the largest heap in use until stop is called.
func sampleHeap(peak *atomic.Uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
