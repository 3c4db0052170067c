package console_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/ingest"
)

// paperRequest is a console request by the manager of S001 (or of the
// store named), with a binary body.
func paperRequest(t *testing.T, method, path string, body []byte, store string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	p, q, _ := strings.Cut(path, "?")
	req := campaignRequest(t, method, p, base64.StdEncoding.EncodeToString(body), "manager."+strings.ToLower(store), "store_manager")
	req.IsBase64Encoded = true
	req.RawQueryString = q
	vals, _ := url.ParseQuery(q)
	req.QueryStringParameters = map[string]string{}
	for k := range vals {
		req.QueryStringParameters[k] = vals.Get(k)
	}
	req.RequestContext.Authorizer.JWT.Claims["custom:stores"] = store
	return req
}

// TestPrintAndUploadFromTheConsole: a manager prints their store's cards
// (a PDF with signed serials) and uploads a filled card's scan, which the
// scan pipeline reads from the bucket; other stores' managers may not.
func TestPrintAndUploadFromTheConsole(t *testing.T) {
	e := newLambdaEnv(t)
	ctx := context.Background()
	do := func(req events.APIGatewayV2HTTPRequest, want int) events.APIGatewayV2HTTPResponse {
		t.Helper()
		resp, err := e.console.ProxyWithContext(ctx, req)
		if err != nil || resp.StatusCode != want {
			t.Fatalf("%s %s: got %d %s, %v; want %d", req.RequestContext.HTTP.Method, req.RawPath, resp.StatusCode, resp.Body, err, want)
		}
		return resp
	}

	resp := do(paperRequest(t, "POST", "/api/v1/stores/S001/paper-cards?count=2", nil, "S001"), 200)
	pdf := []byte(resp.Body)
	if resp.IsBase64Encoded {
		pdf, _ = base64.StdEncoding.DecodeString(resp.Body)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) || resp.Headers["Content-Type"] != "application/pdf" || !strings.Contains(resp.Headers["X-Card-Serials"], "..") {
		t.Errorf("print: %q…, headers %v", pdf[:min(8, len(pdf))], resp.Headers)
	}
	// The batch is recorded with the store's items as printed.
	first, _, _ := strings.Cut(resp.Headers["X-Card-Serials"], "..")
	batchID, _, err := scan.BatchOf(first)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := e.db.PrintBatch(ctx, batchID); err != nil || b.StoreID != "S001" || b.Count != 2 || len(b.Items) == 0 {
		t.Errorf("print batch: %+v, %v", b, err)
	}
	do(paperRequest(t, "POST", "/api/v1/stores/S001/paper-cards?count=0", nil, "S001"), 422)
	do(paperRequest(t, "POST", "/api/v1/stores/S001/paper-cards?count=101", nil, "S001"), 422)
	do(paperRequest(t, "POST", "/api/v1/stores/S001/paper-cards?count=2", nil, "S002"), 403)
	do(paperRequest(t, "GET", "/api/v1/stores/S001/paper-cards?count=2", nil, "S001"), 405) // a GET changes nothing

	// A filled card of S001, signed with the handler's key.
	l := cardlayout.Current()
	serial := "TESTUPLOADAAAAA"
	s, err := synth.New(&l).Render(synth.Card{N: 1, Serial: serial, QR: testSigner(t).CardURL("http://127.0.0.1:8080", "S001", serial, 1),
		Marks:  []synth.Mark{{Field: "ratings.overall", Value: "5", Kind: synth.Fill, Darkness: 0.9}},
		Damage: synth.Damage{DPI: 200, Format: "png"}})
	if err != nil {
		t.Fatal(err)
	}
	do(paperRequest(t, "POST", "/api/v1/stores/S001/scans?name=card.png", nil, "S001"), 422) // empty
	do(paperRequest(t, "POST", "/api/v1/stores/S001/scans?name=card.png", s.Data, "S002"), 403)
	resp = do(paperRequest(t, "POST", "/api/v1/stores/S001/scans?name=../../card%201.png", s.Data, "S001"), 202)
	var up struct{ Key string }
	if err := json.Unmarshal([]byte(resp.Body), &up); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(up.Key, "scans/") || !strings.Contains(up.Key, "/S001/") || strings.Contains(up.Key, "..") || !strings.HasSuffix(up.Key, "card-1.png") {
		t.Fatalf("upload key %q", up.Key)
	}

	// The bucket's event: here the ingester is run on the key directly.
	reader := omr.NewCardReader()
	in := ingest.NewIngester(e.crops, reader, testSigner(t), intake.NewService(e.db, e.db, time.Now), e.db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if _, err := in.File(ctx, up.Key, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp = do(paperRequest(t, "GET", "/api/v1/stores/S001/scans?key="+url.QueryEscape(up.Key), nil, "S001"), 200)
	var pages struct{ Pages []scan.PageRecord }
	if err := json.Unmarshal([]byte(resp.Body), &pages); err != nil {
		t.Fatal(err)
	}
	if len(pages.Pages) != 1 || pages.Pages[0].Status != scan.Stored || pages.Pages[0].CardID != card.PrintedID("S001", serial) {
		t.Errorf("pages: %+v", pages.Pages)
	}
	do(paperRequest(t, "GET", "/api/v1/stores/S002/scans?key="+url.QueryEscape(up.Key), nil, "S002"), 404)
}
