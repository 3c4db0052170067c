package digests_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/functions/digest/wire"
	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/digestmail"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/digests"
	"github.com/cardloop/cardloop/shared/worker/insights"
)

type noSend struct{}

func (noSend) SendNotice(context.Context, casework.Notice, casework.Case) (string, error) {
	return "not-sent", nil
}

// TestNightlyAndWeeklyOnce: cards come in at S001 through the card intake
// (one low card opens a case), the schedule fires twice on Monday at 09:00
// Taipei time, and S001's manager gets exactly one nightly summary of
// Sunday and one weekly digest of the week, the digest with its chart as
// an inline PNG the HTML shows by Content-ID; the area manager gets one
// ranking.
func TestNightlyAndWeeklyOnce(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	// This test's own addresses: the emulator's mail is shared by every
	// test of the machine.
	prefix := emulator.Prefix(t)
	manager, area := "manager."+prefix+"@example.com", "area."+prefix+"@example.com"
	st, err := db.Store(ctx, "S001")
	if err != nil {
		t.Fatal(err)
	}
	st.ManagerEmail, st.AreaManagerEmail = manager, area
	if err := db.PutStore(ctx, st); err != nil {
		t.Fatal(err)
	}

	clock := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC) // Sunday 20:00 in Taipei
	now := func() time.Time { return clock }
	cards := intake.NewService(db, db, now)
	submit := func(id, visit string, overall int, comment string) card.Card {
		t.Helper()
		res, err := cards.Submit(ctx, card.Submission{SubmissionID: prefix + id, StoreID: "S001", VisitDate: visit,
			Ratings: map[string]int{"main": overall, "overall": overall}, Comment: comment,
			Diner: card.DinerInput{Name: "林小姐", Phone: "0912" + id[len(id)-6:]}, Consent: card.ConsentInput{Contact: true}}, card.Meta{Source: card.SourceQR})
		if err != nil {
			t.Fatal(err)
		}
		return res.Card
	}
	submit("c-000001", "2026-11-29", 5, "牛排很棒")
	low := submit("c-000002", "2026-11-29", 1, "牛排太老了")
	submit("c-000003", "2026-11-29", 4, "")
	submit("c-000004", "2026-11-24", 3, "等很久")
	if d, err := casework.NewService(db, db, noSend{}, now).Triage(ctx, low); err != nil || d.Severity == "" {
		t.Fatalf("triage of the low card: got %+v, %v; want a case", d, err)
		t.Fatal(err)
	}

	clock = time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC) // Monday 09:00 in Taipei
	app := &setup.App{
		Env:      setup.Env{Table: env.Table(), Sender: env.Resources["SenderIdentity"].Name, PublicBaseURL: "https://cards.example.com", DefaultBrand: "wang"},
		AWS:      env.Config,
		DynamoDB: dynamodb.NewFromConfig(env.Config),
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:      now,
	}
	// The cards' counters, kept as the InsightFunction keeps them.
	if resp, err := insights.NewTally(db, app.Log).Handle(ctx, env.StreamEvent(t)); err != nil || len(resp.BatchItemFailures) > 0 {
		t.Fatalf("count the cards: %+v, %v", resp, err)
	}
	h := digests.New(wire.Service(app, []string{"wang"}, wire.Insight(dynamo.New(app.DynamoDB, app.Env.Table))), app.Log)
	var ev events.EventBridgeEvent
	testenv.Fixture(t, "digest/every-15-minutes.json", &ev)
	first, err := h.Handle(ctx, ev)
	if err != nil || first.Failed != 0 || first.Sent == 0 {
		t.Fatalf("first run: got %+v, %v", first, err)
	}
	clock = clock.Add(time.Minute) // the schedule's retry, or a second firing
	second, err := h.Handle(ctx, ev)
	if err != nil || second.Sent != 0 {
		t.Fatalf("second run: got %+v, %v; want nothing sent", second, err)
	}

	got := map[string][]*mail.Message{}
	raws, err := emulator.SentRaw(emulator.EnsureEndpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range raws {
		m, err := mail.ReadMessage(strings.NewReader(raw))
		if err != nil || (m.Header.Get("To") != manager && m.Header.Get("To") != area) {
			continue
		}
		got[m.Header.Get("To")+" "+m.Header.Get("X-Cardloop-Digest")] = append(got[m.Header.Get("To")+" "+m.Header.Get("X-Cardloop-Digest")], m)
	}
	for _, key := range []string{manager + " nightly S001 2026-11-29", manager + " weekly S001 2026-11-23", area + " area area 2026-11-23"} {
		if len(got[key]) != 1 {
			t.Errorf("%s: got %d e-mails, want 1", key, len(got[key]))
		}
	}
	if len(got) != 3 {
		t.Errorf("e-mails to this test's managers: got %d kinds, want 3", len(got))
	}

	nightly := parts(t, got[manager+" nightly S001 2026-11-29"])
	if !strings.Contains(nightly["text/plain"], "牛排太老了") || strings.Index(nightly["text/plain"], "牛排太老了") > strings.Index(nightly["text/plain"], "牛排很棒") {
		t.Errorf("nightly text: want both comments, the lowest first:\n%s", nightly["text/plain"])
	}
	if !strings.Contains(nightly["text/plain"], "3 張意見卡") || !strings.Contains(nightly["text/html"], "林小姐") {
		t.Errorf("nightly: want Sunday's 3 cards and the case opened that evening:\n%s", nightly["text/plain"])
	}
	weekly := parts(t, got[manager+" weekly S001 2026-11-23"])
	cid := strings.Trim(weekly["cid"], "<>")
	if cid == "" || !strings.Contains(weekly["text/html"], `src="cid:`+cid+`"`) {
		t.Errorf("weekly: the HTML does not show the inline image %q", weekly["cid"])
	}
	img, err := png.Decode(bytes.NewReader([]byte(weekly["image/png"])))
	if err != nil || img.Bounds().Dx() != digestmail.ChartWidth || img.Bounds().Dy() != digestmail.ChartHeight {
		t.Errorf("weekly chart: %v; want a %dx%d PNG", err, digestmail.ChartWidth, digestmail.ChartHeight)
	}
	if !strings.Contains(weekly["related"], "text/html") || !strings.Contains(weekly["text/plain"], "https://cards.example.com/console/") {
		t.Errorf("weekly: want the HTML in a related part and the dashboard link in the text")
	}
}

// parts returns the decoded leaf parts of the one message in ms by media
// type, and "cid" (the image's Content-ID) and "related" (the media types
// in the related part).
func parts(t *testing.T, ms []*mail.Message) map[string]string {
	t.Helper()
	out := map[string]string{}
	if len(ms) != 1 {
		return out
	}
	var walk func(r io.Reader, ctype string, in string)
	walk = func(r io.Reader, ctype, in string) {
		mt, params, err := mime.ParseMediaType(ctype)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(mt, "multipart/") {
			b, _ := io.ReadAll(r)
			if mt == "image/png" {
				b, _ = base64.StdEncoding.DecodeString(strings.ReplaceAll(string(b), "\r\n", ""))
			}
			out[mt] = string(b)
			if in == "multipart/related" {
				out["related"] += mt + " "
			}
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return
			}
			if id := p.Header.Get("Content-Id"); id != "" {
				out["cid"] = id
			}
			walk(p, p.Header.Get("Content-Type"), mt)
		}
	}
	walk(ms[0].Body, ms[0].Header.Get("Content-Type"), "")
	return out
}
