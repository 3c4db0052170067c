package lambdart

import (
	"io"
	"sync"
	"time"
)

// tailLimit is how much of an invocation's log InvokeTail returns, as
// Lambda's LogType Tail does (4 KB).
const tailLimit = 4 << 10

// Settling: a process's output reaches the runner through a pipe, so lines
// written just before the response may arrive just after it. take waits
// until nothing has arrived for settleQuiet since it was called or since the
// last write, at most settleMax.
const (
	settleQuiet = 50 * time.Millisecond
	settleMax   = 500 * time.Millisecond
)

// tailWriter is one process's output: it passes everything on to the
// function's log and, while capturing, keeps the end of it for the
// invocation the process runs (one at a time).
type tailWriter struct {
	w io.Writer

	mu        sync.Mutex
	capturing bool
	buf       []byte
	last      time.Time // of the last write
}

func newTailWriter(w io.Writer) *tailWriter { return &tailWriter{w: w} }

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	t.last = time.Now()
	if t.capturing {
		t.buf = append(t.buf, b...)
		if len(t.buf) > 2*tailLimit {
			t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailLimit:]...)
		}
	}
	t.mu.Unlock()
	return t.w.Write(b)
}

// capture starts keeping the output, once what the process wrote before
// (for an earlier invocation) has settled.
func (t *tailWriter) capture() {
	t.settle(func() { t.capturing, t.buf = true, nil })
}

// settle calls f, under the lock, once nothing has been written for
// settleQuiet since settle was called or since the last write, or after
// settleMax.
func (t *tailWriter) settle(f func()) {
	start := time.Now()
	for {
		t.mu.Lock()
		if now := time.Now(); (now.Sub(start) >= settleQuiet && now.Sub(t.last) >= settleQuiet) || now.Sub(start) >= settleMax {
			f()
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		time.Sleep(settleQuiet / 3)
	}
}

// take stops capturing, once the output has settled, and returns the last
// tailLimit bytes kept ("" when not capturing).
func (t *tailWriter) take() string {
	t.mu.Lock()
	capturing := t.capturing
	t.mu.Unlock()
	if !capturing { // the usual invocation: nothing to wait for
		return ""
	}
	var b []byte
	t.settle(func() {
		if t.capturing {
			b = t.buf
		}
		t.capturing, t.buf = false, nil
	})
	if len(b) > tailLimit {
		b = b[len(b)-tailLimit:]
	}
	return string(b)
}
