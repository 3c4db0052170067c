package greeting

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
)

var (
	taipei    = brand.Store{ID: "S001", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW}
	singapore = brand.Store{ID: "S003", Country: "SG", TimeZone: "Asia/Singapore", Language: i18n.En}
	losAngels = brand.Store{ID: "S009", Country: "US", TimeZone: "America/Los_Angeles", Language: i18n.En}
)

func TestDueAtBirthday(t *testing.T) {
	c := StandingBirthday("wang", time.Now())
	c.SendHours = map[string]int{"S003": 12}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	tests := []struct {
		name  string
		store brand.Store
		now   time.Time
		keys  []string // nil: not due
	}{
		{"Taipei before 10:00", taipei, at("2026-12-01T01:59:00Z"), nil},
		{"Taipei at 10:00", taipei, at("2026-12-01T02:00:00Z"), []string{"12-04"}},
		{"Singapore at 10:30 waits for its own 12:00", singapore, at("2026-12-01T02:30:00Z"), nil},
		{"Singapore at 12:00", singapore, at("2026-12-01T04:00:00Z"), []string{"12-04"}},
		{"Los Angeles: still 30 Nov there", losAngels, at("2026-12-01T02:30:00Z"), []string{"12-03"}},
		{"29 Feb greeted on 28 Feb in a common year", taipei, at("2027-02-25T03:00:00Z"), []string{"02-28", "02-29"}},
		{"leap year: 28 Feb is only 28 Feb", taipei, at("2028-02-25T03:00:00Z"), []string{"02-28"}},
		{"leap year: 29 Feb on its day", taipei, at("2028-02-26T03:00:00Z"), []string{"02-29"}},
		{"year turns: greeted in the old year for the new", taipei, at("2026-12-29T03:00:00Z"), []string{"01-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			due, _, err := c.DueAt(tt.store, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if tt.keys == nil {
				if due != nil {
					t.Fatalf("got due %+v, want not due", due)
				}
				return
			}
			if due == nil || strings.Join(due.BirthdayKeys, ",") != strings.Join(tt.keys, ",") {
				t.Fatalf("got %+v, want keys %v", due, tt.keys)
			}
		})
	}
	due, _, _ := c.DueAt(taipei, at("2026-12-29T03:00:00Z"))
	if due.Year != 2027 {
		t.Errorf("never-twice year of a birthday on 1 Jan greeted in December: got %d, want 2027", due.Year)
	}
}

func TestDueAtHoliday(t *testing.T) {
	c := Campaign{ID: "mid", Occasion: "mid_autumn", Year: 2026, LeadDays: 2, SendHour: 11}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	// Mid-Autumn 2026 is 25 September: sent 23 September at 11:00 local.
	for _, tt := range []struct {
		now       time.Time
		due, past bool
	}{
		{at("2026-09-22T05:00:00Z"), false, false},
		{at("2026-09-23T02:59:00Z"), false, false},
		{at("2026-09-23T03:00:00Z"), true, false},
		{at("2026-09-24T03:00:00Z"), false, true},
	} {
		due, past, err := c.DueAt(taipei, tt.now)
		if err != nil || (due != nil) != tt.due || past != tt.past {
			t.Errorf("%s: got %+v past=%v err=%v", tt.now, due, past, err)
		}
	}
	fathers := Campaign{ID: "f", Occasion: "fathers_day", Year: 2026, SendHour: 10}
	// Father's Day: 8 August in Taiwan, third Sunday of June (21 June 2026) in Singapore.
	if due, _, _ := fathers.DueAt(taipei, at("2026-08-08T02:00:00Z")); due == nil {
		t.Error("Taiwan Father's Day 8 August: not due")
	}
	if due, _, _ := fathers.DueAt(singapore, at("2026-06-21T02:00:00Z")); due == nil {
		t.Error("Singapore Father's Day 21 June: not due")
	}
}

func valid() Campaign {
	return Campaign{ID: "c1", BrandID: "wang", Name: "Mid-Autumn", Occasion: "mid_autumn", Year: 2026, LeadDays: 2, SendHour: 11, Status: Draft,
		CreatedBy: "a@example.com", Content: map[i18n.Lang]Content{i18n.En: {Subject: "Happy {occasion}, {name}", Body: "From all of us at {store}."}}}
}

func TestValidate(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid campaign: %v", err)
	}
	tests := []struct {
		field string
		edit  func(*Campaign)
	}{
		{"name", func(c *Campaign) { c.Name = " " }},
		{"occasion", func(c *Campaign) { c.Occasion = "groundhog_day" }},
		{"year", func(c *Campaign) { c.Year = 1900 }},
		{"sendHour", func(c *Campaign) { c.SendHour = 22 }},
		{"leadDays", func(c *Campaign) { c.LeadDays = -1 }},
		{"content.en.subject", func(c *Campaign) { c.Content[i18n.En] = Content{Subject: "a\nb", Body: "x"} }},
		{"content.en", func(c *Campaign) { c.Content[i18n.En] = Content{Subject: "{nmae}", Body: "x"} }},
		{"couponPrefix", func(c *Campaign) { c.Content[i18n.En] = Content{Subject: "s", Body: "{coupon}"} }},
		{"content.zh-TW", func(c *Campaign) { c.Segment.Languages = []i18n.Lang{i18n.ZhTW} }},
		{"customDate", func(c *Campaign) { c.Occasion, c.CustomNames = "custom", map[i18n.Lang]string{i18n.En: "Anniversary"} }},
	}
	for _, tt := range tests {
		c := valid()
		c.Content = map[i18n.Lang]Content{i18n.En: c.Content[i18n.En]}
		tt.edit(&c)
		var fe *fault.Error
		if err := c.Validate(); !errors.As(err, &fe) || !hasField(fe, tt.field) {
			t.Errorf("%s: got %v", tt.field, err)
		}
	}
}

func hasField(e *fault.Error, f string) bool {
	for _, x := range e.Fields {
		if x.Field == f {
			return true
		}
	}
	return false
}

func TestApproval(t *testing.T) {
	now := time.Now()
	c := valid()
	if err := c.Approve("a@example.com", 3, now); fault.CodeOf(err) != fault.Forbidden {
		t.Errorf("author approving a three-store campaign: got %v, want forbidden", err)
	}
	if err := c.Approve("b@example.com", 3, now); err != nil || c.Status != Approved {
		t.Fatalf("second person: %v %s", err, c.Status)
	}
	if err := c.Schedule(now); err != nil || c.Status != Scheduled {
		t.Fatal(err)
	}
	if err := c.Edit(valid(), now); err != nil || c.Status != Draft || c.ApprovedBy != "" {
		t.Errorf("editing a scheduled campaign: %v, status %s, approver %q; want a draft again", err, c.Status, c.ApprovedBy)
	}
	one := valid()
	one.Segment.Stores = []string{"S001"}
	if err := one.Approve("a@example.com", 3, now); err != nil {
		t.Errorf("author approving a one-store campaign: %v", err)
	}
	if err := one.Cancel(now); err != nil || one.Cancel(now) == nil {
		t.Errorf("cancel twice: want the second to fail")
	}
}

func TestMessage(t *testing.T) {
	c := valid()
	c.CouponPrefix = "MOON"
	c.Content[i18n.En] = Content{Subject: "Happy {occasion}, {name}", Body: "Dear {name},\n\nCode {coupon}."}
	m := c.Message(Recipient{Key: "tel:+886900000000", Email: "d@example.com", Name: "<b>Bo</b>"}, i18n.En,
		Letter{Brand: "Wang", Store: "Xinyi", UnsubscribeURL: "https://cards.example.com/u/T", UnsubscribeMailto: UnsubscribeMailto("cards@example.com", "T"),
			MyDataURL: MyDataURL("https://cards.example.com", "wang", i18n.En)})
	if m.Subject != "Happy Mid-Autumn Festival, <b>Bo</b>" {
		t.Errorf("subject: %q", m.Subject)
	}
	if strings.Contains(m.HTML, "<b>Bo</b>") || !strings.Contains(m.HTML, "&lt;b&gt;Bo&lt;/b&gt;") {
		t.Error("the diner's name is not escaped in the HTML part")
	}
	code := c.Coupon("tel:+886900000000")
	if !strings.HasPrefix(code, "MOON-") || code != c.Coupon("tel:+886900000000") || code == c.Coupon("tel:+886900000001") {
		t.Errorf("coupon %q: want stable per diner, different between diners", code)
	}
	if !strings.Contains(m.Text, code) {
		t.Error("coupon missing from the text")
	}
	if m.Headers["List-Unsubscribe"] != "<https://cards.example.com/u/T>, <mailto:cards@example.com?subject=unsubscribe%20T>" ||
		m.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Errorf("headers: %v", m.Headers)
	}
	if !strings.Contains(m.HTML, `href="https://cards.example.com/u/T"`) {
		t.Error("no visible unsubscribe link")
	}
	if !strings.Contains(m.HTML, `href="https://cards.example.com/d?b=wang&amp;lang=en">My data</a>`) || !strings.Contains(m.Text, "My data: https://cards.example.com/d?b=wang&lang=en") {
		t.Error("no \"My data\" link in the footer")
	}
	o := OptInMessage("d@example.com", "Bo", i18n.ZhTW, "Wang", "Xinyi", "https://cards.example.com/o/T", MyDataURL("https://cards.example.com", "wang", i18n.ZhTW))
	if !strings.Contains(o.HTML, `href="https://cards.example.com/d?b=wang&amp;lang=zh-TW">我的資料</a>`) {
		t.Error("no \"My data\" link in the opt-in e-mail")
	}
	for _, l := range i18n.All {
		if got := c.Language(l, i18n.ZhTW); got != i18n.En {
			t.Errorf("language for %s: got %s, want the only one the campaign has", l, got)
		}
	}
}

func TestQuietHours(t *testing.T) {
	q := DefaultQuietHours
	loc, _ := time.LoadLocation("Asia/Taipei")
	for _, tt := range []struct {
		at, end string
	}{
		{"2026-12-01T22:30", "2026-12-02T09:00"},
		{"2026-12-01T03:00", "2026-12-01T09:00"},
		{"2026-12-01T09:00", "2026-12-01T09:00"},
		{"2026-12-01T20:59", "2026-12-01T20:59"},
	} {
		at, _ := time.ParseInLocation("2006-01-02T15:04", tt.at, loc)
		if got := q.End(at).Format("2006-01-02T15:04"); got != tt.end {
			t.Errorf("End(%s): got %s, want %s", tt.at, got, tt.end)
		}
	}
}
