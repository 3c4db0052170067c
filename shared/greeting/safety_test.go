package greeting

import (
	"errors"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/i18n"
)

// TestCheckNotPast: a campaign is refused once its send day has passed in
// the time zone of a store it reaches, not before; the send day itself is
// fine; birthday campaigns never pass.
func TestCheckNotPast(t *testing.T) {
	taipei := brand.Store{ID: "S001", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW}
	samoa := brand.Store{ID: "S009", Country: "TW", TimeZone: "Pacific/Pago_Pago", Language: i18n.En} // UTC-11
	custom := Campaign{Occasion: "custom", CustomDate: "2027-03-10", LeadDays: 2}                     // sends 2027-03-08
	tests := []struct {
		name   string
		c      Campaign
		stores []brand.Store
		now    time.Time
		field  string // "" accepted
	}{
		{"day before the send day", custom, []brand.Store{taipei}, time.Date(2027, 3, 7, 12, 0, 0, 0, time.UTC), ""},
		{"the send day, late evening in Taipei", custom, []brand.Store{taipei}, time.Date(2027, 3, 8, 15, 0, 0, 0, time.UTC), ""},
		{"the day after, in Taipei", custom, []brand.Store{taipei}, time.Date(2027, 3, 8, 16, 30, 0, 0, time.UTC), "customDate"},
		{"still the send day at a store west of UTC", custom, []brand.Store{samoa}, time.Date(2027, 3, 9, 10, 0, 0, 0, time.UTC), ""},
		{"passed at one of two stores", custom, []brand.Store{samoa, taipei}, time.Date(2027, 3, 9, 10, 0, 0, 0, time.UTC), "customDate"},
		{"holiday of a past year", Campaign{Occasion: "christmas", Year: 2026}, []brand.Store{taipei}, time.Date(2027, 1, 5, 0, 0, 0, 0, time.UTC), "year"},
		{"birthday", Campaign{Occasion: BirthdayID}, []brand.Store{taipei}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.CheckNotPast(tt.stores, tt.now)
			if tt.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != tt.field || fe.Fields[0].Rule != "past" {
				t.Errorf("got %v, want %s refused as past", err, tt.field)
			}
		})
	}
}

// TestLanguageWarnings: a reached store whose language has no content is
// named with the language its diners get instead.
func TestLanguageWarnings(t *testing.T) {
	stores := []brand.Store{
		{ID: "S001", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW},
		{ID: "S002", Country: "CN", TimeZone: "Asia/Shanghai", Language: i18n.ZhCN},
	}
	c := Campaign{Occasion: BirthdayID, Content: map[i18n.Lang]Content{i18n.En: {Subject: "Hi", Body: "Hello"}, i18n.ZhTW: {Subject: "嗨", Body: "您好"}}}
	got := c.LanguageWarnings(stores)
	if len(got) != 1 || got[0].Code != WarnStoreLanguage || got[0].Store != "S002" || got[0].Language != i18n.ZhCN || got[0].Fallback != i18n.ZhTW {
		t.Errorf("warnings %+v, want S002 zh-CN falling back to zh-TW", got)
	}
}
