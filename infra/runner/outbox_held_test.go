package runner

import (
	"slices"
	"testing"
	"time"
)

// TestHeldGreetings: the outbox lists greeting jobs hidden well past now
// as held until a time in the store's zone, once each, and leaves out
// visible messages, ones being handled now and other queues' messages.
func TestHeldGreetings(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 21, 0, 0, time.UTC) // 23:21 in Taipei
	nine := float64(time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC).UnixMilli())
	job := `{"campaignId":"birthday-wang","storeId":"S001","timeZone":"Asia/Taipei","diners":[{"key":"a"},{"key":"b"}]}`
	tests := []struct {
		name string
		msgs []sqsMessage
		want []heldGreeting
	}{
		{"held until 09:00 in Taipei, listed once", []sqsMessage{{ID: "1", Body: job, VisibleAt: nine}, {ID: "1", Body: job, VisibleAt: nine}},
			[]heldGreeting{{Campaign: "birthday-wang", Store: "S001", Greetings: 2, Until: "09:00 store time (Asia/Taipei), 2026-12-02"}}},
		{"no time zone: UTC", []sqsMessage{{ID: "2", Body: `{"campaignId":"c","storeId":"S003","diners":[{}]}`, VisibleAt: nine}},
			[]heldGreeting{{Campaign: "c", Store: "S003", Greetings: 1, Until: "01:00 UTC, 2026-12-02"}}},
		{"visible", []sqsMessage{{ID: "3", Body: job, Visible: true, VisibleAt: nine}}, nil},
		{"being handled now", []sqsMessage{{ID: "4", Body: job, VisibleAt: float64(now.Add(30 * time.Second).UnixMilli())}}, nil},
		{"another queue's message", []sqsMessage{{ID: "5", Body: `{"Type":"Notification"}`, VisibleAt: nine}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := heldGreetings(tt.msgs, now); !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
