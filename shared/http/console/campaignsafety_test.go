package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/http/preferences"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/scan"
)

// clockEnv is a lambdaEnv whose campaign desk reads a clock the test sets,
// and seals test links with signer.
type clockEnv struct {
	*lambdaEnv
	now    atomic.Pointer[time.Time]
	signer *link.Signer
}

func newClockEnv(t *testing.T, start time.Time) *clockEnv {
	e := &clockEnv{lambdaEnv: newLambdaEnv(t), signer: testSigner(t)}
	e.set(start)
	clock := func() time.Time { return *e.now.Load() }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	desk := greeting.NewDesk(e.db, sesmail.New(sesv2.NewFromConfig(e.env.Config), e.env.Resources["SenderIdentity"].Name, ""), "http://127.0.0.1:8080", clock).WithSigner(e.signer)
	e.console = httpadapter.NewV2(console.NewHandler(e.db, e.db, desk,
		scan.NewReviews(e.db, e.db, intake.NewService(e.db, e.db, time.Now), time.Now), e.crops, "/local/signin", "wang", log))
	return e
}

func (e *clockEnv) set(t time.Time) { e.now.Store(&t) }

// snapshot returns every item of the table, so a test can show that a
// refused request wrote nothing (a test may Scan; request paths never do).
func (e *lambdaEnv) snapshot(t *testing.T) string {
	t.Helper()
	var items []string
	p := dynamodb.NewScanPaginator(e.ddb, &dynamodb.ScanInput{TableName: aws.String(e.env.Table())})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			b, err := json.Marshal(it)
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, string(b))
		}
	}
	slices.Sort(items)
	return strings.Join(items, "\n")
}

// fixtureCampaign returns the create-campaign fixture's body with changes.
func fixtureCampaign(t *testing.T, change map[string]any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(fixture(t, "console/create-campaign.json").Body), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range change {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

type problem struct {
	Title  string
	Errors []struct{ Field, Rule, Message string }
}

func (p problem) names(field, rule string) bool {
	for _, f := range p.Errors {
		if f.Field == field && f.Rule == rule && f.Message != "" && !strings.HasPrefix(f.Message, "rule.") {
			return true
		}
	}
	return false
}

// TestCampaignPastDateRefused: a campaign whose send day has passed in a
// store's own time zone is refused on save, approve and schedule with a
// problem document naming the field, and the table is left exactly as it
// was; a send day of today (Taipei) is still accepted.
func TestCampaignPastDateRefused(t *testing.T) {
	// 2027-09-10 20:30 in Taipei (UTC+8) is still 2027-09-10 at all three
	// demo stores; Mid-Autumn 2027 is 09-15, the fixture sends 5 days before.
	sendDay := time.Date(2027, 9, 10, 12, 30, 0, 0, time.UTC)
	e := newClockEnv(t, sendDay.AddDate(0, 0, -10))
	api := campaignAPI{t, e.lambdaEnv}

	e.set(sendDay)
	saves := []struct {
		name, body string
		field      string // "" accepted
	}{
		{"holiday of a past year", fixtureCampaign(t, map[string]any{"year": 2026}), "year"},
		{"lead that puts the send day before today", fixtureCampaign(t, map[string]any{"leadDays": 6}), "year"},
		{"custom date yesterday", fixtureCampaign(t, map[string]any{"occasion": "custom", "year": nil, "leadDays": 0, "customDate": "2027-09-09",
			"customNames": map[string]string{"en": "Our day"}}), "customDate"},
		{"custom date today", fixtureCampaign(t, map[string]any{"occasion": "custom", "year": nil, "leadDays": 0, "customDate": "2027-09-10",
			"customNames": map[string]string{"en": "Our day"}}), ""},
		{"send day today", fixtureCampaign(t, nil), ""},
	}
	for _, tt := range saves {
		t.Run(tt.name, func(t *testing.T) {
			api := campaignAPI{t, e.lambdaEnv}
			if tt.field == "" {
				api.do("POST", "/api/v1/campaigns", tt.body, "marketing", "marketing", 201, nil)
				return
			}
			before := e.snapshot(t)
			var p problem
			api.do("POST", "/api/v1/campaigns", tt.body, "marketing", "marketing", 422, &p)
			if !p.names(tt.field, "past") {
				t.Errorf("%s not named as past in %+v", tt.field, p.Errors)
			}
			if e.snapshot(t) != before {
				t.Error("a refused campaign changed the table")
			}
		})
	}

	// Saved and approved in time, then left until the send day passed.
	e.set(sendDay.AddDate(0, 0, -10))
	var c greeting.Campaign
	api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &c)
	path := "/api/v1/campaigns/" + c.ID
	e.set(sendDay.AddDate(0, 0, 1))
	before := e.snapshot(t)
	var p problem
	api.do("POST", path+"/approve", version(c.Version), "marketing.lead", "marketing", 422, &p)
	api.do("PUT", path, fixtureCampaign(t, map[string]any{"version": c.Version}), "marketing", "marketing", 422, &p)
	if !p.names("year", "past") {
		t.Errorf("approve/edit after the send day: year not named in %+v", p.Errors)
	}
	if e.snapshot(t) != before {
		t.Error("a refused approval or edit changed the table")
	}
	e.set(sendDay.AddDate(0, 0, -1))
	api.do("POST", path+"/approve", version(c.Version), "marketing.lead", "marketing", 200, &c)
	e.set(sendDay.AddDate(0, 0, 1))
	before = e.snapshot(t)
	api.do("POST", path+"/schedule", version(c.Version), "marketing", "marketing", 422, &p)
	if e.snapshot(t) != before {
		t.Error("a refused schedule changed the table")
	}
	e.set(sendDay)
	api.do("POST", path+"/schedule", version(c.Version), "marketing", "marketing", 200, &c)
	if c.Status != greeting.Scheduled {
		t.Errorf("scheduled on its send day: got %s", c.Status)
	}
}

type reviewed struct {
	greeting.Campaign
	greeting.Review
}

func (r reviewed) warned(code, store string) string {
	for _, w := range r.Warnings {
		if w.Code == code && w.Store == store {
			return w.Message
		}
	}
	return ""
}

// TestCampaignWarnings: a campaign for a zh-CN store with only English
// content is saved, with a warning naming the store in the reader's
// language; a segment matching nobody is warned about until a diner
// matches; a campaign with every store's language has no language warning.
func TestCampaignWarnings(t *testing.T) {
	e := newClockEnv(t, time.Date(2027, 8, 1, 4, 0, 0, 0, time.UTC))
	api := campaignAPI{t, e.lambdaEnv}
	english := map[string]any{"en": map[string]string{"subject": "Happy Mid-Autumn, {name}", "body": "From {store}. Code {coupon}."}}

	var r reviewed
	api.do("POST", "/api/v1/campaigns", fixtureCampaign(t, map[string]any{"segment": map[string]any{"stores": []string{"S002", "S003"}}, "content": english}),
		"marketing", "marketing", 201, &r)
	msg := r.warned(greeting.WarnStoreLanguage, "S002")
	if !strings.Contains(msg, "S002") || !strings.Contains(msg, "簡體中文") || !strings.Contains(msg, "英文") {
		t.Errorf("zh-CN store without zh-CN content: warning %q in %+v", msg, r.Warnings)
	}
	if m := r.warned(greeting.WarnStoreLanguage, "S003"); m != "" {
		t.Errorf("S003 is an English store, warned: %q", m)
	}
	if r.warned(greeting.WarnSegmentEmpty, "") == "" {
		t.Errorf("no diner matches, not warned: %+v", r.Warnings)
	}

	var full reviewed
	api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &full)
	for _, w := range full.Warnings {
		if w.Code == greeting.WarnStoreLanguage {
			t.Errorf("every language present, warned: %+v", w)
		}
	}

	putDiner(t, e.lambdaEnv, "S002", "warn@example.net", "李先生", "", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC))
	api.do("GET", "/api/v1/campaigns/"+r.ID, "", "marketing", "marketing", 200, &r)
	if m := r.warned(greeting.WarnSegmentEmpty, ""); m != "" {
		t.Errorf("a diner matches, still warned: %q", m)
	}
	if r.warned(greeting.WarnStoreLanguage, "S002") == "" {
		t.Error("a GET lost the language warning")
	}
}

// putDiner writes a confirmed diner of store with a last visit at last.
func putDiner(t *testing.T, e *lambdaEnv, store, email, name, lang string, last time.Time) {
	t.Helper()
	ctx := context.Background()
	p := diner.Profile{BrandID: "wang", Key: "email:" + email, Email: email, Name: name, Language: lang,
		LastStoreID: store, LastVisitDate: last.Format(time.DateOnly), Visits: 1, Birthday: "03-04", UpdatedAt: last}
	if err := e.db.PutDiner(ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.SyncMarketing(ctx, p, diner.MarketingConfirmed); err != nil {
		t.Fatal(err)
	}
}

// approvalMails counts the approval e-mails the emulator took for a
// campaign, by recipient.
func approvalMails(t *testing.T, e *lambdaEnv, campaignID string) map[string]int {
	t.Helper()
	out := map[string]int{}
	to := regexp.MustCompile(`(?m)^To: (.*)\r?$`)
	for _, m := range e.sentMail(t) {
		if !strings.Contains(m, "X-Cardloop-Campaign: "+campaignID) || strings.Contains(m, "List-Unsubscribe") {
			continue
		}
		if s := to.FindStringSubmatch(m); s != nil {
			out[strings.TrimSpace(s[1])]++
		}
	}
	return out
}

// TestCampaignApproversNotifiedOnce: the author of a campaign for two
// stores may not approve it and, once it is submitted, reads whom it waits
// for; the brand's approvers are e-mailed once, however often it is
// submitted (again, stale, or at once), and once more only after an edit
// makes it a new draft to approve.
func TestCampaignApproversNotifiedOnce(t *testing.T) {
	e := newClockEnv(t, time.Date(2027, 8, 1, 4, 0, 0, 0, time.UTC))
	api := campaignAPI{t, e.lambdaEnv}
	var r reviewed
	api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &r)
	path := "/api/v1/campaigns/" + r.ID
	if r.Review.CanApprove || len(r.WaitingFor) != 0 {
		t.Errorf("new draft for its author: canApprove %v, waiting for %v", r.Review.CanApprove, r.WaitingFor)
	}
	api.do("POST", path+"/submit", version(r.Version), "marketing", "marketing", 200, &r)
	if !slices.Equal(r.WaitingFor, []string{"marketing.lead@example.com"}) || r.SubmittedBy != "marketing@example.com" || r.NotifiedAt == nil {
		t.Fatalf("submitted: waiting for %v, by %q, notified %v", r.WaitingFor, r.SubmittedBy, r.NotifiedAt)
	}
	submitted := r.Version
	api.do("POST", path+"/submit", version(r.Version), "marketing", "marketing", 200, &r) // again
	api.do("POST", path+"/submit", version(submitted-1), "marketing", "marketing", 409, nil)
	if r.Version != submitted {
		t.Errorf("a repeated submit wrote the campaign: version %d, was %d", r.Version, submitted)
	}
	if got := approvalMails(t, e.lambdaEnv, r.ID); len(got) != 1 || got["marketing.lead@example.com"] != 1 {
		t.Errorf("approval e-mails after three submits: %v, want one to marketing.lead", got)
	}

	var lead reviewed
	api.do("GET", path, "", "marketing.lead", "marketing", 200, &lead)
	if !lead.Review.CanApprove {
		t.Error("the approver may not approve")
	}

	v := r.Version
	r = reviewed{} // absent fields must read as absent
	api.do("PUT", path, fixtureCampaign(t, map[string]any{"name": "Mid-Autumn 2027 (v2)", "version": v}), "marketing", "marketing", 200, nil)
	api.do("GET", path, "", "marketing", "marketing", 200, &r) // as stored
	if r.SubmittedAt != nil || len(r.WaitingFor) != 0 {
		t.Errorf("an edit kept the submission: %v, waiting for %v", r.SubmittedAt, r.WaitingFor)
	}
	api.do("POST", path+"/submit", version(r.Version), "marketing", "marketing", 200, &r)
	if got := approvalMails(t, e.lambdaEnv, r.ID); got["marketing.lead@example.com"] != 2 {
		t.Errorf("approval e-mails after an edit and a new submit: %v, want two to marketing.lead", got)
	}
	api.do("POST", path+"/approve", version(r.Version), "marketing.lead", "marketing", 200, &r)
	api.do("POST", path+"/submit", version(r.Version), "marketing", "marketing", 409, nil) // no longer a draft
}

// TestCampaignSegmentPreview: the preview counts the segment by store and
// by the language each diner's greeting will be in, and shows some names,
// masked.
func TestCampaignSegmentPreview(t *testing.T) {
	now := time.Date(2027, 8, 1, 4, 0, 0, 0, time.UTC)
	e := newClockEnv(t, now)
	api := campaignAPI{t, e.lambdaEnv}
	var c greeting.Campaign
	api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &c)
	recent := now.AddDate(0, -1, 0)
	putDiner(t, e.lambdaEnv, "S001", "p1@example.net", "林小姐", "", recent)
	putDiner(t, e.lambdaEnv, "S001", "p2@example.net", "Amy Chen", "en", recent)
	putDiner(t, e.lambdaEnv, "S002", "p3@example.net", "王先生", "", recent)
	putDiner(t, e.lambdaEnv, "S003", "p4@example.net", "Not In Segment", "", recent)
	var seg greeting.SegmentCount
	api.do("GET", "/api/v1/campaigns/"+c.ID+"/segment", "", "marketing", "marketing", 200, &seg)
	if seg.Diners != 3 || seg.Stores["S001"] != 2 || seg.Stores["S002"] != 1 ||
		seg.Languages["zh-TW"] != 1 || seg.Languages["en"] != 1 || seg.Languages["zh-CN"] != 1 {
		t.Errorf("segment: %+v", seg)
	}
	slices.Sort(seg.Sample)
	if want := []string{"A•••", "林•••", "王•••"}; !slices.Equal(seg.Sample, want) {
		t.Errorf("sample %q, want %q", seg.Sample, want)
	}
}

// TestCampaignTestSendLinks: the unsubscribe link of a test send opens a
// working page (not "this link is invalid") and its button answers done,
// and no diner is read or changed: the table is as it was.
func TestCampaignTestSendLinks(t *testing.T) {
	e := newClockEnv(t, time.Date(2027, 8, 1, 4, 0, 0, 0, time.UTC))
	api := campaignAPI{t, e.lambdaEnv}
	var c greeting.Campaign
	api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &c)
	path := "/api/v1/campaigns/" + c.ID
	putDiner(t, e.lambdaEnv, "S001", "real@example.net", "林小姐", "", time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC))

	api.do("POST", path+"/test-send", `{"to":"links@example.com","lang":"en"}`, "marketing", "marketing", 202, nil)
	var raw string
	for _, m := range e.sentMail(t) {
		if strings.Contains(m, "links@example.com") && strings.Contains(m, "X-Cardloop-Campaign: "+c.ID) {
			raw = m
		}
	}
	u := regexp.MustCompile(`List-Unsubscribe: <http://127\.0\.0\.1:8080(/u/[A-Za-z0-9_-]+)>`).FindStringSubmatch(raw)
	if u == nil {
		t.Fatalf("no unsubscribe link in the test send:\n%s", raw)
	}
	consent := greeting.NewConsent(e.db, nil, e.signer, "http://127.0.0.1:8080", time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pages := preferences.NewHandler(consent, slog.New(slog.NewTextHandler(io.Discard, nil)))
	before := e.snapshot(t)
	for _, tt := range []struct {
		method, body, want string
	}{
		{"GET", "", "Unsubscribe"},
		{"POST", "List-Unsubscribe=One-Click", "unsubscribed"},
		{"POST", "", "unsubscribed"},
	} {
		req := httptest.NewRequest(tt.method, u[1]+"?lang=en", strings.NewReader(tt.body))
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		pages.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s %s: %d, want 200 with %q:\n%s", tt.method, u[1], rec.Code, tt.want, rec.Body.String())
		}
	}
	if e.snapshot(t) != before {
		t.Error("the test send's unsubscribe link changed the table")
	}
	// The preview's link is a test recipient's too.
	var pv struct{ Headers map[string]string }
	api.do("POST", path+"/preview", `{"lang":"en"}`, "marketing", "marketing", 200, &pv)
	if l := pv.Headers["List-Unsubscribe"]; !strings.Contains(l, "/u/") || strings.Contains(l, "/u/preview") {
		t.Errorf("preview link %q", l)
	}
}
