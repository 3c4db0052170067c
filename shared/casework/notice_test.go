package casework_test

import (
	"testing"

	"github.com/cardloop/cardloop/shared/casework"
)

// TestNoticeKey: a case owes one notice per kind, level and recipient, and a
// recipient is the same whatever the case of their address.
func TestNoticeKey(t *testing.T) {
	base := casework.Notice{CaseID: "k_1", Kind: casework.NoticeEscalation, To: "Area@Example.com", Level: 1, Status: "pending"}
	tests := []struct {
		name string
		n    casework.Notice
		same bool
	}{
		{"the same notice sent later", casework.Notice{CaseID: "k_1", Kind: casework.NoticeEscalation, To: "Area@Example.com", Level: 1, Status: "sent", Attempts: 2}, true},
		{"address in another case", casework.Notice{Kind: casework.NoticeEscalation, To: "area@example.com", Level: 1}, true},
		{"next level", casework.Notice{Kind: casework.NoticeEscalation, To: "area@example.com", Level: 2}, false},
		{"another kind", casework.Notice{Kind: casework.NoticeReminder, To: "area@example.com", Level: 1}, false},
		{"another recipient", casework.Notice{Kind: casework.NoticeEscalation, To: "ops@example.com", Level: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.n.Key() == base.Key(); got != tt.same {
				t.Errorf("got same key %v, want %v (%+v vs %+v)", got, tt.same, tt.n.Key(), base.Key())
			}
		})
	}
	want := casework.NoticeKey{Kind: "escalation", Level: 1, To: "area@example.com"}
	if got := base.Key(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
}
