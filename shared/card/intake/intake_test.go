package intake_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
)

var s001 = brand.Store{
	ID: "S001", BrandID: "wang", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW,
	Items:       []string{"bread", "soup", "salad", "appetizer", "main", "dessert", "drink"},
	MainCourses: []string{"filet", "ribeye", "lamb", "lobster"},
}

// 2026-11-22 01:00 in Taipei is still 2026-11-21 in UTC.
var now = time.Date(2026, 11, 21, 17, 0, 0, 0, time.UTC)

const example = `{
  "submissionId": "0b9d6c1e-5f7a-4a57-9d1e-3f3b2b9f2a10",
  "storeId": "S001", "table": "12", "server": "Amy", "visitDate": "2026-11-21",
  "meal": "dinner", "firstVisit": false, "visitCount": 3, "reason": "birthday",
  "heardFrom": "friend", "mainCourse": "ribeye",
  "ratings": {"bread": 5, "soup": 4, "salad": 4, "appetizer": 5, "main": 1,
              "dessert": 4, "drink": 5, "service": 2, "cleanliness": 5, "overall": 2},
  "nps": 3, "comment": "牛排太老了，等了四十分鐘。",
  "diner": {"name": "林小姐", "phone": "+886 912 345 678", "email": "lin@example.com",
            "birthday": "11-25", "language": "zh-TW"},
  "consent": {"contact": true, "marketing": true}
}`

func TestBuildExample(t *testing.T) {
	sub, err := card.Decode([]byte(example))
	if err != nil {
		t.Fatalf("decode example: %v", err)
	}
	c, err := intake.Build(sub, s001, card.Meta{Source: card.SourceQR, Now: now})
	if err != nil {
		t.Fatalf("build example: %v", err)
	}
	checks := []struct{ name, got, want string }{
		{"phone", c.Diner.Phone, "+886912345678"},
		{"key", c.Diner.Key, "tel:+886912345678"},
		{"visitDate", c.VisitDate, "2026-11-21"},
		{"id", c.ID, card.ID("S001", "0b9d6c1e-5f7a-4a57-9d1e-3f3b2b9f2a10")},
		{"consent source", c.Consent.Contact.Source, "qr"},
		{"consent card", c.Consent.Marketing.CardID, c.ID},
		{"comment", c.Comment, "牛排太老了，等了四十分鐘。"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: got %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if got := len(c.Ratings); got != 10 {
		t.Errorf("ratings: got %d, want 10", got)
	}
}

func TestVisitDateDefaultsToStoreToday(t *testing.T) {
	c, err := intake.Build(card.Submission{StoreID: "S001", Ratings: map[string]int{"overall": 4}}, s001,
		card.Meta{Source: card.SourceQR, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if c.VisitDate != "2026-11-22" {
		t.Errorf("visitDate: got %s, want 2026-11-22 (Taipei's today)", c.VisitDate)
	}
}

// TestBadInput names, for each bad input of the API, the field and rule it
// must be reported under.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name, body, field, rule string
		code                    fault.Code
	}{
		{"malformed JSON", `{"storeId": "S001",`, "", "", fault.Malformed},
		{"not an object", `[1,2]`, "", "", fault.Malformed},
		{"empty body", ``, "", "", fault.Malformed},
		{"unknown field", `{"storeId":"S001","ratings":{"overall":3},"coupon":"x"}`, "coupon", "unknown_field", fault.Invalid},
		{"unknown diner field", `{"storeId":"S001","ratings":{"overall":3},"diner":{"age":3}}`, "diner.age", "unknown_field", fault.Invalid},
		{"wrong type storeId", `{"storeId":1,"ratings":{"overall":3}}`, "storeId", "wrong_type", fault.Invalid},
		{"wrong type rating", `{"storeId":"S001","ratings":{"overall":"3"}}`, "ratings.overall", "wrong_type", fault.Invalid},
		{"fractional rating", `{"storeId":"S001","ratings":{"overall":4.5}}`, "ratings.overall", "wrong_type", fault.Invalid},
		{"ratings not object", `{"storeId":"S001","ratings":[5]}`, "ratings", "wrong_type", fault.Invalid},
		{"null string", `{"storeId":null,"ratings":{"overall":3}}`, "storeId", "wrong_type", fault.Invalid},
		{"wrong type consent", `{"storeId":"S001","ratings":{"overall":3},"consent":{"contact":"yes"}}`, "consent.contact", "wrong_type", fault.Invalid},
		{"rating 0", `{"storeId":"S001","ratings":{"overall":0}}`, "ratings.overall", "rating_range", fault.Invalid},
		{"rating 6", `{"storeId":"S001","ratings":{"overall":3,"main":6}}`, "ratings.main", "rating_range", fault.Invalid},
		{"nps -1", `{"storeId":"S001","ratings":{"overall":3},"nps":-1}`, "nps", "nps_range", fault.Invalid},
		{"nps 11", `{"storeId":"S001","ratings":{"overall":3},"nps":11}`, "nps", "nps_range", fault.Invalid},
		{"no overall", `{"storeId":"S001","ratings":{"main":3}}`, "ratings.overall", "required", fault.Invalid},
		{"no ratings", `{"storeId":"S001"}`, "ratings", "required", fault.Invalid},
		{"no store", `{"ratings":{"overall":3}}`, "storeId", "required", fault.Invalid},
		{"item the store does not rate", `{"storeId":"S001","ratings":{"overall":3,"wine":4}}`, "ratings.wine", "unknown_item", fault.Invalid},
		{"Feb 30 birthday", `{"storeId":"S001","ratings":{"overall":3},"diner":{"birthday":"02-30"}}`, "diner.birthday", "birthday", fault.Invalid},
		{"month 13 birthday", `{"storeId":"S001","ratings":{"overall":3},"diner":{"birthday":"13-01"}}`, "diner.birthday", "birthday", fault.Invalid},
		{"future birthday year", `{"storeId":"S001","ratings":{"overall":3},"diner":{"birthday":"2030-01-01"}}`, "diner.birthday", "birthday", fault.Invalid},
		{"Feb 29 without a year", `{"storeId":"S001","ratings":{"overall":3},"diner":{"birthday":"02-29"}}`, "", "", ""},
		{"Feb 29 of a common year", `{"storeId":"S001","ratings":{"overall":3},"diner":{"birthday":"1990-02-29"}}`, "diner.birthday", "birthday", fault.Invalid},
		{"invalid phone", `{"storeId":"S001","ratings":{"overall":3},"diner":{"phone":"12345"}}`, "diner.phone", "phone", fault.Invalid},
		{"letters phone", `{"storeId":"S001","ratings":{"overall":3},"diner":{"phone":"call me"}}`, "diner.phone", "phone", fault.Invalid},
		{"national phone ok", `{"storeId":"S001","ratings":{"overall":3},"diner":{"phone":"0912-345-678"}}`, "", "", ""},
		{"invalid email", `{"storeId":"S001","ratings":{"overall":3},"diner":{"email":"lin@"}}`, "diner.email", "email", fault.Invalid},
		{"email with name", `{"storeId":"S001","ratings":{"overall":3},"diner":{"email":"Lin <lin@example.com>"}}`, "diner.email", "email", fault.Invalid},
		{"comment too long", `{"storeId":"S001","ratings":{"overall":3},"comment":"` + strings.Repeat("好", 2001) + `"}`, "comment", "too_long", fault.Invalid},
		{"comment at limit", `{"storeId":"S001","ratings":{"overall":3},"comment":"` + strings.Repeat("好", 2000) + `"}`, "", "", ""},
		{"control character", `{"storeId":"S001","ratings":{"overall":3},"comment":"a\u0007b"}`, "comment", "control_chars", fault.Invalid},
		{"bidi override", `{"storeId":"S001","ratings":{"overall":3},"diner":{"name":"a\u202eb"}}`, "diner.name", "control_chars", fault.Invalid},
		{"line breaks are fine", `{"storeId":"S001","ratings":{"overall":3},"comment":"a\nb\tc"}`, "", "", ""},
		{"html is kept as typed", `{"storeId":"S001","ratings":{"overall":3},"comment":"<script>x</script>"}`, "", "", ""},
		{"bad meal", `{"storeId":"S001","ratings":{"overall":3},"meal":"brunch"}`, "meal", "one_of", fault.Invalid},
		{"bad reason", `{"storeId":"S001","ratings":{"overall":3},"reason":"party"}`, "reason", "one_of", fault.Invalid},
		{"bad heardFrom", `{"storeId":"S001","ratings":{"overall":3},"heardFrom":"tv"}`, "heardFrom", "one_of", fault.Invalid},
		{"main course not on menu", `{"storeId":"S001","ratings":{"overall":3},"mainCourse":"tofu"}`, "mainCourse", "one_of", fault.Invalid},
		{"bad visit date", `{"storeId":"S001","ratings":{"overall":3},"visitDate":"2026-02-30"}`, "visitDate", "date", fault.Invalid},
		{"future visit date", `{"storeId":"S001","ratings":{"overall":3},"visitDate":"2026-11-23"}`, "visitDate", "date_future", fault.Invalid},
		{"ancient visit date", `{"storeId":"S001","ratings":{"overall":3},"visitDate":"2020-01-01"}`, "visitDate", "date_too_old", fault.Invalid},
		{"visit count 0", `{"storeId":"S001","ratings":{"overall":3},"visitCount":0}`, "visitCount", "visit_count_range", fault.Invalid},
		{"first visit count 3", `{"storeId":"S001","ratings":{"overall":3},"firstVisit":true,"visitCount":3}`, "visitCount", "first_visit_count", fault.Invalid},
		{"bad submission id", `{"storeId":"S001","ratings":{"overall":3},"submissionId":"a b"}`, "submissionId", "token", fault.Invalid},
		{"bad language", `{"storeId":"S001","ratings":{"overall":3},"diner":{"language":"fr"}}`, "diner.language", "language", fault.Invalid},
		{"table too long", `{"storeId":"S001","ratings":{"overall":3},"table":"12345678901234567"}`, "table", "too_long", fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := card.Decode([]byte(tt.body))
			if err == nil {
				_, err = intake.Build(sub, s001, card.Meta{Source: card.SourceQR, Now: now})
			}
			if got := fault.CodeOf(err); got != tt.code {
				t.Fatalf("code: got %q, want %q (err %v)", got, tt.code, err)
			}
			if tt.field == "" {
				return
			}
			fe, _ := fault.As(err)
			for _, f := range fe.Fields {
				if f.Field == tt.field && f.Rule == tt.rule {
					return
				}
			}
			t.Errorf("fields: got %+v, want %s/%s", fe.Fields, tt.field, tt.rule)
		})
	}
}

func TestEveryRuleHasWords(t *testing.T) {
	for _, rule := range []string{"required", "malformed", "unknown_field", "wrong_type", "rating_range", "nps_range",
		"unknown_item", "unknown_store", "one_of", "date", "date_future", "date_too_old", "birthday", "phone", "email",
		"too_long", "control_chars", "invalid_utf8", "visit_count_range", "first_visit_count", "token", "language", "idempotency_reuse"} {
		if !i18n.Has("rule." + rule) {
			t.Errorf("rule.%s: missing from the i18n catalogue in some language", rule)
		}
	}
}

func TestIDIsStableAndScoped(t *testing.T) {
	if card.ID("S001", "k") != card.ID("S001", "k") {
		t.Error("same store and key: got different ids, want the same")
	}
	if card.ID("S001", "k") == card.ID("S002", "k") {
		t.Error("different stores: got the same id, want different")
	}
}

// fakeStores and fakeCards stand in for the table in service tests.
type fakeStores map[string]brand.Store

func (f fakeStores) Store(_ context.Context, id string) (brand.Store, error) {
	s, ok := f[id]
	if !ok {
		return brand.Store{}, fault.New(fault.NotFound, "no store")
	}
	return s, nil
}

type fakeCards struct {
	saved map[string]card.Card
	calls int
}

func (f *fakeCards) SaveCard(_ context.Context, c card.Card) (card.Card, bool, error) {
	f.calls++
	if old, ok := f.saved[c.ID]; ok {
		return old, false, nil
	}
	f.saved[c.ID] = c
	return c, true, nil
}

func TestSubmitReplays(t *testing.T) {
	cards := &fakeCards{saved: map[string]card.Card{}}
	svc := intake.NewService(fakeStores{"S001": s001}, cards, func() time.Time { return now })
	sub := card.Submission{StoreID: "S001", Ratings: map[string]int{"overall": 4}}
	meta := card.Meta{Source: card.SourceQR, IdempotencyKey: "key-1"}

	first, err := svc.Submit(context.Background(), sub, meta)
	if err != nil || !first.Created {
		t.Fatalf("first: got %+v, %v; want created", first, err)
	}
	again, err := svc.Submit(context.Background(), sub, meta)
	if err != nil || again.Created || again.Card.ID != first.Card.ID {
		t.Fatalf("replay: got %+v, %v; want same id %s, not created", again, err, first.Card.ID)
	}
	sub.Ratings["overall"] = 1
	_, err = svc.Submit(context.Background(), sub, meta)
	if got := fault.CodeOf(err); got != fault.Conflict {
		t.Errorf("same key, other content: got %q, want conflict", got)
	}
	_, err = svc.Submit(context.Background(), card.Submission{StoreID: "S999", Ratings: map[string]int{"overall": 9}}, meta)
	fe, _ := fault.As(err)
	if fe == nil || len(fe.Fields) != 2 {
		t.Errorf("unknown store: got %v, want storeId and ratings.overall reported", err)
	}
	if cards.calls != 3 {
		t.Errorf("saves: got %d, want 3 (none for the unknown store)", cards.calls)
	}
}
