// Package e2e runs the browser tests (card.test.mjs, schedules.test.mjs…, in headless Chromium
// from Debian's chromium package, driven by playwright-core) against the
// whole local pipeline: the runner serving every function of template.yaml
// on a free port, against the AWS emulator. Before the browser starts, a
// double-marked paper card is uploaded to the run's scan bucket and read by
// the running pipeline, so the review queue has a card waiting
// (reviews.test.mjs), and a clean one with a handwritten comment is stored
// (comments.test.mjs).
package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/runner"
	"github.com/cardloop/cardloop/infra/seed"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan"
)

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole pipeline and a browser")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no Chromium at %s: install Debian's chromium package (.ci/run does)", chromium)
	}
	if _, err := os.Stat("node_modules/playwright-core"); err != nil {
		t.Fatal("playwright-core is not installed: run `make e2e-deps` (make test does)")
	}

	// The card function reaches its table through a proxy the browser tests
	// can tell to fail (retry.test.mjs); its other AWS calls go to the
	// emulator directly.
	var faults *faultProxy
	p, base, endpoint := startPipeline(t, seed.WithHistory, testLog{t}, func(p *runner.Project, endpoint string) {
		faults = newFaultProxy(t, endpoint)
		if p.Config.Functions == nil {
			p.Config.Functions = map[string]struct {
				Environment map[string]string `yaml:"environment"`
			}{}
		}
		cardFn := p.Config.Functions["CardFunction"]
		if cardFn.Environment == nil {
			cardFn.Environment = map[string]string{}
		}
		cardFn.Environment["AWS_ENDPOINT_URL_DYNAMODB"] = faults.URL
		p.Config.Functions["CardFunction"] = cardFn
	})
	ctx := context.Background()

	serial, scanFile := seedReview(ctx, t, p, endpoint)
	queue := seedQueue(ctx, t, p, endpoint)
	paperCard := seedHandwritten(ctx, t, p, endpoint)

	// E2E_FILES (space-separated, e.g. "comments.test.mjs") runs only those.
	args := append([]string{"--test", "--test-reporter=spec"}, strings.Fields(os.Getenv("E2E_FILES"))...)
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Env = append(os.Environ(), "BASE_URL="+base, "CHROMIUM="+chromium, "REVIEW_SERIAL="+serial, "REVIEW_QUEUE="+queue, "UPLOAD_FILE="+scanFile,
		"PAPER_CARD="+paperCard, "FAULT_URL="+faults.URL, "DYNAMODB_ENDPOINT="+endpoint,
		"TABLE_NAME="+provision.Placeholders(p.Template, p.Config.Stack, endpoint)["Table"].Name)
	cmd.Stdout, cmd.Stderr = testLog{t}, testLog{t} // as it goes: a hung test shows how far it got
	if err := cmd.Run(); err != nil {
		t.Fatalf("browser tests failed: %v", err)
	}
}

// startPipeline runs the whole local pipeline (every function of
// template.yaml, the gateway, the emulator's resources seeded by fill) on
// a free port, its output to log, until the test ends. It returns the
// project, the app's base URL and the emulator's endpoint. Each configure
// hook may change the project (e.g. a function's environment) before it runs.
func startPipeline(t *testing.T, fill func(context.Context, aws.Config, string) error, log io.Writer, configure ...func(p *runner.Project, endpoint string)) (*runner.Project, string, string) {
	t.Helper()
	root := testenv.Root()
	p, err := runner.LoadProject(root, filepath.Join(root, "infra", "local.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p.Config.Stack = emulator.Prefix(t)
	p.Config.Addr = freeAddr(t)
	p.Config.Auth.SigningKey = filepath.Join(t.TempDir(), "key.pem")
	p.RunDir = t.TempDir()
	for id, fn := range p.Config.Functions { // links in e-mails point at this run
		if fn.Environment == nil {
			continue
		}
		if _, ok := fn.Environment["PUBLIC_BASE_URL"]; ok {
			fn.Environment["PUBLIC_BASE_URL"] = "http://" + p.Config.Addr
			p.Config.Functions[id] = fn
		}
	}
	endpoint := emulator.EnsureEndpoint(t)
	for _, c := range configure {
		c(p, endpoint)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- p.Run(ctx, runner.Options{Endpoint: endpoint, KeepEmulatorData: true,
			Seed: fill, Log: log, Ready: func(u string) { ready <- u }})
	}()
	stopped := false // Run has returned: nothing to wait for
	t.Cleanup(func() {
		cancel()
		if !stopped {
			<-done
		}
	})
	select {
	case base := <-ready:
		return p, base, endpoint
	case err := <-done:
		stopped = true
		t.Fatalf("run: %v", err)
	case <-time.After(8 * time.Minute):
		t.Fatal("the pipeline did not start within 8 minutes")
	}
	return nil, "", ""
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprintf("127.0.0.1:%d", l.Addr().(*net.TCPAddr).Port)
}

// seedReview uploads a paper card of S001 whose service rating is marked
// twice (2 and 5), signed with the run's link key, under scans/ in the
// run's scan bucket, exactly as `cardloop scan import` does; the declared
// S3 event runs the ScanFunction, which queues the card for review. It
// returns the card's serial once its review is waiting, and the scan as a
// file for the browser to upload again.
func seedReview(ctx context.Context, t *testing.T, p *runner.Project, endpoint string) (string, string) {
	t.Helper()
	s := newScanner(ctx, t, p, endpoint)
	serial := fmt.Sprintf("E2EREVIEW%06d", time.Now().UnixNano()/1000%1000000)
	key, img := s.upload(ctx, t, synth.Card{N: 1, Serial: serial,
		Marks: marks([][2]string{{"ratings.overall", "4"}, {"ratings.service", "2"}, {"ratings.service", "5"}, {"nps", "8"}})})
	file := filepath.Join(t.TempDir(), serial+".png")
	if err := os.WriteFile(file, img, 0o600); err != nil {
		t.Fatal(err)
	}
	s.await(ctx, t, key, scan.Queued, func() bool {
		r, err := s.db.Review(ctx, scan.ReviewID("S001", serial))
		if err == nil && r.Status == scan.Waiting {
			t.Logf("review %s waits: %d question(s), %s first", r.ID, len(r.Questions), r.Questions[0].Field)
		}
		return err == nil && r.Status == scan.Waiting
	})
	return serial, file
}

// seedQueue queues reviewCount paper cards of S003, each with its overall
// rating marked twice, for the keyboard test to clear (reviews.test.mjs).
// It returns their serials, space-separated, once all wait.
func seedQueue(ctx context.Context, t *testing.T, p *runner.Project, endpoint string) string {
	t.Helper()
	const reviewCount = 5
	s := newScanner(ctx, t, p, endpoint)
	var serials []string
	for i := range reviewCount {
		serial := fmt.Sprintf("E2EQUEUE%02d%05d", i, time.Now().UnixNano()/1000%100000)
		key, _ := s.uploadAt(ctx, t, "S003", synth.Card{N: 2 + i, Serial: serial,
			Marks: marks([][2]string{{"ratings.overall", "2"}, {"ratings.overall", "4"}, {"ratings.service", "3"}})})
		s.await(ctx, t, key, scan.Queued, func() bool {
			r, err := s.db.Review(ctx, scan.ReviewID("S003", serial))
			return err == nil && r.Status == scan.Waiting
		})
		serials = append(serials, serial)
	}
	return strings.Join(serials, " ")
}

// scanner puts paper cards of S001 into the run's scan bucket.
type scanner struct {
	addr   string
	signer *link.Signer
	layout cardlayout.Layout
	bucket *s3bucket.Bucket
	db     *allstores.Stores
}

func newScanner(ctx context.Context, t *testing.T, p *runner.Project, endpoint string) *scanner {
	t.Helper()
	var keyFile string
	for _, s := range p.Config.Secrets { // the runner put this file's key into Parameter Store
		if strings.HasSuffix(s.Parameter, "/link-signing-key") {
			keyFile = filepath.Join(p.Root, s.File)
		}
	}
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatalf("the run's link key: %v", err)
	}
	signer, err := link.NewSigner([]byte(strings.TrimSpace(string(raw))), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := emulator.Config(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	res := provision.Placeholders(p.Template, p.Config.Stack, endpoint)
	return &scanner{addr: p.Config.Addr, signer: signer, layout: cardlayout.Current(),
		bucket: s3bucket.New(s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), res["ScanBucket"].Name),
		db:     allstores.New(dynamodb.NewFromConfig(cfg), res["Table"].Name)}
}

// marks fills each (field, value) bubble darkly.
func marks(fv [][2]string) []synth.Mark {
	var out []synth.Mark
	for i, m := range fv {
		out = append(out, synth.Mark{Field: m[0], Value: m[1], Kind: synth.Fill, Darkness: 0.9, Seed: uint64(i)})
	}
	return out
}

// upload renders c (its QR code signed for S001 with the run's key) as a
// slightly rotated 200 dpi scan and puts it under scans/, as `cardloop scan
// import` does; the bucket's S3 event runs the ScanFunction. It returns the
// object's key and the image.
func (s *scanner) upload(ctx context.Context, t *testing.T, c synth.Card) (string, []byte) {
	t.Helper()
	return s.uploadAt(ctx, t, "S001", c)
}

// uploadAt is upload for a card of another store.
func (s *scanner) uploadAt(ctx context.Context, t *testing.T, store string, c synth.Card) (string, []byte) {
	t.Helper()
	c.QR = s.signer.CardURL("http://"+s.addr, store, c.Serial, s.layout.Version)
	c.Damage = synth.Damage{DPI: 200, Rotate: 1.5, Format: "png"}
	img, err := synth.New(&s.layout).Render(c)
	if err != nil {
		t.Fatal(err)
	}
	key := "scans/e2e/" + c.Serial + ".png"
	if err := s.bucket.Put(ctx, key, "image/png", img.Data); err != nil {
		t.Fatalf("upload %s: %v", key, err)
	}
	return key, img.Data
}

// await waits up to 2 minutes for done, failing the test as soon as the
// scan's page has an outcome other than want.
func (s *scanner) await(ctx context.Context, t *testing.T, key, want string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !done() {
		ps, err := s.db.ScanPages(ctx, key)
		if len(ps) > 0 && ps[0].Status != want {
			t.Fatalf("the seeded scan %s is %s, want %s: %+v", key, ps[0].Status, want, ps)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the seeded scan %s was not read within 2 minutes (last: %v)", key, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
