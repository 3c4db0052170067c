package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/setup"
)

// Fault modes of faultProxy.
const (
	faultPass = "pass" // every request goes through to the emulator
	faultFail = "fail" // DynamoDB answers 500 InternalServerError, as it does when it is unwell
	faultHang = "hang" // no answer until the mode changes or the caller gives up
)

// faultProxy stands between one function and the emulator's DynamoDB (the
// function's AWS_ENDPOINT_URL_DYNAMODB points at it, so its other AWS calls
// go to the emulator directly) and makes the table unreachable on command:
// POST /_fault?mode=fail|hang|pass sets the mode, GET /_fault tells the
// mode and how many requests were refused (failed or held). The browser tests use it to
// show the diner's form a 503 and let it send the same card again.
type faultProxy struct {
	*httptest.Server
	mu      sync.Mutex
	mode    string
	refused int
	changed chan struct{} // closed when the mode changes (wakes hanging requests)
}

// newFaultProxy starts a proxy to the emulator at endpoint, passing
// everything; it stops with the test.
func newFaultProxy(t testing.TB, endpoint string) *faultProxy {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	f := &faultProxy{mode: faultPass, changed: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(target)
	// A held request whose caller has left is noticed only when it is let
	// through; it has no one to answer.
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_fault" {
			f.control(w, r)
			return
		}
		mode, changed := f.state()
		if mode == faultHang {
			f.count()
			select {
			case <-changed: // answered as the new mode says
			case <-r.Context().Done():
			}
			if r.Context().Err() != nil {
				return // the caller gave up
			}
			if mode, _ = f.state(); mode == faultFail {
				f.count()
			}
		} else if mode == faultFail {
			f.count()
		}
		if mode != faultPass {
			body := `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"the e2e fault proxy refused this request"}`
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10)) // the SDK checks it
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = fmt.Fprint(w, body)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		f.set(faultPass) // free hanging requests before Close waits for them
		f.Close()
	})
	return f
}

func (f *faultProxy) state() (string, chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mode, f.changed
}

func (f *faultProxy) count() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refused++
}

func (f *faultProxy) set(mode string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if mode != f.mode {
		f.mode = mode
		close(f.changed)
		f.changed = make(chan struct{})
	}
}

func (f *faultProxy) control(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		switch m := r.URL.Query().Get("mode"); m {
		case faultPass, faultFail, faultHang:
			f.set(m)
		default:
			http.Error(w, "mode must be pass, fail or hang", http.StatusBadRequest)
			return
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"mode": f.mode, "refused": f.refused})
}

// TestFaultProxy: the proxy passes DynamoDB calls, fails them (the SDK's
// bounded retries then give up, and dynamo.Unavailable reads the error as
// the table being unavailable), holds them until the caller's deadline, and
// passes again.
func TestFaultProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the AWS emulator")
	}
	f := newFaultProxy(t, emulator.EnsureEndpoint(t))
	ctx := context.Background()
	cfg, err := emulator.Config(ctx, f.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Retryer = setup.BoundedRetryer
	db := dynamodb.NewFromConfig(cfg)
	list := func(timeout time.Duration) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		_, err := db.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
		return err
	}
	control := func(mode string) {
		resp, err := http.Post(f.URL+"/_fault?mode="+mode, "", nil)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("set mode %s: %v %v", mode, resp, err)
		}
		resp.Body.Close()
	}
	for _, step := range []struct {
		mode        string
		unavailable bool
	}{{faultPass, false}, {faultFail, true}, {faultHang, true}, {faultPass, false}} {
		control(step.mode)
		err := list(5 * time.Second)
		if got := err != nil && fault.CodeOf(dynamo.Unavailable("list tables", err)) == fault.Unavailable; got != step.unavailable || (err != nil && !step.unavailable) {
			t.Errorf("mode %s: got error %v (unavailable %v), want unavailable %v", step.mode, err, got, step.unavailable)
		}
	}
	resp, err := http.Get(f.URL + "/_fault")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Mode    string
		Refused int
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Mode != faultPass || st.Refused < 4 {
		t.Errorf("got %+v %v, want mode pass and at least 4 refused (3 attempts failed, 1 held)", st, err)
	}
	if resp, err := http.Post(f.URL+"/_fault?mode="+strings.ToUpper(faultFail), "", nil); err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown mode: got %v %v, want 400", resp, err)
	}
}
