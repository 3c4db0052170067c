package casework

import (
	"strings"
	"time"
)

// Kinds of notice.
const (
	NoticeAlert      = "alert"      // the store manager: a new case
	NoticeAreaAlert  = "area_alert" // the area manager: a serious case, at once
	NoticeEscalation = "escalation" // the area manager (level 1) or operations (level 2): overdue
	NoticeReminder   = "reminder"   // the store manager: overdue
	NoticeAssigned   = "assigned"   // a staff member: a case assigned to them (Level numbers the assignment)
)

// Notice is one e-mail a case owes someone, kept beside the case (an outbox)
// so that it is sent once: written with the case change that causes it,
// claimed before sending, marked sent after.
type Notice struct {
	CaseID    string    `json:"caseId" dynamodbav:"caseId"`
	Kind      string    `json:"kind" dynamodbav:"noticeKind"` // alert, area_alert, escalation, reminder, assigned
	To        string    `json:"to" dynamodbav:"to"`
	Level     int       `json:"level" dynamodbav:"level"`
	Status    string    `json:"status" dynamodbav:"status"` // pending, sent
	CreatedAt time.Time `json:"createdAt" dynamodbav:"createdAt"`
	LeaseTill time.Time `json:"leaseUntil" dynamodbav:"leaseUntil"`
	Attempts  int       `json:"attempts" dynamodbav:"attempts"`
	MessageID string    `json:"messageId,omitempty" dynamodbav:"messageId,omitempty"`
	SentAt    time.Time `json:"sentAt" dynamodbav:"sentAt"`
}

// NoticeKey identifies a notice within its case: a case owes at most one
// notice per kind, recipient and escalation level, so writing the same
// notice twice is a conflict rather than a second e-mail. How a store spells
// it is the store's business.
type NoticeKey struct {
	Kind  string
	Level int
	To    string // lower case: addresses differing only in case are one recipient
}

// Key returns the notice's identity within its case.
func (n Notice) Key() NoticeKey {
	return NoticeKey{Kind: n.Kind, Level: n.Level, To: strings.ToLower(n.To)}
}

// Change is one change to a case, written atomically: the case itself
// (conditional on the version read), its audit entries, the day's tallies,
// and the notices it owes.
type Change struct {
	Case    Case
	Created bool // a new case: must not exist yet
	Events  []Event
	Tally   Tally
	Notices []Notice
}
