package lambdart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// Runtime API paths (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html).
const (
	pathNext      = "/2018-06-01/runtime/invocation/next"
	pathInvoke    = "/2018-06-01/runtime/invocation/"
	pathInitError = "/2018-06-01/runtime/init/error"
)

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	result   chan result
}

type result struct {
	body []byte
	err  error
}

// instance is one process of a function and its Runtime API endpoint.
type instance struct {
	arn      string
	cmd      *exec.Cmd
	log      *tailWriter // the process's output
	srv      *http.Server
	next     chan *invocation
	ready    chan struct{}
	exited   chan struct{}
	stopping chan struct{}

	readyOnce sync.Once
	stopOnce  sync.Once

	mu      sync.Mutex
	current *invocation
	initErr *FunctionError
	exitErr error
}

func newInstance(arn string) *instance {
	return &instance{
		arn:      arn,
		next:     make(chan *invocation),
		ready:    make(chan struct{}),
		exited:   make(chan struct{}),
		stopping: make(chan struct{}),
	}
}

func (in *instance) alive() bool {
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

func (in *instance) setExit(err error) {
	in.mu.Lock()
	in.exitErr = err
	in.mu.Unlock()
}

func (in *instance) exitStatus() string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.exitErr == nil {
		return "exit status 0"
	}
	return in.exitErr.Error()
}

func (in *instance) initError() *FunctionError {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.initErr
}

// stop kills the process and closes its endpoint.
func (in *instance) stop() {
	in.stopOnce.Do(func() {
		close(in.stopping)
		if in.cmd != nil {
			_ = childProcStop(in.cmd, in.exited)
		}
		if in.srv != nil {
			_ = in.srv.Close()
		}
	})
}

func (in *instance) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathNext, in.handleNext)
	mux.HandleFunc("POST "+pathInvoke+"{id}/response", in.handleResponse)
	mux.HandleFunc("POST "+pathInvoke+"{id}/error", in.handleError)
	mux.HandleFunc("POST "+pathInitError, in.handleInitError)
	return mux
}

func (in *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	in.readyOnce.Do(func() { close(in.ready) })
	select {
	case inv := <-in.next:
		in.mu.Lock()
		in.current = inv
		in.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", in.arn)
		h.Set("Lambda-Runtime-Trace-Id", traceID())
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(inv.payload)
	case <-r.Context().Done():
		// The process is being stopped (its connection closes) or went away.
	}
}

// take removes and returns the current invocation if its id is id.
func (in *instance) take(id string) *invocation {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.current == nil || in.current.id != id {
		return nil
	}
	inv := in.current
	in.current = nil
	return inv
}

func (in *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, "read response: "+err.Error())
		return
	}
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		writeInvalidID(w)
		return
	}
	inv.result <- result{body: body}
	writeStatus(w, http.StatusAccepted, "OK")
}

// errorDoc is the error document a runtime posts.
type errorDoc struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func (in *instance) handleError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	inv := in.take(r.PathValue("id"))
	if inv == nil {
		writeInvalidID(w)
		return
	}
	inv.result <- result{err: functionError(r, body)}
	writeStatus(w, http.StatusAccepted, "OK")
}

func (in *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fe := functionError(r, body)
	in.mu.Lock()
	in.initErr = fe
	in.mu.Unlock()
	writeStatus(w, http.StatusAccepted, "OK")
}

func functionError(r *http.Request, body []byte) *FunctionError {
	var doc errorDoc
	_ = json.Unmarshal(body, &doc)
	typ := doc.ErrorType
	if typ == "" {
		typ = r.Header.Get("Lambda-Runtime-Function-Error-Type")
	}
	if typ == "" {
		typ = "Unhandled"
	}
	msg := doc.ErrorMessage
	if msg == "" {
		msg = string(bytes.TrimSpace(body))
	}
	return &FunctionError{Type: typ, Message: msg, Payload: body}
}

func writeStatus(w http.ResponseWriter, code int, status string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": status})
}

func writeInvalidID(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = io.WriteString(w, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
}

func traceID() string {
	id := newRequestID()
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", time.Now().Unix(), id[:8]+id[9:13]+id[14:18]+id[19:23], id[24:])
}

// prefixWriter writes whole lines, each with a prefix, to a shared writer.
type prefixWriter struct {
	w      io.Writer
	prefix string
	mu     sync.Mutex
	buf    []byte
}

var outputMu sync.Mutex // serialises lines of all functions on shared writers

func newPrefixWriter(w io.Writer, prefix string) *prefixWriter {
	return &prefixWriter{w: w, prefix: prefix}
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := p.buf[:i+1]
		outputMu.Lock()
		_, err := io.WriteString(p.w, p.prefix+string(line))
		outputMu.Unlock()
		p.buf = p.buf[i+1:]
		if err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}
