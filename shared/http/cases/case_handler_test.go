package cases_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/http/cases"
	"github.com/cardloop/cardloop/shared/link"
)

type caseRig struct {
	db     *allstores.Stores
	cases  *casework.Service
	signer *link.Signer
	clock  *time.Time
	h      http.Handler
	id     string
}

type noSend struct{}

func (noSend) SendNotice(context.Context, casework.Notice, casework.Case) (string, error) {
	return "local", nil
}

func newCaseRig(t *testing.T) *caseRig {
	env := testenv.New(t)
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	now := time.Now()
	r := &caseRig{db: db, clock: &now}
	clock := func() time.Time { return *r.clock }
	r.signer, _ = link.NewSigner([]byte(strings.Repeat("s", 32)), clock)
	r.cases = casework.NewService(db, db, noSend{}, clock)
	r.h = cases.NewCaseHandler(r.cases, db, r.signer, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	res, err := intake.NewService(db, db, clock).Submit(ctx, card.Submission{StoreID: "S001", Ratings: map[string]int{"main": 1, "overall": 3},
		Comment: "<b>太老</b>", Diner: card.DinerInput{Name: "林小姐", Phone: fmt.Sprintf("09%08d", rand.IntN(1e8))},
		Consent: card.ConsentInput{Contact: true}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.cases.Triage(ctx, res.Card); err != nil {
		t.Fatal(err)
	}
	r.id = casework.ID("S001", res.Card.Diner.Key, res.Card.ID, res.Card.VisitDate)
	return r
}

func (r *caseRig) record(t *testing.T) casework.Record {
	t.Helper()
	rec, err := r.cases.Record(context.Background(), r.id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func (r *caseRig) get(q url.Values) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, httptest.NewRequest("GET", "/k/"+r.id+"?"+q.Encode(), nil))
	return rec
}

func (r *caseRig) post(q url.Values, form url.Values) *httptest.ResponseRecorder {
	for k, v := range q {
		form[k] = v
	}
	req := httptest.NewRequest("POST", "/k/"+r.id, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return rec
}

// ackForm returns the fields the page's first Acknowledge button posts,
// failing when the page does not put that button first and focused.
func ackForm(t *testing.T, page string) url.Values {
	t.Helper()
	m := regexp.MustCompile(`(?s)<form method="post" action="[^"]*" class="panel" id="acknowledge-first">(.*?)</form>`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(m[1], `<button type="submit" autofocus>`) {
		t.Fatalf("the page has no focused Acknowledge button first: %.300s", page)
	}
	form := url.Values{}
	for _, in := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(m[1], -1) {
		form.Set(in[1], html.UnescapeString(in[2]))
	}
	if form.Get("action") != "acknowledge" || form.Get("s") == "" || form.Get("version") == "" {
		t.Fatalf("acknowledge form: got %v, want the action, the token and the version", form)
	}
	return form
}

// TestAcknowledgeOnce: the page's Acknowledge button acknowledges the case;
// pressing it again (a double click, a replayed post) records nothing more.
func TestAcknowledgeOnce(t *testing.T) {
	r := newCaseRig(t)
	page := r.get(r.signer.Query(r.id, "ack", link.DefaultTTL))
	if !strings.Contains(page.Body.String(), "&lt;b&gt;太老&lt;/b&gt;") {
		t.Error("the comment is not shown escaped")
	}
	form := ackForm(t, page.Body.String())
	res := r.post(url.Values{}, form)
	if res.Code != http.StatusSeeOther || !strings.Contains(res.Header().Get("Location"), "done=1") {
		t.Fatalf("acknowledge: got %d %s, want 303 back to the page", res.Code, res.Header().Get("Location"))
	}
	first := r.record(t)
	if first.Case.Status != casework.Acknowledged || first.Case.Acknowledged == nil {
		t.Fatalf("after acknowledging: got status %s, want %s", first.Case.Status, casework.Acknowledged)
	}
	res = r.post(url.Values{}, ackForm(t, page.Body.String())) // the same button again, from the same page
	if res.Code != http.StatusSeeOther {
		t.Errorf("second press: got %d, want 303", res.Code)
	}
	if again := r.record(t); again.Case.Version != first.Case.Version || len(again.Events) != len(first.Events) {
		t.Errorf("second press: got version %d with %d events, want %d with %d (no change)", again.Case.Version, len(again.Events), first.Case.Version, len(first.Events))
	}
}

// TestAcknowledgeLinkGetChangesNothing: following the e-mail's acknowledge
// link (as a mail scanner does, twice) only shows the page, with the
// Acknowledge button first; the case is acknowledged by that button's POST.
func TestAcknowledgeLinkGetChangesNothing(t *testing.T) {
	r := newCaseRig(t)
	ack := r.signer.Query(r.id, "ack", link.DefaultTTL)
	before := r.record(t)
	var page *httptest.ResponseRecorder
	for range 2 {
		page = r.get(ack)
		if page.Code != 200 {
			t.Fatalf("ack link: got %d, want 200", page.Code)
		}
	}
	body := page.Body.String()
	if !strings.Contains(body, "請按下方按鈕，確認您已收到此案件") || strings.Contains(body, "已確認收到此案件。") {
		t.Error("the page does not ask to press Acknowledge, or says the case is acknowledged")
	}
	after := r.record(t)
	if after.Case.Status != casework.Open || after.Case.Acknowledged != nil || after.Case.Version != before.Case.Version || len(after.Events) != len(before.Events) {
		t.Fatalf("after GET: got status %s, acknowledged %v, version %d, %d events; want %s, nil, %d, %d (unchanged)",
			after.Case.Status, after.Case.Acknowledged, after.Case.Version, len(after.Events), casework.Open, before.Case.Version, len(before.Events))
	}
	if res := r.post(url.Values{}, ackForm(t, body)); res.Code != http.StatusSeeOther {
		t.Fatalf("the page's button: got %d, want 303", res.Code)
	}
	acked := r.record(t)
	if acked.Case.Status != casework.Acknowledged || acked.Case.Version != before.Case.Version+1 || len(acked.Events) != len(before.Events)+1 {
		t.Fatalf("after the button: got status %s, version %d, %d events; want %s, %d, %d",
			acked.Case.Status, acked.Case.Version, len(acked.Events), casework.Acknowledged, before.Case.Version+1, len(before.Events)+1)
	}
	if ev := acked.Events[len(acked.Events)-1]; ev.Action != "acknowledged" || ev.By != "manager.s001@example.com" {
		t.Errorf("audit: got %s by %s, want acknowledged by the store manager", ev.Action, ev.By)
	}
	again := r.get(ack).Body.String()
	if strings.Contains(again, `id="acknowledge-first"`) || !strings.Contains(again, "已確認收到此案件。") {
		t.Error("the ack link on an acknowledged case still offers to acknowledge, or does not say it is acknowledged")
	}
}

func TestBadLinksChangeNothing(t *testing.T) {
	r := newCaseRig(t)
	before := r.record(t)
	good := r.signer.Query(r.id, "ack", time.Hour)
	sig := []byte(good.Get("s"))
	sig[0] ^= 1 // another base64url character, never the same
	if sig[0] == '-' || sig[0] == '_' || sig[0] == ',' || sig[0] == '.' {
		sig[0] = 'A' + (sig[0] & 7)
	}
	tampered := url.Values{"a": {"ack"}, "e": good["e"], "s": {string(sig)}}
	if tampered.Get("s") == good.Get("s") {
		t.Fatal("tampering left the signature unchanged")
	}
	otherCase := r.signer.Query("k_someone_else", "ack", time.Hour)
	expired := r.signer.Query(r.id, "ack", time.Minute)
	tests := []struct {
		name   string
		q      url.Values
		status int
		words  string
	}{
		{"tampered signature", tampered, 403, "This link is not valid"},
		{"another case's link", otherCase, 403, "This link is not valid"},
		{"no token", url.Values{}, 403, "This link is not valid"},
		{"unknown action", url.Values{"a": {"resolve"}, "e": good["e"], "s": good["s"]}, 403, "This link is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := r.get(tt.q)
			if res.Code != tt.status || !strings.Contains(res.Body.String(), tt.words) {
				t.Errorf("got %d, want %d with %q", res.Code, tt.status, tt.words)
			}
		})
	}
	later := r.clock.Add(2 * time.Minute)
	r.clock = &later
	if res := r.get(expired); res.Code != http.StatusGone || !strings.Contains(res.Body.String(), "expired") {
		t.Errorf("expired link: got %d, want 410 with an expiry message", res.Code)
	}
	if res := r.post(tampered, url.Values{"action": {"resolve"}, "version": {fmt.Sprint(before.Case.Version)}}); res.Code != 403 {
		t.Errorf("post with a tampered token: got %d, want 403", res.Code)
	}
	if after := r.record(t); after.Case.Version != before.Case.Version || after.Case.Status != casework.Open {
		t.Errorf("case after bad links: got version %d status %s, want unchanged", after.Case.Version, after.Case.Status)
	}
}

func TestRecordCallAndResolve(t *testing.T) {
	r := newCaseRig(t)
	open := r.signer.Query(r.id, "open", link.DefaultTTL)
	v := func() string { return fmt.Sprint(r.record(t).Case.Version) }

	res := r.post(open, url.Values{"action": {"contact"}, "version": {v()}, "outcome": {"shouted"}})
	if res.Code != 422 || !strings.Contains(res.Body.String(), "請從選項中選擇") {
		t.Fatalf("bad outcome: got %d, want 422 with the message in zh-TW", res.Code)
	}
	res = r.post(open, url.Values{"action": {"resolve"}, "version": {v()}})
	if res.Code != 422 || !strings.Contains(res.Body.String(), "請先記錄一次聯絡到顧客的通話再結案") {
		t.Fatalf("resolve before a call: got %d, want 422 asking for a call first", res.Code)
	}
	stale := v()
	res = r.post(open, url.Values{"action": {"contact"}, "version": {stale}, "outcome": {"reached"}, "apologyGiven": {"yes"},
		"remedyCategory": {"voucher"}, "satisfied": {"yes"}, "listened": {"牛排太老"}})
	if res.Code != http.StatusSeeOther || !strings.Contains(res.Header().Get("Location"), "done=1") {
		t.Fatalf("record a reached call: got %d %s, want 303 back to the page", res.Code, res.Header().Get("Location"))
	}
	res = r.post(open, url.Values{"action": {"contact"}, "version": {stale}, "outcome": {"reached"}}) // the same post replayed
	if res.Code != http.StatusConflict {
		t.Errorf("replayed post: got %d, want 409", res.Code)
	}
	if contacts := r.record(t).Case.Contacts; len(contacts) != 1 {
		t.Errorf("contacts after a replay: got %d, want 1", len(contacts))
	}
	res = r.post(open, url.Values{"action": {"resolve"}, "version": {v()}, "note": {"已致歉並送餐券"}})
	if res.Code != http.StatusSeeOther {
		t.Fatalf("resolve: got %d", res.Code)
	}
	rec := r.record(t)
	if rec.Case.Status != casework.Resolved || !rec.Case.FirstResolved {
		t.Errorf("after resolve: got %s, first-contact resolution %v", rec.Case.Status, rec.Case.FirstResolved)
	}
	actions := []string{}
	for _, ev := range rec.Events {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, ","); got != "opened,acknowledged,contact,resolved" && got != "opened,contact,resolved" {
		t.Errorf("audit: got %s", got)
	}
	page := r.get(open)
	if !strings.Contains(page.Body.String(), "已結案") || !strings.Contains(page.Body.String(), `value="reopen"`) {
		t.Error("the resolved case page does not offer to reopen")
	}
}

// TestCaseFixture runs events/case/open-with-bad-link.json (a case link with
// a forged signature) through the Lambda adapter: a clear 403 page.
func TestCaseFixture(t *testing.T) {
	signer, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), time.Now)
	h := httpadapter.NewV2(cases.NewCaseHandler(nil, nil, signer, slog.New(slog.NewTextHandler(io.Discard, nil))))
	var ev events.APIGatewayV2HTTPRequest
	testenv.Fixture(t, "case/open-with-bad-link.json", &ev)
	resp, err := h.ProxyWithContext(context.Background(), ev)
	if err != nil || resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Body, "此連結無效") {
		t.Errorf("got %d %.200s, %v; want 403 with the zh-TW explanation", resp.StatusCode, resp.Body, err)
	}
}
