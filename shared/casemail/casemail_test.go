package casemail_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/mail"
	"github.com/cardloop/cardloop/shared/triage"
)

var stores = map[string]brand.Store{
	"S001": {ID: "S001", BrandID: "wang", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW, Name: map[i18n.Lang]string{i18n.ZhTW: "台北信義店"},
		Items: []string{"bread", "main"}, ManagerEmail: "manager.s001@example.com"},
	"S003": {ID: "S003", BrandID: "wang", Country: "SG", TimeZone: "Asia/Singapore", Language: i18n.En, Name: map[i18n.Lang]string{i18n.En: "Singapore Orchard"},
		Items: []string{"bread", "main"}, ManagerEmail: "manager.s003@example.com"},
}

type fakes struct {
	cards map[string]card.Card
	sent  []mail.Message
}

var _ interface {
	Send(context.Context, mail.Message) (string, error)
} = (*fakes)(nil)

func (f *fakes) Send(_ context.Context, m mail.Message) (string, error) {
	f.sent = append(f.sent, m)
	return "msg-1", nil
}
func (f *fakes) Store(_ context.Context, id string) (brand.Store, error) { return stores[id], nil }
func (f *fakes) Card(_ context.Context, id string) (card.Card, error)    { return f.cards[id], nil }
func (f *fakes) Diner(context.Context, string, string) (diner.Profile, error) {
	return diner.Profile{Visits: 3, FirstVisitDate: "2026-01-05"}, nil
}
func (f *fakes) DinerCases(_ context.Context, _, _ string) ([]string, error) {
	return []string{"k_this", "k_older"}, nil
}

func caseFor(store string, noContact bool) (casework.Case, *fakes) {
	c := card.Card{ID: "c1", StoreID: store, BrandID: "wang", VisitDate: "2026-11-21", Table: "12", Server: "Amy",
		SubmittedAt: time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC), Ratings: map[string]int{"bread": 5, "main": 1, "overall": 2},
		Comment: `<script>alert("x")</script> 牛排太老了`, Diner: card.Diner{Key: "tel:+886912345678", Name: "林小姐", Phone: "+886912345678"}}
	if !noContact {
		c.Consent.Contact = &diner.Consent{Source: "qr"}
	}
	k, _, _ := casework.New(c, triage.Default().Judge(c))
	k.ID = "k_this"
	return k, &fakes{cards: map[string]card.Card{"c1": c}}
}

func TestRenderAlert(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 1, 0, time.UTC)
	signer, _ := link.NewSigner([]byte(strings.Repeat("k", 32)), func() time.Time { return now })
	tests := []struct {
		store, subject, due string
		noContact           bool
	}{
		{"S001", "【需致歉回電】台北信義店：林小姐 的意見卡需要您處理", "2026-11-22 20:00 (Asia/Taipei)", false},
		{"S003", "[Apology call] Singapore Orchard: a card from 林小姐 needs you", "2026-11-22 20:00 (Asia/Singapore)", false},
		{"S001", "（請勿致電）", "2026-11-22 20:00", true},
	}
	for _, tt := range tests {
		t.Run(tt.store, func(t *testing.T) {
			k, f := caseFor(tt.store, tt.noContact)
			s := casemail.New(f, f, f, f, signer, "http://127.0.0.1:8080", link.DefaultTTL)
			if _, err := s.SendNotice(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: stores[tt.store].ManagerEmail}, k); err != nil {
				t.Fatal(err)
			}
			m := f.sent[0]
			if !strings.Contains(m.Subject, tt.subject) {
				t.Errorf("subject: got %q, want it to contain %q", m.Subject, tt.subject)
			}
			for _, part := range []string{m.HTML, m.Text} {
				if !strings.Contains(part, tt.due) {
					t.Errorf("due time %q missing from %q", tt.due, part[:min(200, len(part))])
				}
			}
			if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Error("the comment is not escaped in the HTML part")
			}
			if got := strings.Contains(m.HTML, `href="tel:&#43;886912345678"`); got == tt.noContact { // "+" as an HTML entity
				t.Errorf("tel link present: got %v, want %v", got, !tt.noContact)
			}
			if !strings.Contains(m.Text, "* ") || !strings.Contains(m.HTML, "#b00020") {
				t.Error("the low rating is not marked")
			}
			if !strings.Contains(m.Text, "1") || !strings.Contains(m.HTML, "2026-01-05") {
				t.Error("the diner's history is missing")
			}
			if m.Headers["X-Cardloop-Case"] != "k_this" {
				t.Errorf("headers: got %v", m.Headers)
			}
			for _, action := range []string{"ack", "open"} {
				i := strings.Index(m.Text, "http://127.0.0.1:8080/k/k_this?")
				if i < 0 {
					t.Fatal("no case link in the text part")
				}
				var u *url.URL
				for _, line := range strings.Split(m.Text, "\n") {
					if j := strings.Index(line, "http://"); j >= 0 {
						if cand, err := url.Parse(strings.TrimSpace(line[j:])); err == nil && cand.Query().Get("a") == action {
							u = cand
						}
					}
				}
				if u == nil {
					t.Fatalf("no %s link", action)
				}
				if _, err := signer.Check("k_this", action, u.Query()); err != nil {
					t.Errorf("%s link does not verify: %v", action, err)
				}
				if _, err := signer.Check("k_other", action, u.Query()); fault.CodeOf(err) != fault.Forbidden {
					t.Errorf("%s link verifies for another case", action)
				}
			}
		})
	}
}

func TestRenderEveryKindInEveryLanguage(t *testing.T) {
	signer, _ := link.NewSigner([]byte(strings.Repeat("k", 32)), time.Now)
	for _, kind := range []string{casework.NoticeAlert, casework.NoticeAreaAlert, casework.NoticeEscalation, casework.NoticeReminder} {
		for _, lang := range i18n.All {
			st := stores["S001"]
			st.Language = lang
			stores["S001"] = st
			k, f := caseFor("S001", false)
			m, err := casemail.New(f, f, f, f, signer, "https://cards.example.com", link.DefaultTTL).Render(context.Background(), casework.Notice{Kind: kind, To: "x@example.com", Level: 1}, k)
			if err != nil {
				t.Fatalf("%s %s: %v", kind, lang, err)
			}
			if strings.Contains(m.Subject, "case.") || strings.Contains(m.HTML, "case.") || strings.Contains(m.Text, "case.") {
				t.Errorf("%s %s: an untranslated key shows: %q", kind, lang, m.Subject)
			}
		}
	}
	st := stores["S001"]
	st.Language = i18n.ZhTW
	stores["S001"] = st
}
