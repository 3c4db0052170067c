package casemail_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
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

func testStores() map[string]brand.Store {
	names := func(tw, cn, en string) map[i18n.Lang]string {
		return map[i18n.Lang]string{i18n.ZhTW: tw, i18n.ZhCN: cn, i18n.En: en}
	}
	return map[string]brand.Store{
		"S001": {ID: "S001", BrandID: "wang", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW, Name: names("台北信義店", "台北信义店", "Taipei Xinyi"),
			Items: []string{"bread", "main"}, ManagerEmail: "manager.s001@example.com", AreaManagerEmail: "area.taiwan@example.com"},
		"S003": {ID: "S003", BrandID: "wang", Country: "SG", TimeZone: "Asia/Singapore", Language: i18n.En, Name: names("新加坡烏節店", "新加坡乌节店", "Singapore Orchard"),
			Items: []string{"bread", "main"}, ManagerEmail: "manager.s003@example.com"},
		"L001": {ID: "L001", BrandID: "wang", Country: "GB", TimeZone: "Europe/London", Language: i18n.En, Name: names("倫敦店", "伦敦店", "London"),
			Items: []string{"bread", "main"}, ManagerEmail: "manager.l001@example.com"},
	}
}

// fakes stands in for the mailer, the directory, the cards and the diner's
// history.
type fakes struct {
	stores  map[string]brand.Store
	rules   map[string]triage.Rules // store id → overrides of the defaults
	cards   map[string]card.Card
	sent    []mail.Message
	sendErr error
}

var (
	_ interface {
		Send(context.Context, mail.Message) (string, error)
	} = (*fakes)(nil)
	_ interface {
		Store(context.Context, string) (brand.Store, error)
		Brand(context.Context, string) (brand.Brand, error)
		Rules(context.Context, string, string) (triage.Rules, error)
	} = (*fakes)(nil)
)

func (f *fakes) Send(_ context.Context, m mail.Message) (string, error) {
	if f.sendErr != nil {
		return "", f.sendErr
	}
	f.sent = append(f.sent, m)
	return "msg-1", nil
}

func (f *fakes) Store(_ context.Context, id string) (brand.Store, error) {
	st, ok := f.stores[id]
	if !ok {
		return st, fault.New(fault.NotFound, "no store %s", id)
	}
	return st, nil
}

func (f *fakes) Brand(context.Context, string) (brand.Brand, error) {
	return brand.Brand{ID: "wang", Name: map[i18n.Lang]string{i18n.ZhTW: "王品牛排", i18n.ZhCN: "王品牛排", i18n.En: "Wang Steak"}}, nil
}

func (f *fakes) Rules(_ context.Context, _, storeID string) (triage.Rules, error) {
	return triage.Default().Merge(f.rules[storeID]), nil
}

func (f *fakes) Card(_ context.Context, id string) (card.Card, error) {
	c, ok := f.cards[id]
	if !ok {
		return c, fault.New(fault.NotFound, "no card %s", id)
	}
	return c, nil
}

func (f *fakes) Diner(context.Context, string, string) (diner.Profile, error) {
	return diner.Profile{Visits: 3, FirstVisitDate: "2026-01-05"}, nil
}

func (f *fakes) DinerCases(context.Context, string, string) ([]string, error) {
	return []string{"k_this", "k_older"}, nil
}

var stored = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC) // the card's arrival; due 24 h later

// caseFor opens the case of a card with a 1 for the main course at store.
func caseFor(store string, noContact bool) (casework.Case, *fakes) {
	c := card.Card{ID: "c1", StoreID: store, BrandID: "wang", VisitDate: "2026-11-21", Table: "12", Server: "Amy",
		SubmittedAt: stored, Ratings: map[string]int{"bread": 5, "main": 1, "overall": 3},
		Comment: `<script>alert("x")</script> 牛排太老了`, Diner: card.Diner{Key: "tel:+886912345678", Name: "林小姐", Phone: "+886912345678"}}
	if !noContact {
		c.Consent.Contact = &diner.Consent{Source: "qr"}
	}
	k, _, _ := casework.New(c, triage.Default().Judge(c))
	k.ID = "k_this"
	return k, &fakes{stores: testStores(), cards: map[string]card.Card{"c1": c}}
}

func newSender(f *fakes, signer *link.Signer) *casemail.Sender {
	return casemail.New(f, f, f, f, signer, "https://cards.example.com", link.DefaultTTL)
}

func signerAt(now time.Time) *link.Signer {
	s, err := link.NewSigner([]byte(strings.Repeat("k", 32)), func() time.Time { return now })
	if err != nil {
		panic(err)
	}
	return s
}

// links returns the case links of a plain-text part by action.
func links(t *testing.T, text string) map[string]url.Values {
	t.Helper()
	out := map[string]url.Values{}
	for _, m := range regexp.MustCompile(`https://cards\.example\.com/k/k_this\?\S+`).FindAllString(text, -1) {
		u, err := url.Parse(m)
		if err != nil {
			t.Fatalf("link %q: %v", m, err)
		}
		out[u.Query().Get("a")] = u.Query()
	}
	return out
}

func TestEveryKindInEveryLanguage(t *testing.T) {
	signer := signerAt(stored.Add(time.Minute))
	words := map[i18n.Lang]struct{ severity, store, low, call string }{
		i18n.ZhTW: {"需致歉回電", "台北信義店", "偏低", "撥打電話"},
		i18n.ZhCN: {"需致歉回电", "台北信义店", "偏低", "拨打电话"},
		i18n.En:   {"Apology call", "Taipei Xinyi", "low", "Call"},
	}
	kinds := []string{casework.NoticeAlert, casework.NoticeAreaAlert, casework.NoticeEscalation, casework.NoticeReminder, casework.NoticeAssigned}
	for _, kind := range kinds {
		for _, lang := range i18n.All {
			t.Run(kind+"/"+string(lang), func(t *testing.T) {
				k, f := caseFor("S001", false)
				k.AssignedBy = "manager.s001@example.com"
				st := f.stores["S001"]
				st.Language = lang
				f.stores["S001"] = st
				n := casework.Notice{Kind: kind, To: "someone@example.com", Level: 1}
				if _, err := newSender(f, signer).SendNotice(context.Background(), n, k); err != nil {
					t.Fatal(err)
				}
				m := f.sent[0]
				w := words[lang]
				if !strings.Contains(m.Subject, w.severity) || !strings.Contains(m.Subject, w.store) || !strings.Contains(m.Subject, "林小姐") {
					t.Errorf("subject: got %q, want severity %q, store %q and the diner", m.Subject, w.severity, w.store)
				}
				for name, part := range map[string]string{"subject": m.Subject, "html": m.HTML, "text": m.Text} {
					if strings.Contains(part, "case.") || strings.Contains(part, "card.item.") {
						t.Errorf("%s: an untranslated key shows in %q", name, part)
					}
				}
				if !strings.Contains(m.HTML, `href="tel:+886912345678"`) || !strings.Contains(m.HTML, w.call) || !strings.Contains(m.Text, "tel:+886912345678") {
					t.Error("no tap-to-call link")
				}
				if !strings.Contains(m.HTML, "&#9660; "+w.low) || !strings.Contains(m.Text, "* ") {
					t.Errorf("the low rating is not marked in words (%q)", w.low)
				}
				if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 牛排太老了") {
					t.Error("the comment is not escaped in the HTML part")
				}
				if m.Headers["X-Cardloop-Case"] != "k_this" || m.Headers["X-Cardloop-Notice"] != kind {
					t.Errorf("headers: got %v, want the case and the notice kind", m.Headers)
				}
				got := links(t, m.Text)
				if _, err := signer.Check("k_this", "open", got["open"]); err != nil {
					t.Errorf("open link: %v", err)
				}
				wantAck := kind == casework.NoticeAlert || kind == casework.NoticeReminder
				if _, ok := got["ack"]; ok != wantAck {
					t.Errorf("acknowledge link present: got %v, want %v (only the store manager acknowledges)", ok, wantAck)
				} else if ok {
					if _, err := signer.Check("k_this", "ack", got["ack"]); err != nil {
						t.Errorf("ack link: %v", err)
					}
					if _, err := signer.Check("k_other", "ack", got["ack"]); fault.CodeOf(err) != fault.Forbidden {
						t.Error("the ack link verifies for another case")
					}
				}
				if kind == casework.NoticeEscalation && !strings.Contains(m.HTML, i18n.T(lang, "case.level.1", nil)) {
					t.Error("the escalation does not say to whom it went")
				}
				if kind == casework.NoticeAssigned && !strings.Contains(m.Text, "manager.s001@example.com") {
					t.Error("the assignment does not say who assigned the case")
				}
			})
		}
	}
}

func TestSubjectAndDueTime(t *testing.T) {
	signer := signerAt(stored)
	tests := []struct {
		name, store   string
		noContact     bool
		subject, due  string
		tel, priorOne bool
	}{
		{"zh-TW in Taipei", "S001", false, "【需致歉回電】台北信義店：林小姐 評分很差", "2026-11-22 20:00 (Asia/Taipei)", true, true},
		{"en in Singapore", "S003", false, "[Apology call] Singapore Orchard: 林小姐 rated us very poor", "2026-11-22 20:00 (Asia/Singapore)", true, true},
		{"en in London", "L001", false, "[Apology call] London: 林小姐 rated us very poor", "2026-11-22 12:00 (Europe/London)", true, true},
		{"no contact", "S001", true, "【需致歉回電】台北信義店：林小姐 評分很差（請勿致電：未同意聯絡或未留電話）", "2026-11-22 20:00 (Asia/Taipei)", false, true},
		{"no contact in en", "S003", true, "rated us very poor — do not call (no consent or no phone)", "(Asia/Singapore)", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, f := caseFor(tt.store, tt.noContact)
			if _, err := newSender(f, signer).SendNotice(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: "m@example.com"}, k); err != nil {
				t.Fatal(err)
			}
			m := f.sent[0]
			if !strings.Contains(m.Subject, tt.subject) {
				t.Errorf("subject: got %q, want it to contain %q", m.Subject, tt.subject)
			}
			for _, part := range []string{m.HTML, m.Text} {
				if !strings.Contains(part, tt.due) {
					t.Errorf("due time: %q missing", tt.due)
				}
			}
			if got := strings.Contains(m.HTML, "tel:") || strings.Contains(m.Text, "tel:"); got != tt.tel {
				t.Errorf("tel link present: got %v, want %v", got, tt.tel)
			}
			if tt.noContact && !strings.Contains(m.Text, "!! ") {
				t.Error("the no-contact case is not marked do-not-call in the body")
			}
			lang := f.stores[tt.store].Language
			if want := i18n.T(lang, "case.priorCases", map[string]string{"n": "1"}); !strings.Contains(m.Text, want) {
				t.Errorf("earlier cases: want %q (this case not counted)", want)
			}
			if want := i18n.T(lang, "case.visits", map[string]string{"n": "3", "first": "2026-01-05"}); !strings.Contains(m.HTML, want) {
				t.Errorf("visits: want %q", want)
			}
		})
	}
}

func TestSevereCommentAndSeveralCards(t *testing.T) {
	k, f := caseFor("S001", false)
	second := card.Card{ID: "c2", StoreID: "S001", BrandID: "wang", VisitDate: "2026-11-21", Table: "12", SubmittedAt: stored.Add(time.Hour),
		Ratings: map[string]int{"bread": 4, "main": 4, "overall": 4}, Comment: "湯裡有頭髮", Diner: card.Diner{Key: "tel:+886912345678", Phone: "+886912345678"}}
	second.Consent.Contact = &diner.Consent{Source: "qr"}
	f.cards["c2"] = second
	k.AddCard(second, triage.Default().Judge(second))
	m, err := newSender(f, signerAt(stored)).Render(context.Background(), casework.Notice{Kind: casework.NoticeAreaAlert, To: "area@example.com"}, k)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Subject, "【需親自拜訪・區經理知會】台北信義店：林小姐") {
		t.Errorf("subject: got %q, want the raised severity", m.Subject)
	}
	for _, want := range []string{"牛排太老了", "湯裡有頭髮", "意見提到「頭髮」", "「主餐」評為很差"} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML: %q missing", want)
		}
	}
	if n := strings.Count(m.Text, "桌號 12"); n != 2 {
		t.Errorf("cards shown: got %d, want 2", n)
	}
	// The reasons, in Chinese, run on with the full-width semicolon.
	reasons := casemail.Reasons(k, i18n.ZhTW)
	if want := strings.Join(reasons, "；"); len(reasons) < 2 || !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, want) {
		t.Errorf("reasons: want %q in the text and the HTML, text:\n%s", want, m.Text)
	}
}

func TestErrorsKeepTheirCause(t *testing.T) {
	k, f := caseFor("S001", false)
	throttled := &fault.Error{Code: fault.Unavailable, Message: "E-mail is briefly unavailable.", Err: errors.New("Throttling")}
	f.sendErr = throttled
	_, err := newSender(f, signerAt(stored)).SendNotice(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: "m@example.com"}, k)
	if fault.CodeOf(err) != fault.Unavailable || !errors.Is(err, throttled) || !strings.Contains(err.Error(), "k_this") {
		t.Errorf("SES error: got %v, want it wrapped with the case, still Unavailable", err)
	}
	k.StoreID = "S404"
	_, err = newSender(f, signerAt(stored)).SendNotice(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: "m@example.com"}, k)
	if fault.CodeOf(err) != fault.NotFound || !strings.Contains(err.Error(), "store") {
		t.Errorf("unknown store: got %v, want a wrapped NotFound", err)
	}
}

// TestPreview writes the alert's HTML to $CASEMAIL_PREVIEW (a directory),
// for a person to look at in a browser.
func TestPreview(t *testing.T) {
	dir := os.Getenv("CASEMAIL_PREVIEW")
	if dir == "" {
		t.Skip("set CASEMAIL_PREVIEW to a directory to write previews")
	}
	for _, store := range []string{"S001", "S003"} {
		k, f := caseFor(store, false)
		m, err := newSender(f, signerAt(time.Now())).Render(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: "m@example.com"}, k)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "alert-"+store+".html"), []byte(m.HTML), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLowByTheStoresRules: which ratings the e-mail marks low follows the
// store's triage rules, not a fixed score.
func TestLowByTheStoresRules(t *testing.T) {
	tests := []struct {
		name    string
		rules   triage.Rules
		lowFor3 bool
	}{
		{"default rules: a 3 is not low", triage.Rules{}, false},
		{"a store counting 3s as low", triage.Rules{VisitLowAtOrBelow: 3}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, f := caseFor("S003", false) // English; main 1, overall 3, bread 5
			f.rules = map[string]triage.Rules{"S003": tt.rules}
			m, err := newSender(f, signerAt(stored)).Render(context.Background(), casework.Notice{Kind: casework.NoticeAlert, To: "manager.s003@example.com"}, k)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Text, "1/5 (low)") {
				t.Errorf("the 1 is not marked low in %q", m.Text)
			}
			if got := strings.Contains(m.Text, "3/5 (low)"); got != tt.lowFor3 {
				t.Errorf("got the 3 marked low %v, want %v, in %q", got, tt.lowFor3, m.Text)
			}
			if strings.Contains(m.Text, "5/5 (low)") {
				t.Errorf("the 5 is marked low in %q", m.Text)
			}
		})
	}
}
