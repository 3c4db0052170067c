// Package lambdart runs a Lambda function's bootstrap binary locally behind a
// fake of the Lambda Runtime API (the /2018-06-01/runtime/... endpoints a
// custom runtime such as aws-lambda-go polls), so that the very binary `sam
// build` would upload answers invocations here. A Function keeps up to
// MaxConcurrency processes, each with its own Runtime API endpoint, starts
// them on demand, kills them on timeout and replaces them when they crash.
package lambdart

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/cardloop/cardloop/infra/childproc"
)

// Config describes a function to run.
type Config struct {
	// Name is the function's name (AWS_LAMBDA_FUNCTION_NAME).
	Name string
	// Label prefixes the function's log lines; Name when empty.
	Label string
	// ARN is the invoked function ARN handed to the runtime.
	ARN string
	// Binary is the path of the built bootstrap executable.
	Binary string
	// Handler is _HANDLER (bootstrap for provided runtimes).
	Handler string
	// MemoryMB is AWS_LAMBDA_FUNCTION_MEMORY_SIZE.
	MemoryMB int
	// Timeout is the function's timeout; an invocation running longer is
	// stopped and its process killed. Default 3 s.
	Timeout time.Duration
	// MaxConcurrency caps the number of processes. Default 4.
	MaxConcurrency int
	// Env holds the function's environment variables (template variables,
	// endpoint and credentials), added to the ones the runtime sets.
	Env map[string]string
	// Log receives the processes' stdout and stderr, one "[Label] " prefixed
	// line at a time, and the runner's notes about them.
	Log io.Writer
}

// FunctionError is returned by Invoke when the function failed: it reported
// an error through the Runtime API, failed to initialise, crashed or timed
// out. Type and Message are what Lambda would report.
type FunctionError struct {
	Type    string
	Message string
	// Payload is the error document as the function posted it.
	Payload []byte
}

func (e *FunctionError) Error() string {
	return fmt.Sprintf("%s: %s", e.Type, e.Message)
}

// ErrClosed is returned by Invoke after Close.
var ErrClosed = errors.New("function closed")

// Function is a locally running Lambda function.
type Function struct {
	cfg    Config
	log    *prefixWriter
	idle   chan *instance
	slots  chan struct{}
	closed chan struct{}
	once   sync.Once

	mu  sync.Mutex
	all map[*instance]bool
}

// New returns a function that starts its processes on demand.
func New(cfg Config) *Function {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.MaxConcurrency <= 0 {
		cfg.MaxConcurrency = 4
	}
	if cfg.MemoryMB <= 0 {
		cfg.MemoryMB = 128
	}
	if cfg.Handler == "" {
		cfg.Handler = "bootstrap"
	}
	if cfg.Label == "" {
		cfg.Label = cfg.Name
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	return &Function{
		cfg:    cfg,
		log:    newPrefixWriter(cfg.Log, "["+cfg.Label+"] "),
		idle:   make(chan *instance, cfg.MaxConcurrency),
		slots:  make(chan struct{}, cfg.MaxConcurrency),
		closed: make(chan struct{}),
		all:    map[*instance]bool{},
	}
}

// Name returns the function's name.
func (f *Function) Name() string { return f.cfg.Name }

// Warm starts one process and waits until it asks for work, so that a
// function that cannot initialise is reported at start-up.
func (f *Function) Warm(ctx context.Context) error {
	in, err := f.acquire(ctx)
	if err != nil {
		return fmt.Errorf("start function %s: %w", f.cfg.Name, err)
	}
	f.release(in)
	return nil
}

// Invoke runs the function once with payload (a JSON event) and returns its
// response document. Function failures are *FunctionError. When ctx ends
// before the function answers, Invoke returns ctx's error and the invocation
// runs on to its end (or timeout) in the background, as in Lambda.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, _, err := f.invoke(ctx, payload, false)
	return out, err
}

// InvokeTail is Invoke that also returns the end of what the function logged
// during the invocation (its last 4 KB), like Lambda's Invoke with LogType
// Tail.
func (f *Function) InvokeTail(ctx context.Context, payload []byte) ([]byte, string, error) {
	return f.invoke(ctx, payload, true)
}

func (f *Function) invoke(ctx context.Context, payload []byte, tail bool) ([]byte, string, error) {
	in, err := f.acquire(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("invoke %s: %w", f.cfg.Name, err)
	}
	if tail {
		in.log.capture()
	}
	inv := &invocation{
		id:       newRequestID(),
		payload:  payload,
		deadline: time.Now().Add(f.cfg.Timeout),
		result:   make(chan result, 1),
	}
	select {
	case in.next <- inv:
	case <-in.exited:
		f.drop(in)
		return nil, in.log.take(), f.exitError(inv, in)
	case <-ctx.Done():
		in.log.take()
		f.release(in)
		return nil, "", ctx.Err()
	}
	// finish waits for the result; the log is taken before the process is
	// released to other work.
	type outcome struct {
		body []byte
		log  string
		err  error
	}
	finish := func() outcome {
		timer := time.NewTimer(time.Until(inv.deadline))
		defer timer.Stop()
		select {
		case r := <-inv.result:
			o := outcome{r.body, in.log.take(), r.err}
			f.release(in)
			return o
		case <-in.exited:
			o := outcome{nil, in.log.take(), f.exitError(inv, in)}
			f.drop(in)
			return o
		case <-timer.C:
			fmt.Fprintf(in.log, "RequestId: %s Task timed out after %.2f seconds\n", inv.id, f.cfg.Timeout.Seconds())
			o := outcome{nil, in.log.take(), &FunctionError{Type: "Sandbox.Timedout", Message: fmt.Sprintf("RequestId: %s Error: Task timed out after %.2f seconds", inv.id, f.cfg.Timeout.Seconds())}}
			f.drop(in)
			return o
		}
	}
	done := make(chan outcome, 1)
	go func() { done <- finish() }()
	select {
	case o := <-done:
		return o.body, o.log, o.err
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
}

func (f *Function) exitError(inv *invocation, in *instance) error {
	if e := in.initError(); e != nil {
		return e
	}
	return &FunctionError{Type: "Runtime.ExitError", Message: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, in.exitStatus())}
}

// Close stops every process of the function.
func (f *Function) Close() error {
	f.once.Do(func() { close(f.closed) })
	f.mu.Lock()
	var ins []*instance
	for in := range f.all {
		ins = append(ins, in)
	}
	f.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.stop()
		}()
	}
	wg.Wait()
	return nil
}

// acquire returns an idle live process, or starts one while fewer than
// MaxConcurrency run, or waits for one to come free.
func (f *Function) acquire(ctx context.Context) (*instance, error) {
	for {
		select {
		case <-f.closed:
			return nil, ErrClosed
		default:
		}
		var in *instance
		select {
		case in = <-f.idle:
		default:
			select {
			case in = <-f.idle:
			case f.slots <- struct{}{}:
				started, err := f.spawn(ctx)
				if err != nil {
					<-f.slots
					return nil, err
				}
				return started, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-f.closed:
				return nil, ErrClosed
			}
		}
		if in.alive() {
			return in, nil
		}
		f.drop(in)
	}
}

// release returns a process to the idle pool after an invocation.
func (f *Function) release(in *instance) {
	select {
	case <-f.closed:
		f.drop(in)
		return
	default:
	}
	if !in.alive() {
		f.drop(in)
		return
	}
	f.idle <- in
}

// drop stops a process and frees its slot.
func (f *Function) drop(in *instance) {
	in.stop()
	f.mu.Lock()
	known := f.all[in]
	delete(f.all, in)
	f.mu.Unlock()
	if known {
		<-f.slots
	}
}

// spawn starts a process with its own Runtime API endpoint and waits until
// it asks for its first invocation.
func (f *Function) spawn(ctx context.Context) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for runtime api: %w", err)
	}
	in := newInstance(f.cfg.ARN)
	in.srv = &http.Server{Handler: in.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = in.srv.Serve(ln) }()

	bin, err := filepath.Abs(f.cfg.Binary)
	if err != nil {
		_ = in.srv.Close()
		return nil, fmt.Errorf("locate %s: %w", f.cfg.Binary, err)
	}
	cmd := exec.Command(bin)
	cmd.Dir = filepath.Dir(bin)
	cmd.Env = f.environ(ln.Addr().String(), filepath.Dir(bin))
	in.log = newTailWriter(f.log)
	cmd.Stdout = in.log
	cmd.Stderr = in.log
	childproc.Prepare(cmd)
	if err := cmd.Start(); err != nil {
		_ = in.srv.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	in.cmd = cmd
	go func() {
		err := cmd.Wait()
		in.setExit(err)
		close(in.exited)
		select {
		case <-in.stopping:
		default:
			fmt.Fprintf(f.log, "process %d exited: %s\n", cmd.Process.Pid, in.exitStatus())
		}
	}()
	f.mu.Lock()
	f.all[in] = true
	f.mu.Unlock()

	const initLimit = 10 * time.Second // Lambda's init phase limit
	timer := time.NewTimer(initLimit)
	defer timer.Stop()
	select {
	case <-in.ready:
		return in, nil
	case <-in.exited:
		f.removeUnslotted(in)
		if e := in.initError(); e != nil {
			return nil, e
		}
		return nil, &FunctionError{Type: "Runtime.ExitError", Message: "Runtime exited during init: " + in.exitStatus()}
	case <-timer.C:
		f.removeUnslotted(in)
		return nil, &FunctionError{Type: "Sandbox.Timedout", Message: "init did not finish within 10 seconds"}
	case <-ctx.Done():
		f.removeUnslotted(in)
		return nil, ctx.Err()
	}
}

// removeUnslotted stops a process whose slot the caller frees itself.
func (f *Function) removeUnslotted(in *instance) {
	in.stop()
	f.mu.Lock()
	delete(f.all, in)
	f.mu.Unlock()
}

func (f *Function) environ(runtimeAPI, taskRoot string) []string {
	env := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"TZ":                              ":UTC",
		"LANG":                            "en_US.UTF-8",
		"AWS_LAMBDA_RUNTIME_API":          runtimeAPI,
		"AWS_LAMBDA_FUNCTION_NAME":        f.cfg.Name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.cfg.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.cfg.Name,
		"AWS_LAMBDA_LOG_STREAM_NAME":      time.Now().UTC().Format("2006/01/02") + "/[$LATEST]local",
		"AWS_LAMBDA_INITIALIZATION_TYPE":  "on-demand",
		"AWS_EXECUTION_ENV":               "AWS_Lambda_provided.al2023",
		"LAMBDA_TASK_ROOT":                taskRoot,
		"LAMBDA_RUNTIME_DIR":              taskRoot,
		"_HANDLER":                        f.cfg.Handler,
	}
	for k, v := range f.cfg.Env {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func childProcStop(cmd *exec.Cmd, exited <-chan struct{}) error {
	return childproc.Stop(cmd, exited, 2*time.Second)
}

// KillBusy kills, with SIGKILL, every process of the function that is
// running an invocation right now, as a crash would: each such Invoke returns
// a Runtime.ExitError, its event source retries, and the next invocation
// starts a fresh process. It returns how many processes it killed (the load
// tool's fault scenario uses it).
func (f *Function) KillBusy() int {
	f.mu.Lock()
	var busy []*instance
	for in := range f.all {
		in.mu.Lock()
		if in.current != nil && in.cmd != nil && in.cmd.Process != nil && in.alive() {
			busy = append(busy, in)
		}
		in.mu.Unlock()
	}
	f.mu.Unlock()
	for _, in := range busy {
		fmt.Fprintf(f.log, "process %d killed mid-invocation (fault injection)\n", in.cmd.Process.Pid)
		_ = syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	}
	return len(busy)
}
