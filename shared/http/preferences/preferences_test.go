package preferences_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/preferences"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
)

type noMail struct{}

func (noMail) Send(context.Context, mail.Message) (string, error) { return "", nil }

// TestUnsubscribePages: GET asks and changes nothing; the RFC 8058
// one-click POST withdraws at once; bad and expired tokens get a page that
// says so, in the diner's language, and change nothing.
func TestUnsubscribePages(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	db := allstores.New(dynamodb.NewFromConfig(env.Config), env.Table())
	now := time.Now()
	clock := func() time.Time { return now }
	res, err := intake.NewService(db, db, clock).Submit(ctx, card.Submission{SubmissionID: "u1", StoreID: "S002", Ratings: map[string]int{"overall": 5},
		Diner: card.DinerInput{Name: "Li", Email: "li@example.com"}, Consent: card.ConsentInput{Marketing: true}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), clock)
	consent := greeting.NewConsent(db, noMail{}, signer, "", clock, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h := preferences.NewHandler(consent, slog.New(slog.NewTextHandler(io.Discard, nil)))
	tok, _ := signer.Seal(link.Token{Action: "unsubscribe", Brand: "wang", Subject: res.Card.Diner.Key}, time.Hour)
	state := func() diner.MarketingState {
		p, err := db.Diner(ctx, "wang", res.Card.Diner.Key)
		if err != nil {
			t.Fatal(err)
		}
		return p.Marketing(true)
	}
	do := func(method, path, body string) (int, string) {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code, w.Body.String()
	}

	if code, body := do(http.MethodGet, "/u/"+tok, ""); code != http.StatusOK || !strings.Contains(body, "<form method=\"post\"") || !strings.Contains(body, "退订") {
		t.Fatalf("GET: %d, want a zh-CN page (the store's language) with a button", code)
	}
	if state() != diner.MarketingPending {
		t.Fatal("GET changed the consent")
	}
	expiredSigner, _ := link.NewSigner([]byte(strings.Repeat("s", 32)), func() time.Time { return now.Add(-2 * time.Hour) })
	expired, _ := expiredSigner.Seal(link.Token{Action: "unsubscribe", Brand: "wang", Subject: res.Card.Diner.Key}, time.Hour)
	for name, tc := range map[string]struct {
		path string
		want int
	}{
		"tampered":         {"/u/" + tok[:len(tok)-2] + "xx", http.StatusForbidden},
		"confirm as unsub": {"/o/" + tok, http.StatusForbidden},
		"expired":          {"/u/" + expired + "?lang=en", http.StatusGone},
	} {
		if code, body := do(http.MethodPost, tc.path, "List-Unsubscribe=One-Click"); code != tc.want || !strings.Contains(body, "<h2>") {
			t.Errorf("%s: got %d, want %d with a page", name, code, tc.want)
		}
	}
	if state() != diner.MarketingPending {
		t.Fatal("a bad link changed the consent")
	}
	code, body := do(http.MethodPost, "/u/"+tok+"?"+url.Values{"lang": {"en"}}.Encode(), "List-Unsubscribe=One-Click")
	if code != http.StatusOK || !strings.Contains(body, "You are unsubscribed") {
		t.Fatalf("one-click POST: %d %s", code, body)
	}
	p, _ := db.Diner(ctx, "wang", res.Card.Diner.Key)
	if state() != diner.MarketingWithdrawn || p.MarketingWithdrawn.Source != "one-click" {
		t.Fatalf("after one-click: %+v", p.MarketingWithdrawn)
	}
	if code, _ := do(http.MethodPost, "/u/"+tok, ""); code != http.StatusOK {
		t.Errorf("unsubscribing again: %d, want 200", code)
	}
}
