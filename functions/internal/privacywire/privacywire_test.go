package privacywire_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/functions/internal/privacywire"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/casestore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/privacystore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/scanstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/privacy"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/setup"
	"github.com/cardloop/cardloop/shared/triage"
)

// world is one test's copy of the template's resources and the clients
// the test reads them with.
type world struct {
	env    testenv.Env
	app    *setup.App
	db     *dynamodb.Client
	s3     *s3.Client
	bucket string
	table  *dynamo.Table
	signer *link.Signer
}

func newWorld(t *testing.T, now func() time.Time) world {
	env := testenv.New(t)
	db := dynamodb.NewFromConfig(env.Config)
	signer, err := link.NewSigner(bytes.Repeat([]byte{9}, 32), now)
	if err != nil {
		t.Fatal(err)
	}
	app := &setup.App{Env: setup.Env{Table: env.Table()}, AWS: env.Config, DynamoDB: db,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: now}
	return world{env: env, app: app, db: db, s3: s3.NewFromConfig(env.Config, func(o *s3.Options) {
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	}),
		bucket: env.Resources["ScanBucket"].Name, table: dynamo.New(db, env.Table()), signer: signer}
}

func (w world) service() privacywire.Service {
	return privacywire.Build(w.app, w.signer, w.bucket, phone.Normalize)
}

// diner is a seeded diner's identity, as the test searches for it.
type seeded struct {
	name, phone, national, email string
	key                          string
	paperSerials                 []string
	cards                        []string
}

// seedDiner stores online cards and n-online paper cards of one diner
// (with their crops and scan file in the bucket), a resolved case with
// notes, a confirmed greeting consent and a greeting sent.
func (w world) seedDiner(t *testing.T, ctx context.Context, d seeded, online, paper int, withCase bool) seeded {
	t.Helper()
	cards := cardstore.New(w.table)
	svc := intake.NewService(brandstore.New(w.table), cards, time.Now)
	today := time.Now().UTC().Format(time.DateOnly)
	for i := range online + paper {
		sub := card.Submission{SubmissionID: fmt.Sprintf("%s-%d", d.national, i), StoreID: "S001", VisitDate: today,
			Ratings: map[string]int{"overall": 1 + i%5, "main": 1}, Comment: "牛排太老了 " + d.name,
			Diner:   card.DinerInput{Name: d.name, Phone: d.national, Email: d.email, Birthday: "11-25"},
			Consent: card.ConsentInput{Contact: true, Marketing: i == 0}}
		m := card.Meta{Source: card.SourceQR}
		if i >= online {
			serial := fmt.Sprintf("%s%04d", d.national[len(d.national)-4:], i)
			m = card.Meta{Source: card.SourceScan, Serial: serial}
			d.paperSerials = append(d.paperSerials, serial)
			object := "scans/" + today + "/S001/" + serial + ".png"
			for _, name := range []string{"name.png", "phone.png", "comment.png", "consent.png"} {
				w.put(t, ctx, scan.CropPrefix("S001", serial)+name, "image of "+d.name+" "+d.phone)
			}
			w.put(t, ctx, object, "scan page of "+d.name)
			if _, err := scanstore.New(w.table).PutReview(ctx, scan.Review{ID: scan.ReviewID("S001", serial), StoreID: "S001", Serial: serial,
				Object: object, Page: 1, VisitDate: today, Answers: scan.Answers{"diner.phone": d.national, "overall": "3"},
				Crops: map[string]string{"name": scan.CropPrefix("S001", serial) + "name.png"}, Status: "waiting", CreatedAt: time.Now()}); err != nil {
				t.Fatalf("put review: %v", err)
			}
		}
		res, err := svc.Submit(ctx, sub, m)
		if err != nil {
			t.Fatalf("seed card %d: %v", i, err)
		}
		d.cards = append(d.cards, res.Card.ID)
		d.key = res.Card.Diner.Key
	}
	if withCase {
		now := time.Now().UTC()
		k := casework.Case{ID: "k_" + d.tag(), BrandID: "wang", StoreID: "S001", Severity: triage.Apology, Status: casework.Resolved,
			CardIDs: d.cards[:1], DinerKey: d.key, DinerName: d.name, DinerPhone: d.phone, VisitDate: today, OpenedAt: now.Add(-time.Hour), DueAt: now.Add(23 * time.Hour),
			ResolvedAt: &now, Contacts: []casework.Contact{{At: now, By: "manager.s001@example.com", Outcome: casework.Reached, ApologyGiven: true,
				Listened: d.name + " said the steak was cold", Remedy: "voucher for " + d.email, Notes: "call " + d.phone}}}
		opened := k
		opened.Status, opened.ResolvedAt, opened.Contacts = casework.Open, nil, nil
		stored, err := casestore.New(w.table).SaveCase(ctx, casework.Change{Case: opened, Created: true, Events: []casework.Event{
			{At: now.Add(-time.Hour), By: "triage", Action: "opened", Detail: map[string]string{"card": d.cards[0], "severity": "apology"}},
		}, Tally: casework.Tally{OpenedApology: 1}})
		if err != nil {
			t.Fatalf("seed case: %v", err)
		}
		k.Version = stored.Version
		if _, err := casestore.New(w.table).SaveCase(ctx, casework.Change{Case: k, Events: []casework.Event{
			{At: now, By: "manager.s001@example.com", Action: "resolved", Detail: map[string]string{"notes": "spoke to " + d.name}},
		}, Tally: casework.Tally{Acknowledged: 1, FirstContacted: 1}}); err != nil {
			t.Fatalf("resolve case: %v", err)
		}
	}
	greets := greetstore.New(w.table)
	p, err := cards.Diner(ctx, "wang", d.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := greets.SetMarketing(ctx, p, "marketingConsentConfirmed", diner.Consent{At: time.Now(), Source: "email-link"}, diner.MarketingConfirmed, ""); err != nil {
		t.Fatalf("confirm greetings: %v", err)
	}
	if o, err := greets.ClaimSend(ctx, greeting.Intent{BrandID: "wang", DinerKey: d.key, Email: d.email, Occasion: "birthday", Year: 2026,
		CampaignID: "cmp_birthday", Attempt: "att-" + d.tag(), At: time.Now(), CapSince: time.Now().Add(-7 * 24 * time.Hour)}); err != nil || o != greeting.Claimed {
		t.Fatalf("send greeting: got %v, %v", o, err)
	}
	// The address later bounced: its suppression must outlive the erasure.
	if err := greets.Suppress(ctx, d.email, "bounce", time.Now()); err != nil {
		t.Fatal(err)
	}
	return d
}

// tag names the diner's test items without their data: the e-mail's
// first word ("lin" of lin.erase@example.com).
func (d seeded) tag() string { return strings.Split(d.email, ".")[0] }

func (w world) put(t *testing.T, ctx context.Context, key, body string) {
	t.Helper()
	if _, err := w.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: &w.bucket, Key: &key, Body: strings.NewReader(body)}); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// scanTable returns every item of the table (a Scan is fine in a test), as
// JSON, keyed by pk and sk.
func (w world) scanTable(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := dynamodb.NewScanPaginator(w.db, &dynamodb.ScanInput{TableName: aws.String(w.env.Table())})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("scan: %v", err)
		}
		for _, it := range page.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(m)
			out[fmt.Sprint(m["pk"], " ", m["sk"])] = string(b)
		}
	}
	return out
}

// bucketText returns every version of every object of the bucket: key and
// body.
func (w world) bucketText(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := s3.NewListObjectVersionsPaginator(w.s3, &s3.ListObjectVersionsInput{Bucket: &w.bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list versions: %v", err)
		}
		for _, v := range page.Versions {
			obj, err := w.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &w.bucket, Key: v.Key, VersionId: v.VersionId})
			if err != nil {
				t.Fatalf("get %s: %v", aws.ToString(v.Key), err)
			}
			b, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			out[aws.ToString(v.Key)+"@"+aws.ToString(v.VersionId)] = string(b)
		}
	}
	return out
}

// traces lists where any of needles still appears.
func traces(items map[string]string, needles ...string) []string {
	var found []string
	for k, v := range items {
		for _, n := range needles {
			if strings.Contains(k, n) || strings.Contains(v, n) {
				found = append(found, fmt.Sprintf("%q in %s", n, k))
			}
		}
	}
	sort.Strings(found)
	return found
}

// storeFigures are the store's insight items (cards' and cases' counters).
func (w world) storeFigures(t *testing.T, items map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range items {
		if strings.HasPrefix(k, "STORE#S001 INSIGHT#") {
			out[k] = v
		}
	}
	return out
}

func TestEraseLeavesNoTraceAndNoHole(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Now)
	lin := w.seedDiner(t, ctx, seeded{name: "林小姐", phone: "+886912345678", national: "0912345678", email: "lin.erase@example.com"}, 2, 2, true)
	// Another diner, who must keep everything.
	wu := w.seedDiner(t, ctx, seeded{name: "吳先生", phone: "+886933111222", national: "0933111222", email: "wu.keep@example.com"}, 1, 1, true)
	before := w.scanTable(t, ctx)
	figures := w.storeFigures(t, before)
	if len(figures) == 0 || len(traces(before, lin.phone, lin.email, lin.name)) == 0 {
		t.Fatalf("seed: got %d insight items and no trace of the diner; want both", len(figures))
	}
	cardsBefore := map[string]card.Card{}
	for _, id := range lin.cards {
		c, err := cardstore.New(w.table).Card(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		cardsBefore[id] = c
	}

	svc := w.service()
	r, err := svc.Erase(ctx, "wang", "ops@example.com", "diner asked by phone", privacy.Who{Phone: lin.national, Region: "TW"})
	if err != nil {
		t.Fatalf("erase: %v", err)
	}
	if r.Status != privacy.Done || r.Law != privacy.TaiwanPDPA || r.DueAt.Sub(r.CreatedAt) != 30*24*time.Hour {
		t.Errorf("request: got status %s law %s due in %v; want done, TW-PDPA, 30 days", r.Status, r.Law, r.DueAt.Sub(r.CreatedAt))
	}

	after := w.scanTable(t, ctx)
	if got := traces(after, lin.phone, lin.national[1:], lin.email, lin.name); len(got) > 0 {
		t.Errorf("table still holds the erased diner: %v", got)
	}
	if got := traces(w.bucketText(t, ctx), lin.phone, lin.email, lin.name, lin.paperSerials[0], lin.paperSerials[1]); len(got) > 0 {
		t.Errorf("bucket still holds the erased diner: %v", got)
	}
	if got := traces(after, wu.phone, wu.email, wu.name); len(got) == 0 {
		t.Error("the other diner's data went too; want it kept")
	}
	if got := traces(w.bucketText(t, ctx), wu.name); len(got) != 5 {
		t.Errorf("the other diner's crops and scan: got %d objects naming them, want 5", len(got))
	}
	if got := w.storeFigures(t, after); !reflect.DeepEqual(got, figures) {
		t.Errorf("store figures changed:\n got %v\nwant %v", got, figures)
	}
	for _, id := range lin.cards {
		c, err := cardstore.New(w.table).Card(ctx, id)
		if err != nil {
			t.Fatalf("erased card %s: %v", id, err)
		}
		b := cardsBefore[id]
		if !reflect.DeepEqual(c.Ratings, b.Ratings) || c.VisitDate != b.VisitDate || c.StoreID != b.StoreID || c.Source != b.Source || c.Diner != (card.Diner{Language: b.Diner.Language}) || c.Comment != "" {
			t.Errorf("card %s: got %+v; want the scores, date, store and source of %+v without the diner", id, c, b)
		}
	}
	rec, err := casestore.New(w.table).CaseRecord(ctx, "k_"+lin.tag())
	if err != nil {
		t.Fatal(err)
	}
	if k := rec.Case; k.Status != "resolved" || k.ResolvedAt == nil || len(k.Contacts) != 1 || k.Contacts[0].Outcome != "reached" || !k.Contacts[0].ApologyGiven || k.DinerKey != "" {
		t.Errorf("case: got %+v; want its timings and outcome without contact details", k)
	}
	// The suppression is still honoured, by hash.
	if o, err := greetstore.New(w.table).ClaimSend(ctx, greeting.Intent{BrandID: "wang", DinerKey: lin.key, Email: lin.email,
		EmailHash: w.signer.Keyed("email", lin.email), Occasion: "christmas", Year: 2026, CampaignID: "cmp_x", Attempt: "a2", At: time.Now(), CapSince: time.Now()}); err != nil || o == greeting.Claimed {
		t.Errorf("greeting after erasure: got %v, %v; want not claimed", o, err)
	}
	if ok, err := greetstore.New(w.table).Suppressed(ctx, lin.email); err != nil || ok {
		t.Errorf("plain suppression: got %v, %v; want gone (kept as a hash)", ok, err)
	}

	// Erasing again writes nothing about the diner; an unknown diner gets
	// the same answer.
	again, err := svc.Erase(ctx, "wang", "ops@example.com", "asked again", privacy.Who{Phone: lin.national, Region: "TW"})
	if err != nil || again.Status != privacy.Done || again.Counts["cards"] != 0 {
		t.Errorf("second erasure: got %+v, %v; want done with nothing found", again, err)
	}
	if diff := diffIgnoringPrivacy(after, w.scanTable(t, ctx)); len(diff) > 0 {
		t.Errorf("second erasure changed: %v", diff)
	}
	unknown, err := svc.Erase(ctx, "wang", "ops@example.com", "asked", privacy.Who{Email: "nobody@example.com"})
	if err != nil || unknown.Status != privacy.Done || unknown.Kind != privacy.Erase {
		t.Errorf("unknown diner: got %+v, %v; want the same answer as a known one", unknown, err)
	}

	// The next card from the same phone starts a new profile.
	res, err := intake.NewService(brandstore.New(w.table), cardstore.New(w.table), time.Now).Submit(ctx, card.Submission{
		SubmissionID: "after-erasure", StoreID: "S001", Ratings: map[string]int{"overall": 5}, Diner: card.DinerInput{Phone: lin.national}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	p, err := cardstore.New(w.table).Diner(ctx, "wang", res.Card.Diner.Key)
	if err != nil || p.Visits != 1 || p.Name != "" || p.Email != "" || p.MarketingConsent != nil {
		t.Errorf("profile after a new card: got %+v, %v; want a new one, one visit", p, err)
	}
}

// diffIgnoringPrivacy lists the items that differ between two scans,
// leaving out privacy requests and the audit log.
func diffIgnoringPrivacy(a, b map[string]string) []string {
	var out []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if strings.HasPrefix(k, "PRIVACY") {
				continue
			}
			if a[k] != b[k] {
				out = append(out, k)
			}
		}
	}
	return out
}

// failingCards stops the erasure after a few cards, as a crash would.
type failingCards struct {
	privacy.Cards
	left int
}

func (f *failingCards) EraseCard(ctx context.Context, id string) error {
	f.left--
	if f.left < 0 {
		return fmt.Errorf("the process died")
	}
	return f.Cards.EraseCard(ctx, id)
}

func TestEraseStoppedHalfwayFinishesOnRetry(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, time.Now)
	n := 200
	if testing.Short() {
		n = 20
	}
	chen := w.seedDiner(t, ctx, seeded{name: "陳太太", phone: "+886955666777", national: "0955666777", email: "chen.crash@example.com"}, n-2, 2, true)
	full := w.service()
	store := privacystore.New(w.table)
	table := dynamo.New(w.db, w.env.Table())
	crashing := privacy.NewService(privacy.Deps{
		Requests: store, Diners: struct {
			*cardstore.Cards
			*greetstore.Greetings
		}{cardstore.New(table), greetstore.New(table)},
		Cards: &failingCards{Cards: cardstore.New(table), left: n / 2}, Cases: casestore.New(table), Greetings: greetstore.New(table),
		Scans: scanstore.New(table), Files: full.Files, Stores: brandstore.New(table), Hash: w.signer, Phone: phone.Normalize,
		Now: time.Now, NewID: func() string { return "pr_crash" }, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	start := time.Now()
	r, err := crashing.Erase(ctx, "wang", "ops@example.com", "diner asked", privacy.Who{Email: chen.email})
	t.Logf("erasure of a diner with %d cards stopped after %d cards, in %v", n, n/2, time.Since(start))
	if err == nil {
		t.Fatal("crashing erasure: got no error; want it to stop")
	}
	stopped, err := store.Request(ctx, "pr_crash")
	if err != nil || stopped.Status != privacy.Open || stopped.Step != privacy.StepCards {
		t.Fatalf("stopped request: got %+v, %v; want open at step cards", stopped, err)
	}
	open, err := full.OpenRequests(ctx, "wang")
	if err != nil || len(open) != 1 || open[0].ID != r.ID {
		t.Errorf("open requests: got %v, %v; want the stopped erasure", open, err)
	}
	start = time.Now()
	done, err := full.Resume(ctx, "wang", "pr_crash")
	if err != nil || done.Status != privacy.Done {
		t.Fatalf("resume: got %+v, %v; want done", done, err)
	}
	t.Logf("resumed erasure of a diner with %d cards (half of them left) in %v", n, time.Since(start))
	if got := traces(w.scanTable(t, ctx), chen.phone, chen.email, chen.name); len(got) > 0 {
		t.Errorf("after the retry, the table still holds the diner: %v", got[:min(5, len(got))])
	}
	if open, err := full.OpenRequests(ctx, "wang"); err != nil || len(open) != 0 {
		t.Errorf("open requests after the retry: got %v, %v; want none", open, err)
	}
}

func TestRetentionWithMovedClock(t *testing.T) {
	ctx := context.Background()
	now := time.Now().UTC()
	w := newWorld(t, func() time.Time { return now })
	cards := cardstore.New(w.table)
	// Each diner's card is taken in at a moved clock: its visit date and
	// consent time are then.
	at := func(when time.Time, id, national, email string, marketing bool) string {
		t.Helper()
		svc := intake.NewService(brandstore.New(w.table), cards, func() time.Time { return when })
		res, err := svc.Submit(ctx, card.Submission{SubmissionID: id, StoreID: "S001", Ratings: map[string]int{"overall": 4},
			Comment: "comment of " + id, Diner: card.DinerInput{Name: "Name " + id, Phone: national, Email: email},
			Consent: card.ConsentInput{Marketing: marketing}}, card.Meta{Source: card.SourceQR})
		if err != nil {
			t.Fatalf("card %s: %v", id, err)
		}
		return res.Card.Diner.Key
	}
	idle := at(now.AddDate(0, -25, 0), "idle", "0911000001", "idle@example.com", false)
	recent := at(now.AddDate(0, -23, 0), "recent", "0911000002", "recent@example.com", false)
	stale := at(now.AddDate(0, 0, -31), "stale", "0911000003", "stale@example.com", true)
	fresh := at(now.AddDate(0, 0, -10), "fresh", "0911000004", "fresh@example.com", true)

	svc := w.service()
	run, err := svc.Retain(ctx, "wang")
	if err != nil {
		t.Fatalf("retention run: %v", err)
	}
	if run.Erased != 1 || run.OptInsExpired != 1 {
		t.Errorf("run: got %+v; want 1 diner erased, 1 opt-in expired", run)
	}
	if _, err := cards.Diner(ctx, "wang", idle); err == nil {
		t.Error("idle diner: profile still there; want it gone")
	}
	if got := traces(w.scanTable(t, ctx), "0911000001", "idle@example.com", "Name idle", "comment of idle"); len(got) > 0 {
		t.Errorf("idle diner's personal data still kept: %v", got)
	}
	if p, err := cards.Diner(ctx, "wang", recent); err != nil || p.Name != "Name recent" {
		t.Errorf("diner seen 23 months ago: got %+v, %v; want kept", p, err)
	}
	p, err := cards.Diner(ctx, "wang", stale)
	if err != nil || p.MarketingConsent != nil || p.Marketing(true) != diner.MarketingNone || p.Name != "Name stale" {
		t.Errorf("opt-in unconfirmed for 31 days: got %+v, %v; want the consent gone, the diner kept", p, err)
	}
	if p, err := cards.Diner(ctx, "wang", fresh); err != nil || p.Marketing(true) != diner.MarketingPending {
		t.Errorf("opt-in of 10 days: got %+v, %v; want still pending", p, err)
	}
	// A second run finds nothing more to do.
	again, err := svc.Retain(ctx, "wang")
	if err != nil || again.Erased != 0 || again.OptInsExpired != 0 {
		t.Errorf("second run: got %+v, %v; want nothing done", again, err)
	}
}
