package wire

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/brandstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/greetstore"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mydata"
	"github.com/cardloop/cardloop/shared/setup"
)

// myDataRig is the "My data" pages as CaseFunction wires them, over a
// fresh copy of the template's table and the emulator's SES.
type myDataRig struct {
	h      http.Handler
	table  *dynamo.Table
	signer *link.Signer
	email  string
	key    string
}

func newMyDataRig(t *testing.T) myDataRig {
	env := testenv.New(t)
	db := dynamodb.NewFromConfig(env.Config)
	signer, err := link.NewSigner(bytes.Repeat([]byte{7}, 32), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	app := &setup.App{Env: setup.Env{Table: env.Table(), Sender: env.Resources["SenderIdentity"].Name, PublicBaseURL: "http://cardloop.test",
		DefaultBrand: "wang", ScanBucket: env.Resources["ScanBucket"].Name},
		AWS: env.Config, DynamoDB: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: time.Now}
	table := dynamo.New(db, env.Table())
	brands, cards := brandstore.New(table), cardstore.New(table)
	consent := greeting.NewConsent(struct {
		*brandstore.Brands
		*cardstore.Cards
		*greetstore.Greetings
	}{brands, cards, greetstore.New(table)}, nil, signer, "", time.Now, app.Log)
	email := "mydata." + strings.ToLower(rand.Text()[:8]) + "@example.com"
	res, err := intake.NewService(brands, cards, time.Now).Submit(context.Background(), card.Submission{
		SubmissionID: "sub-" + rand.Text()[:12], StoreID: "S001", VisitDate: time.Now().UTC().Format(time.DateOnly),
		Ratings: map[string]int{"overall": 2, "main": 1}, Comment: "湯是冷的",
		Diner:   card.DinerInput{Name: "林小姐", Phone: "0912" + rand.Text()[:0] + "345678", Email: email, Birthday: "11-25", Language: "zh-TW"},
		Consent: card.ConsentInput{Contact: true, Marketing: true}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		fe, _ := fault.As(err)
		t.Fatalf("seed card: %v %+v", err, fe.Fields)
	}
	return myDataRig{h: myData(app, signer, table, consent), table: table, signer: signer, email: email, key: res.Card.Diner.Key}
}

func (r myDataRig) do(t *testing.T, method, path string, form url.Values) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = "198.51.100.7:1234"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	return rec
}

// mailedLinks returns the "My data" links the emulator's SES sent to to.
func mailedLinks(t *testing.T, to string) []string {
	t.Helper()
	resp, err := http.Get(emulator.EnsureEndpoint(t) + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var data struct {
		SES struct {
			RawMessage []struct {
				Destinations []string `json:"destinations"`
				RawData      string   `json:"raw_data"`
			} `json:"RawMessage"`
		} `json:"ses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&data); err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, m := range data.SES.RawMessage {
		if !slices.Contains(m.Destinations, to) {
			continue
		}
		// The text part is quoted-printable: undo soft breaks and "=3D".
		text := strings.NewReplacer("=\r\n", "", "=3D", "=").Replace(m.RawData)
		if l := regexp.MustCompile(`/d/([A-Za-z0-9_-]{40,})\?lang=`).FindStringSubmatch(text); l != nil {
			links = append(links, l[1])
		}
	}
	return links
}

var sessionField = regexp.MustCompile(`name="session" value="([^"]+)"`)

func TestMyData(t *testing.T) {
	r := newMyDataRig(t)
	ctx := context.Background()

	// Asking for a known and an unknown address answers alike; only the
	// known one is mailed.
	known := r.do(t, "POST", "/d", url.Values{"b": {"wang"}, "lang": {"zh-TW"}, "address": {r.email}})
	unknown := r.do(t, "POST", "/d", url.Values{"b": {"wang"}, "lang": {"zh-TW"}, "address": {"nobody." + r.email}})
	if known.Code != http.StatusOK || unknown.Code != known.Code || unknown.Body.String() != known.Body.String() {
		t.Fatalf("ask: known %d, unknown %d; bodies equal %v, want 200 and the same page", known.Code, unknown.Code, unknown.Body.String() == known.Body.String())
	}
	links := mailedLinks(t, r.email)
	if len(links) != 1 {
		t.Fatalf("links mailed to the diner: got %d, want 1", len(links))
	}
	if n := len(mailedLinks(t, "nobody."+r.email)); n != 0 {
		t.Errorf("links mailed to an unknown address: got %d, want 0", n)
	}
	// One link per address per window: a second ask is answered the same, mails nothing.
	again := r.do(t, "POST", "/d", url.Values{"b": {"wang"}, "lang": {"zh-TW"}, "address": {r.email}})
	if again.Body.String() != known.Body.String() || len(mailedLinks(t, r.email)) != 1 {
		t.Errorf("second ask: got %d links, want still 1 and the same page", len(mailedLinks(t, r.email)))
	}
	// A malformed address is refused on the form (it names no diner).
	if rec := r.do(t, "POST", "/d", url.Values{"b": {"wang"}, "lang": {"en"}, "address": {"not an address"}}); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("malformed address: got %d, want 422", rec.Code)
	}
	token := links[0]

	// Bad links change nothing and show a friendly page.
	past, _ := link.NewSigner(bytes.Repeat([]byte{7}, 32), func() time.Time { return time.Now().Add(-time.Hour) })
	expired, _ := past.Seal(link.Token{Action: mydata.LinkAction, Brand: "wang", Subject: r.key, Ref: "x"}, mydata.LinkTTL)
	tampered := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(token, "AA")]
	for _, tt := range []struct {
		name, method, token string
		want                int
	}{
		{"tampered GET", "GET", tampered, http.StatusForbidden},
		{"tampered POST", "POST", tampered, http.StatusForbidden},
		{"expired GET", "GET", expired, http.StatusGone},
		{"expired POST", "POST", expired, http.StatusGone},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := r.do(t, tt.method, "/d/"+tt.token+"?lang=zh-TW", url.Values{})
			if rec.Code != tt.want || !strings.Contains(rec.Header().Get("Content-Type"), "text/html") || sessionField.MatchString(rec.Body.String()) {
				t.Errorf("got %d %s, want %d and a page without a session", rec.Code, rec.Header().Get("Content-Type"), tt.want)
			}
		})
	}

	// GET shows the button and uses nothing: twice is fine.
	for i := range 2 {
		if rec := r.do(t, "GET", "/d/"+token+"?lang=zh-TW", nil); rec.Code != http.StatusOK || sessionField.MatchString(rec.Body.String()) {
			t.Fatalf("GET %d of the link: got %d, want 200 and no session yet", i+1, rec.Code)
		}
	}
	start := r.do(t, "POST", "/d/"+token+"?lang=zh-TW", url.Values{})
	m := sessionField.FindStringSubmatch(start.Body.String())
	if start.Code != http.StatusOK || m == nil || !strings.Contains(start.Body.String(), "湯是冷的") {
		t.Fatalf("open the link: got %d, session %v, want 200 with the card's comment", start.Code, m != nil)
	}
	session := m[1]
	// Reused: the link works once.
	for _, method := range []string{"POST", "GET"} {
		if rec := r.do(t, method, "/d/"+token+"?lang=zh-TW", url.Values{}); rec.Code != http.StatusGone || sessionField.MatchString(rec.Body.String()) {
			t.Errorf("%s of a used link: got %d, want 410 and no session", method, rec.Code)
		}
	}

	// A correction with a bad birthday, e-mail and language is refused
	// field by field, and nothing is written.
	before, err := cardstore.New(r.table).Diner(ctx, "wang", r.key)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"session": session, "lang": "en", "changes": map[string]string{"birthday": "13-45", "email": "nope", "language": "xx", "name": "Lin"}})
	req := httptest.NewRequest("POST", "/d/s/correct", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	r.h.ServeHTTP(rec, req)
	var problem struct {
		Status int `json:"status"`
		Errors []struct{ Field, Rule string }
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &problem)
	fields := map[string]string{}
	for _, e := range problem.Errors {
		fields[e.Field] = e.Rule
	}
	if rec.Code != http.StatusBadRequest && rec.Code != http.StatusUnprocessableEntity || rec.Header().Get("Content-Type") != "application/problem+json" ||
		fields["birthday"] != "birthday" || fields["email"] != "email" || fields["language"] != "language" || len(fields) != 3 {
		t.Errorf("bad correction: got %d %s %v, want problem+json naming birthday, email and language", rec.Code, rec.Header().Get("Content-Type"), fields)
	}
	after, _ := cardstore.New(r.table).Diner(ctx, "wang", r.key)
	if after.Name != before.Name || after.Birthday != before.Birthday || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("a refused correction wrote: name %q→%q birthday %q→%q", before.Name, after.Name, before.Birthday, after.Birthday)
	}
	// The same on the page's form: 422 and the fields marked.
	if rec := r.do(t, "POST", "/d/s/correct", url.Values{"session": {session}, "lang": {"en"}, "name": {before.Name}, "birthday": {"02-30"}, "email": {before.Email}, "language": {"zh-TW"}}); rec.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(rec.Body.String(), `id="birthday-error"`) {
		t.Errorf("bad birthday on the form: got %d, want 422 with the field's error", rec.Code)
	}

	// A good correction is written.
	if rec := r.do(t, "POST", "/d/s/correct", url.Values{"session": {session}, "lang": {"zh-TW"}, "name": {before.Name}, "birthday": {"12-01"}, "email": {before.Email}, "language": {"zh-TW"}}); rec.Code != http.StatusOK {
		t.Errorf("correct birthday: got %d, want 200", rec.Code)
	}
	if p, _ := cardstore.New(r.table).Diner(ctx, "wang", r.key); p.Birthday != "12-01" {
		t.Errorf("birthday after correction: got %q, want 12-01", p.Birthday)
	}

	// Download: an attachment, JSON, the diner's data without staff notes.
	rec = r.do(t, "POST", "/d/s/export", url.Values{"session": {session}, "format": {"json"}})
	var data map[string]any
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment;") || json.Unmarshal(rec.Body.Bytes(), &data) != nil || data["profile"] == nil {
		t.Errorf("download JSON: got %d %q, want an attachment holding the profile", rec.Code, rec.Header().Get("Content-Disposition"))
	}
	if rec := r.do(t, "POST", "/d/s/export", url.Values{"session": {session}, "format": {"csv"}}); !strings.HasPrefix(rec.Body.String(), "section,item,field,value") {
		t.Errorf("download CSV: got %.40q, want the CSV header", rec.Body.String())
	}

	// Erase: first a confirmation that erases nothing, then the erasure.
	if rec := r.do(t, "POST", "/d/s/erase", url.Values{"session": {session}}); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `name="confirm"`) {
		t.Errorf("erase without confirming: got %d, want the confirmation page", rec.Code)
	}
	if _, err := cardstore.New(r.table).Diner(ctx, "wang", r.key); err != nil {
		t.Fatalf("the confirmation page erased: %v", err)
	}
	erased := r.do(t, "POST", "/d/s/erase", url.Values{"session": {session}, "confirm": {"yes"}, "lang": {"zh-TW"}})
	if erased.Code != http.StatusOK {
		t.Fatalf("erase: got %d, want 200", erased.Code)
	}
	if _, err := cardstore.New(r.table).Diner(ctx, "wang", r.key); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("diner after erasure: got %v, want not found", err)
	}
	// Erasing again (the diner unknown now) answers as before.
	if again := r.do(t, "POST", "/d/s/erase", url.Values{"session": {session}, "confirm": {"yes"}, "lang": {"zh-TW"}}); again.Code != erased.Code {
		t.Errorf("erase an unknown diner: got %d, want %d as for a known one", again.Code, erased.Code)
	}
	// The session no longer shows anything.
	if rec := r.do(t, "POST", "/d/s/view", url.Values{"session": {session}}); rec.Code != http.StatusGone || strings.Contains(rec.Body.String(), "湯是冷的") {
		t.Errorf("view after erasure: got %d, want 410 without the data", rec.Code)
	}
}
