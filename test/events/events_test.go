// Package events_test runs every sample event of events/ through the
// handler of the function it is for (STYLE.md rule 12): the handler is
// built by the function's own wiring (functions/<name>/wire, what its
// main.go starts), against this test's copy of the template's resources
// in the emulator, the file's bytes are sent to it as Lambda sends them,
// and what it does is checked.
package events_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/functions/all"
	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/sam"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/digest"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/insight"
	"github.com/cardloop/cardloop/shared/omr/synth"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/worker/callbacks"
)

// fixtureRow is one file of events/ and what its function does with it.
type fixtureRow struct {
	fixture  string // path under events/
	function string // the template's <Name>Function whose handler takes it
	// run sets up what the fixture refers to, sends it to the handler
	// (decoded, changed and encoded again where the row must change it)
	// and checks the outcome.
	run func(t *testing.T, app *setup.App, env testenv.Env)
}

// TestEveryEventFixture runs each file of events/ through its function's
// handler; a file without a row fails the test.
func TestEveryEventFixture(t *testing.T) {
	ctx := context.Background()
	rows := []fixtureRow{
		{"card/get-card-form.json", "CardFunction", func(t *testing.T, app *setup.App, _ testenv.Env) {
			// The QR code on table 12 of S001: the form in the browser's
			// language, with the table filled in.
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["card"]), rawFixture(t, "card/get-card-form.json"), &resp)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d, %v; want 200", resp.StatusCode, err)
			}
			if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "text/html") {
				t.Errorf("content type: got %q, want text/html", ct)
			}
			for _, want := range []string{`lang="zh-TW"`, "顧客意見卡", "台北信義店", `name="ratings.overall"`, `value="12"`} {
				if !strings.Contains(resp.Body, want) {
					t.Errorf("form page lacks %q", want)
				}
			}
			if !strings.HasSuffix(strings.TrimSpace(resp.Body), "</html>") {
				t.Error("form page is not whole: no closing </html>")
			}
		}},

		{"card/post-card.json", "CardFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			var req events.APIGatewayV2HTTPRequest
			testenv.Fixture(t, "card/post-card.json", &req)
			// The file's visit date ages out card.MaxDaysBack days after
			// it was written; every other field is sent as the file says.
			var body map[string]any
			if err := json.Unmarshal([]byte(req.Body), &body); err != nil {
				t.Fatalf("fixture body: %v", err)
			}
			body["visitDate"] = time.Now().UTC().Add(-24 * time.Hour).Format(time.DateOnly)
			b, _ := json.Marshal(body)
			req.Body = string(b)
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["card"]), marshal(t, req), &resp)
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("got %d %s, %v; want 201", resp.StatusCode, resp.Body, err)
			}
			var created struct{ ID string }
			if err := json.Unmarshal([]byte(resp.Body), &created); err != nil || !strings.HasPrefix(created.ID, "c_") {
				t.Fatalf("body: got %s, want {\"id\": \"c_…\"}", resp.Body)
			}
			c, err := stores(env).Card(ctx, created.ID)
			if err != nil {
				t.Fatalf("the created card: %v", err)
			}
			if c.StoreID != "S001" || c.Ratings["main"] != 1 || c.Diner.Key != "tel:+886912345678" || c.Comment != "牛排太老了，等了四十分鐘。" {
				t.Errorf("stored card: got store %s, main %d, diner %s, comment %q; want the fixture's", c.StoreID, c.Ratings["main"], c.Diner.Key, c.Comment)
			}
		}},

		{"case/open-with-bad-link.json", "CaseFunction", func(t *testing.T, app *setup.App, _ testenv.Env) {
			// A case link whose signature was tampered with: a 403 page
			// in the manager's language, whatever the case.
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["case"]), rawFixture(t, "case/open-with-bad-link.json"), &resp)
			if err != nil || resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "此連結無效") {
				t.Errorf("got %d %.200s, %v; want 403 with the zh-TW explanation", resp.StatusCode, resp.Body, err)
			}
		}},

		{"mydata/open-with-tampered-link.json", "MyDataFunction", func(t *testing.T, app *setup.App, _ testenv.Env) {
			// A My data link whose signature does not verify: a 403 page in
			// the diner's language that shows nothing and uses nothing.
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["mydata"]), rawFixture(t, "mydata/open-with-tampered-link.json"), &resp)
			if err != nil || resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "這個連結無效") {
				t.Errorf("got %d %.200s, %v; want 403 with the zh-TW explanation", resp.StatusCode, resp.Body, err)
			}
		}},

		{"consent/diner-consented.json", "ConsentFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			var ev events.DynamoDBEvent
			testenv.Fixture(t, "consent/diner-consented.json", &ev)
			// The diner is in the table as the record says, under an
			// address of this test's own: the emulator's SES is shared
			// by every test process.
			email := "mei." + emulator.Prefix(t) + "@example.net"
			ev.Records[0] = withEmail(ev.Records[0], email)
			p, ok, err := greetstore.DinerFromStream(ev.Records[0])
			if err != nil || !ok {
				t.Fatalf("diner of the record: %v, %v", ok, err)
			}
			if err := stores(env).PutDiner(ctx, p); err != nil {
				t.Fatal(err)
			}
			h, raw := handler(t, app, all.Builds["consent"]), marshal(t, ev)
			for range 2 { // a stream delivers at least once
				var resp events.DynamoDBEventResponse
				if err := invoke(t, h, raw, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("got failures %+v, %v; want none", resp.BatchItemFailures, err)
				}
			}
			msgs := mailsTo(t, email)
			if len(msgs) != 1 || !regexp.MustCompile(`/o/[A-Za-z0-9_-]+`).MatchString(msgs[0]) {
				t.Errorf("confirmation e-mails to %s: got %d, want 1 with its /o/ link", email, len(msgs))
			}
		}},

		{"console/create-campaign.json", "ConsoleFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["console"]), rawFixture(t, "console/create-campaign.json"), &resp)
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("got %d %s, %v; want 201", resp.StatusCode, resp.Body, err)
			}
			var c greeting.Campaign
			if err := json.Unmarshal([]byte(resp.Body), &c); err != nil || c.ID == "" {
				t.Fatalf("body: got %s, %v; want the campaign", resp.Body, err)
			}
			if c.Name != "Mid-Autumn 2027" || c.Status != greeting.Draft || c.CreatedBy != "marketing@example.com" || resp.Headers["Location"] != "/api/v1/campaigns/"+c.ID {
				t.Errorf("created: got %q %s by %q at %q; want the fixture's campaign, a draft by marketing@example.com", c.Name, c.Status, c.CreatedBy, resp.Headers["Location"])
			}
			if saved, err := stores(env).Campaign(ctx, c.ID); err != nil || saved.Name != c.Name {
				t.Errorf("stored campaign: got %q, %v; want %q", saved.Name, err, c.Name)
			}
		}},

		{"console/get-me.json", "ConsoleFunction", func(t *testing.T, app *setup.App, _ testenv.Env) {
			// S001's manager, signed in: who the console thinks they are.
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["console"]), rawFixture(t, "console/get-me.json"), &resp)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d %s, %v; want 200", resp.StatusCode, resp.Body, err)
			}
			var me struct {
				Sub, Email, Brand string
				Groups, Stores    []string
				AllStores         bool
			}
			if err := json.Unmarshal([]byte(resp.Body), &me); err != nil {
				t.Fatalf("body: got %s, %v", resp.Body, err)
			}
			if me.Sub != "local-manager-s001" || me.Email != "manager.s001@example.com" || me.Brand != "wang" ||
				strings.Join(me.Groups, ",") != "store_manager" || strings.Join(me.Stores, ",") != "S001" || me.AllStores {
				t.Errorf("me: got %s; want S001's store manager of wang, not seeing all stores", resp.Body)
			}
		}},

		{"console/get-store-cards.json", "ConsoleFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// Two cards at S001, one inside the request's week
			// (2026-11-15..21) and one before it, taken in at the time
			// the request was made.
			var req events.APIGatewayV2HTTPRequest
			testenv.Fixture(t, "console/get-store-cards.json", &req)
			db := stores(env)
			at := time.UnixMilli(req.RequestContext.TimeEpoch)
			in := intake.NewService(db, db, func() time.Time { return at })
			submit := func(id, visit string) string {
				res, err := in.Submit(ctx, card.Submission{SubmissionID: id, StoreID: "S001", VisitDate: visit, Ratings: map[string]int{"overall": 4}},
					card.Meta{Source: card.SourceQR})
				if err != nil {
					t.Fatalf("card %s: %v", id, err)
				}
				return res.Card.ID
			}
			inside := submit("inside", "2026-11-20")
			submit("before", "2026-11-10")
			var resp events.APIGatewayV2HTTPResponse
			err := invoke(t, handler(t, app, all.Builds["console"]), rawFixture(t, "console/get-store-cards.json"), &resp)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("got %d %s, %v; want 200", resp.StatusCode, resp.Body, err)
			}
			var page struct{ Cards []card.Card }
			if err := json.Unmarshal([]byte(resp.Body), &page); err != nil || len(page.Cards) != 1 || page.Cards[0].ID != inside {
				t.Errorf("cards: got %s, %v; want only %s", resp.Body, err, inside)
			}
		}},

		{"digest/every-15-minutes.json", "DigestFunction", func(t *testing.T, app *setup.App, _ testenv.Env) {
			// Monday 09:00 in Taipei: every manager's summary of Sunday and
			// week, and each area manager's ranking, are due; the schedule
			// comes twice and the second run sends nothing.
			app.Now = func() time.Time { return time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC) }
			h, raw := handler(t, app, all.Builds["digest"]), rawFixture(t, "digest/every-15-minutes.json")
			var first, second digest.Report
			if err := invoke(t, h, raw, &first); err != nil {
				t.Fatalf("digest pass: %v", err)
			}
			if err := invoke(t, h, raw, &second); err != nil {
				t.Fatalf("second digest pass: %v", err)
			}
			if first.Sent == 0 || first.Failed != 0 || first.Sent != first.Due {
				t.Errorf("first pass: got %+v; want every due digest sent", first)
			}
			if second.Sent != 0 || second.Already != first.Sent {
				t.Errorf("second pass: got %+v; want nothing sent, %d already sent", second, first.Sent)
			}
		}},

		{"escalate/every-15-minutes.json", "EscalateFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// A serious case opened 30 hours ago and never acted on: the
			// tick escalates it to the area manager and reminds the store.
			db := stores(env)
			opened := time.Now().Add(-30 * time.Hour)
			then := func() time.Time { return opened }
			res, err := intake.NewService(db, db, then).Submit(ctx, card.Submission{StoreID: "S001", Ratings: map[string]int{"main": 1, "overall": 3},
				Diner: card.DinerInput{Name: "林小姐", Phone: "0912345678"}, Consent: card.ConsentInput{Contact: true}}, card.Meta{Source: card.SourceQR})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := casework.NewService(db, db, noSend{}, then).Triage(ctx, res.Card); err != nil {
				t.Fatal(err)
			}
			id := casework.ID("S001", res.Card.Diner.Key, res.Card.ID, res.Card.VisitDate)
			if err := invoke(t, handler(t, app, all.Builds["escalate"]), rawFixture(t, "escalate/every-15-minutes.json"), nil); err != nil {
				t.Fatalf("escalation pass: %v", err)
			}
			rec, err := db.CaseRecord(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Case.Level != casework.LevelArea {
				t.Errorf("level: got %d, want %d (area manager)", rec.Case.Level, casework.LevelArea)
			}
			sent := map[string]bool{}
			for _, n := range rec.Notices {
				sent[n.Kind+" "+n.To] = n.Status == "sent"
			}
			if !sent[casework.NoticeEscalation+" area.taiwan@example.com"] || !sent[casework.NoticeReminder+" manager.s001@example.com"] {
				t.Errorf("notices: got %+v; want the area manager's escalation and the store manager's reminder sent", rec.Notices)
			}
		}},

		{"feedback/bounce-and-complaint.json", "FeedbackFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// The complaining address is a diner who consented.
			db := stores(env)
			res, err := intake.NewService(db, db, time.Now).Submit(ctx, card.Submission{SubmissionID: "annoyed", StoreID: "S001", Ratings: map[string]int{"overall": 5},
				Diner: card.DinerInput{Name: "A", Email: "annoyed@example.com"}, Consent: card.ConsentInput{Marketing: true}}, card.Meta{Source: card.SourceQR})
			if err != nil {
				t.Fatal(err)
			}
			h, raw := handler(t, app, all.Builds["feedback"]), rawFixture(t, "feedback/bounce-and-complaint.json")
			for range 2 { // SQS delivers at least once
				var resp events.SQSEventResponse
				if err := invoke(t, h, raw, &resp); err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("got failures %+v, %v; want none", resp.BatchItemFailures, err)
				}
			}
			for _, addr := range []string{"gone@example.com", "annoyed@example.com"} {
				if ok, err := db.Suppressed(ctx, addr); !ok || err != nil {
					t.Errorf("%s suppressed: got %v, %v; want true", addr, ok, err)
				}
			}
			p, err := db.Diner(ctx, "wang", res.Card.Diner.Key)
			if err != nil || p.MarketingStatus != diner.MarketingWithdrawn || p.MarketingWithdrawn == nil || p.MarketingWithdrawn.Source != "complaint" {
				t.Errorf("complaining diner: got %+v, %v; want consent withdrawn by the complaint", p, err)
			}
			if c, err := db.Campaign(ctx, "birthday-wang"); err != nil || c.Results.Bounced != 1 || c.Results.Complained != 1 {
				t.Errorf("campaign results: got %+v, %v; want one bounce and one complaint", c.Results, err)
			}
		}},

		{"planner/hourly.json", "PlannerFunction", func(t *testing.T, app *setup.App, _ testenv.Env) {
			var ev events.EventBridgeEvent
			testenv.Fixture(t, "planner/hourly.json", &ev)
			if ev.DetailType != "Scheduled Event" {
				t.Errorf("detail-type: got %q, want Scheduled Event", ev.DetailType)
			}
			if err := invoke(t, handler(t, app, all.Builds["planner"]), rawFixture(t, "planner/hourly.json"), nil); err != nil {
				t.Errorf("planning pass: %v", err)
			}
		}},

		{"scan/scan-uploaded.json", "ScanFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			var ev events.S3Event
			testenv.Fixture(t, "scan/scan-uploaded.json", &ev)
			// The event names the local runner's bucket; this test's
			// copy has its own name. The key is form-encoded, as S3 sends
			// it: the object is put where the decoded key says.
			ev.Records[0].S3.Bucket.Name = app.Env.ScanBucket
			key, err := url.QueryUnescape(ev.Records[0].S3.Object.Key)
			if err != nil {
				t.Fatal(err)
			}
			signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
			if err != nil {
				t.Fatal(err)
			}
			const serial = "TESTCARDAAAAAAB"
			l := cardlayout.Current()
			c := synth.Card{N: 1, Serial: serial, QR: signer.CardURL(app.Env.PublicBaseURL, "S001", serial, 1),
				Damage: synth.Damage{DPI: 200, Rotate: 1.5, Format: "png"}}
			for i, m := range [][2]string{{"ratings.overall", "2"}, {"ratings.service", "4"}, {"meal", "dinner"}} {
				c.Marks = append(c.Marks, synth.Mark{Field: m[0], Value: m[1], Kind: synth.Fill, Darkness: 0.9, Seed: uint64(i)})
			}
			img, err := synth.New(&l).Render(c)
			if err != nil {
				t.Fatal(err)
			}
			bucket := s3bucket.New(s3.NewFromConfig(env.Config, func(o *s3.Options) { o.UsePathStyle = true }), app.Env.ScanBucket)
			if err := bucket.Put(ctx, key, "image/png", img.Data); err != nil {
				t.Fatal(err)
			}
			if err := invoke(t, handler(t, app, all.Builds["scan"]), marshal(t, ev), nil); err != nil {
				t.Fatalf("scan: %v", err)
			}
			db := stores(env)
			ps, err := db.ScanPages(ctx, key)
			if err != nil || len(ps) != 1 || ps[0].Status != scan.Stored {
				t.Fatalf("pages of %s: got %+v, %v; want one stored", key, ps, err)
			}
			got, err := db.Card(ctx, ps[0].CardID)
			if err != nil || got.ID != card.PrintedID("S001", serial) || got.Source != card.SourceScan || got.Ratings["overall"] != 2 || got.Meal != "dinner" {
				t.Errorf("card: got %s from %s, overall %d, meal %q, %v; want the serial's card from a scan, overall 2, dinner", got.ID, got.Source, got.Ratings["overall"], got.Meal, err)
			}
		}},

		{"scan/scan-mailed.json", "ScanFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// A copier's "scan to e-mail" from S001's manager, as SES
			// receiving keeps it under inbox/: its attachment is read and
			// the manager is answered.
			var ev events.S3Event
			testenv.Fixture(t, "scan/scan-mailed.json", &ev)
			ev.Records[0].S3.Bucket.Name = app.Env.ScanBucket
			key := ev.Records[0].S3.Object.Key
			signer, err := ssmparam.New(app.AWS).Signer(ctx, app.Env.LinkKeyParameter)
			if err != nil {
				t.Fatal(err)
			}
			const serial = "TESTCARDMAILAAB"
			l := cardlayout.Current()
			img, err := synth.New(&l).Render(synth.Card{N: 1, Serial: serial, QR: signer.CardURL(app.Env.PublicBaseURL, "S001", serial, 1),
				Marks:  []synth.Mark{{Field: "ratings.overall", Value: "5", Kind: synth.Fill, Darkness: 0.9}},
				Damage: synth.Damage{DPI: 200, Rotate: 1, Format: "jpeg", Quality: 85}})
			if err != nil {
				t.Fatal(err)
			}
			msgID := "<" + rand.Text() + "@copier.example.com>"
			raw := "From: manager.s001@example.com\r\nTo: wang@scans.example.com\r\nSubject: Scan\r\nMessage-ID: " + msgID +
				"\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/jpeg; name=card.jpg\r\n" +
				"Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString(img.Data) + "\r\n--b--\r\n"
			bucket := s3bucket.New(s3.NewFromConfig(env.Config, func(o *s3.Options) { o.UsePathStyle = true }), app.Env.ScanBucket)
			if err := bucket.Put(ctx, key, "message/rfc822", []byte(raw)); err != nil {
				t.Fatal(err)
			}
			if err := invoke(t, handler(t, app, all.Builds["scan"]), marshal(t, ev), nil); err != nil {
				t.Fatalf("scan mail: %v", err)
			}
			got, err := stores(env).Card(ctx, card.PrintedID("S001", serial))
			if err != nil || got.Ratings["overall"] != 5 {
				t.Fatalf("card: %+v, %v; want the mailed card, overall 5", got, err)
			}
			sent, err := emulator.SentRaw(emulator.EnsureEndpoint(t))
			if err != nil {
				t.Fatal(err)
			}
			replies := 0
			for _, m := range sent {
				if strings.Contains(m, "In-Reply-To: "+msgID) && strings.Contains(m, "manager.s001@example.com") {
					replies++
				}
			}
			if replies != 1 {
				t.Errorf("%d replies to the manager, want 1", replies)
			}
		}},

		{"sender/greeting-job.json", "SenderFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// The job's diner is not in the table (no consent on record):
			// skipped and counted on the campaign, never mailed.
			var ev events.SQSEvent
			testenv.Fixture(t, "sender/greeting-job.json", &ev)
			var job greeting.Job
			if err := json.Unmarshal([]byte(ev.Records[0].Body), &job); err != nil {
				t.Fatal(err)
			}
			// 10:00 in Taipei on the job's day: outside quiet hours.
			day, err := time.Parse(time.DateOnly, job.Date)
			if err != nil {
				t.Fatal(err)
			}
			// The sender holds every job back during the store's quiet
			// hours (a batch item failure, by design): on the wall clock
			// the outcome would depend on the hour the row runs at.
			at := day.Add(2 * time.Hour)
			app.Now = func() time.Time { return at }
			var resp events.SQSEventResponse
			if err := invoke(t, handler(t, app, all.Builds["sender"]), rawFixture(t, "sender/greeting-job.json"), &resp); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("got failures %+v, %v; want none", resp.BatchItemFailures, err)
			}
			if c, err := stores(env).Campaign(ctx, job.CampaignID); err != nil || c.Results.Skipped != 1 || c.Results.Sent != 0 {
				t.Errorf("campaign results: got %+v, %v; want one skipped, none sent", c.Results, err)
			}
			if n := len(mailsTo(t, "mei.lin@example.com")); n != 0 {
				t.Errorf("e-mails to the job's diner: got %d, want 0", n)
			}
		}},

		{"insight/cards-inserted.json", "InsightFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// Two cards of 21 November at S001, one online and one scanned
			// three days later, delivered twice: each counted once, both on
			// their visit day.
			h := handler(t, app, all.Builds["insight"])
			for range 2 {
				var resp events.DynamoDBEventResponse
				if err := invoke(t, h, rawFixture(t, "insight/cards-inserted.json"), &resp); err != nil || len(resp.BatchItemFailures) != 0 {
					t.Fatalf("got failures %+v, %v; want none", resp.BatchItemFailures, err)
				}
			}
			day := insight.Period{Level: insight.Day, Key: "2026-11-21"}
			got, err := stores(env).Counters(ctx, "S001", []insight.Period{day})
			if err != nil {
				t.Fatal(err)
			}
			f := insight.Derive(got[day], insight.Filter{}, []string{"main", "overall"})
			if f.Cards != 2 || f.Online != 1 || f.Paper != 1 || f.CSAT.Avg != 4.5 || f.NPS.Promoters != 1 || f.First != 1 {
				t.Errorf("21 November: %+v; want 2 cards (1 online, 1 paper), CSAT 4.5, 1 promoter, 1 first visit", f)
			}
		}},
		{"retention/daily.json", "RetentionFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// A diner last seen 25 months ago: the daily run erases their
			// profile; a second run finds nothing due.
			now := time.Now().UTC()
			app.Now = func() time.Time { return now }
			db := stores(env)
			old := intake.NewService(db, db, func() time.Time { return now.AddDate(0, -25, 0) })
			res, err := old.Submit(ctx, card.Submission{SubmissionID: "retention-fixture", StoreID: "S001", Ratings: map[string]int{"overall": 4},
				Diner: card.DinerInput{Name: "Retention Fixture", Phone: "0911000009"}}, card.Meta{Source: card.SourceQR})
			if err != nil {
				t.Fatal(err)
			}
			h, raw := handler(t, app, all.Builds["retention"]), rawFixture(t, "retention/daily.json")
			var first, second []privacy.RetentionRun
			if err := invoke(t, h, raw, &first); err != nil {
				t.Fatalf("retention run: %v", err)
			}
			if err := invoke(t, h, raw, &second); err != nil {
				t.Fatalf("second retention run: %v", err)
			}
			if len(first) != 1 || first[0].Brand != "wang" || first[0].Erased != 1 || len(second) != 1 || second[0].Erased != 0 {
				t.Errorf("runs: got %+v then %+v; want one diner erased, then none", first, second)
			}
			if _, err := db.Diner(ctx, "wang", res.Card.Diner.Key); err == nil {
				t.Error("the idle diner's profile is still there")
			}
		}},
		{"rollup/every-15-minutes.json", "RollupFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// Cards of 21 November at S001 and S002: the schedule, run
			// twice, rolls their day, week and month up into the brand's
			// (the sum of the two stores), then finds nothing changed.
			app.Now = func() time.Time { return time.Date(2026, 11, 30, 1, 5, 0, 0, time.UTC) }
			db := stores(env)
			var cards []card.Card
			for i, st := range []string{"S001", "S001", "S002"} {
				cards = append(cards, card.Card{ID: fmt.Sprintf("c_rollup_fixture_%d", i), StoreID: st, BrandID: "wang", Source: card.SourceQR,
					VisitDate: "2026-11-21", Meal: "dinner", Ratings: map[string]int{"overall": 4 + i%2}})
			}
			if err := db.SeedCards(ctx, cards); err != nil {
				t.Fatal(err)
			}
			h, raw := handler(t, app, all.Builds["rollup"]), rawFixture(t, "rollup/every-15-minutes.json")
			var first, second []insight.RollupRun
			if err := invoke(t, h, raw, &first); err != nil {
				t.Fatalf("roll-up pass: %v", err)
			}
			if err := invoke(t, h, raw, &second); err != nil {
				t.Fatalf("second roll-up pass: %v", err)
			}
			if len(first) != 1 || first[0].Brand != "wang" || first[0].Written != 3 || first[0].Stores != 3 {
				t.Errorf("first pass: got %+v; want brand wang's day, week and month of 21 November written, 3 stores", first)
			}
			if len(second) != 1 || second[0].Written != 0 || second[0].Unchanged != second[0].Periods {
				t.Errorf("second pass: got %+v; want nothing written", second)
			}
			day := insight.Period{Level: insight.Day, Key: "2026-11-21"}
			got, err := db.BrandPeriods(ctx, "wang", []insight.Period{day})
			if err != nil {
				t.Fatal(err)
			}
			if f := insight.Derive(got[day].Total, insight.Filter{}, nil); f.Cards != 3 || f.CSAT.Avg != 13.0/3 {
				t.Errorf("the brand's 21 November: %d cards, CSAT %v; want 3 cards, 13/3", f.Cards, f.CSAT.Avg)
			}
		}},
		{"reconcile/every-5-minutes.json", "ReconcileFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// A low card stored 10 minutes ago whose stream record never
			// reached triage: the tick triages it (its case, the store
			// manager's alert sent) and a second tick finds nothing.
			db := stores(env)
			stored := time.Now().Add(-10 * time.Minute)
			res, err := intake.NewService(db, db, func() time.Time { return stored }).Submit(ctx, card.Submission{StoreID: "S001", Ratings: map[string]int{"main": 1, "overall": 3},
				Diner: card.DinerInput{Name: "林小姐", Phone: "0912345679"}, Consent: card.ConsentInput{Contact: true}}, card.Meta{Source: card.SourceQR})
			if err != nil {
				t.Fatal(err)
			}
			h, raw := handler(t, app, all.Builds["reconcile"]), rawFixture(t, "reconcile/every-5-minutes.json")
			var first, second callbacks.ReconcileReport
			if err := invoke(t, h, raw, &first); err != nil || first != (callbacks.ReconcileReport{Untriaged: 1, Triaged: 1}) {
				t.Fatalf("first pass: got %+v, %v; want the card found and triaged", first, err)
			}
			if err := invoke(t, h, raw, &second); err != nil || second != (callbacks.ReconcileReport{}) {
				t.Errorf("second pass: got %+v, %v; want nothing found", second, err)
			}
			rec, err := db.CaseRecord(ctx, casework.ID("S001", res.Card.Diner.Key, res.Card.ID, res.Card.VisitDate))
			if err != nil {
				t.Fatalf("case of the card: %v", err)
			}
			if len(rec.Notices) != 1 || rec.Notices[0].Status != "sent" || rec.Notices[0].To != "manager.s001@example.com" {
				t.Errorf("notices: got %+v; want the store manager's alert sent", rec.Notices)
			}
		}},
		{"triage/card-inserted.json", "TriageFunction", func(t *testing.T, app *setup.App, env testenv.Env) {
			// The stream record of a card written to the table: the card
			// (PRODUCT.md's example: main course 1, three items at 2 or
			// less) is in the table, as the record says.
			var ev events.DynamoDBEvent
			testenv.Fixture(t, "triage/card-inserted.json", &ev)
			c, ok, err := cardstore.CardFromStream(ev.Records[0])
			if err != nil || !ok {
				t.Fatalf("card of the record: %v, %v", ok, err)
			}
			db := stores(env)
			if _, _, err := db.SaveCard(ctx, c); err != nil {
				t.Fatal(err)
			}
			var resp events.DynamoDBEventResponse
			if err := invoke(t, handler(t, app, all.Builds["triage"]), rawFixture(t, "triage/card-inserted.json"), &resp); err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("got failures %+v, %v; want none", resp.BatchItemFailures, err)
			}
			id := casework.ID("S001", "tel:+886912345678", "c_fixture0000000000000000001", "2026-11-21")
			rec, err := db.CaseRecord(ctx, id)
			if err != nil {
				t.Fatalf("case of the fixture card: %v", err)
			}
			sent := map[string]bool{}
			for _, n := range rec.Notices {
				sent[n.Kind+" "+n.To] = n.Status == "sent"
			}
			if !sent[casework.NoticeAlert+" manager.s001@example.com"] || !sent[casework.NoticeAreaAlert+" area.taiwan@example.com"] {
				t.Errorf("notices: got %+v; want the store and area managers' alerts sent", rec.Notices)
			}
			// The case is indexed: the console (its own wiring, the same
			// key) finds it by the diner's number as a manager types it.
			var req events.APIGatewayV2HTTPRequest
			testenv.Fixture(t, "console/get-store-cards.json", &req)
			req.RawPath, req.RawQueryString, req.QueryStringParameters = "/api/v1/stores/S001/cases/search", "q=0912-345-678", nil
			req.RequestContext.HTTP.Path = req.RawPath
			var found events.APIGatewayV2HTTPResponse
			if err := invoke(t, handler(t, app, all.Builds["console"]), marshal(t, req), &found); err != nil || found.StatusCode != http.StatusOK {
				t.Fatalf("search: got %d %s, %v; want 200", found.StatusCode, found.Body, err)
			}
			if !strings.Contains(found.Body, `"id":"`+id+`"`) {
				t.Errorf("search by the diner's number: got %s, want case %s", found.Body, id)
			}
		}},
	}

	checkRows(t, rows)
	for _, row := range rows {
		t.Run(row.fixture, func(t *testing.T) {
			t.Parallel() // each row has its own copy of the resources
			app, env := newApp(t)
			row.run(t, app, env)
		})
	}
}

// checkRows fails unless every *.json file under events/ has exactly one
// row, and each row's function is in template.yaml and has the fixture's
// folder (events/<name>/ is <Name>Function's).
func checkRows(t *testing.T, rows []fixtureRow) {
	t.Helper()
	tpl, err := sam.Load(testenv.TemplatePath())
	if err != nil {
		t.Fatalf("load template: %v", err)
	}
	byFile := map[string]fixtureRow{}
	for _, r := range rows {
		if _, dup := byFile[r.fixture]; dup {
			t.Errorf("%s: two rows", r.fixture)
		}
		byFile[r.fixture] = r
		if _, err := tpl.Function(r.function); err != nil {
			t.Errorf("%s: function %s: %v", r.fixture, r.function, err)
		}
		if dir := filepath.Dir(r.fixture); dir != strings.ToLower(strings.TrimSuffix(r.function, "Function")) {
			t.Errorf("%s: row says %s, but events/%s/ holds the events of the function named after the folder", r.fixture, r.function, dir)
		}
	}
	root := filepath.Join(testenv.Root(), "events")
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		if _, ok := byFile[rel]; !ok {
			t.Errorf("events/%s has no row in TestEveryEventFixture: add one that runs it through its function's handler", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk events/: %v", err)
	}
	for f := range byFile {
		if !seen[f] {
			t.Errorf("row %s: no such file under events/", f)
		}
	}
}

// stores is this test's table, for setting up and checking a row.
func stores(env testenv.Env) *allstores.Stores {
	return allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
}

// noSend records a case's notices as sent without sending them, for rows
// that open a case only as their starting point.
type noSend struct{}

func (noSend) SendNotice(context.Context, casework.Notice, casework.Case) (string, error) {
	return "local", nil
}

// withEmail returns the stream record with its new image's e-mail address
// replaced.
func withEmail(r events.DynamoDBEventRecord, email string) events.DynamoDBEventRecord {
	img := map[string]events.DynamoDBAttributeValue{}
	for k, v := range r.Change.NewImage {
		img[k] = v
	}
	img["email"] = events.NewStringAttribute(email)
	r.Change.NewImage = img
	return r
}

// mailsTo returns the decoded messages the emulator's SES holds for addr.
func mailsTo(t *testing.T, addr string) []string {
	t.Helper()
	out, err := emulator.MailTo(emulator.EnsureEndpoint(t), addr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
