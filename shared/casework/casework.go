// Package casework is the apology-callback case: opened by triage for a low
// card, worked by the store manager along Listen–Apologise–Solve–Thank, and
// escalated when overdue. Every change is an Event (the audit trail) and a
// Tally delta (the numbers dashboards read without scanning cases).
package casework

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

// Status of a case: open → acknowledged → contacted → resolved.
type Status string

// The statuses.
const (
	Open         Status = "open"
	Acknowledged Status = "acknowledged"
	Contacted    Status = "contacted"
	Resolved     Status = "resolved"
)

// Outcome of one contact attempt.
type Outcome string

// The outcomes.
const (
	Reached     Outcome = "reached"
	NoAnswer    Outcome = "no_answer"
	WrongNumber Outcome = "wrong_number"
	Visited     Outcome = "visited" // met in person
)

// Outcomes lists every outcome, in the order the case page shows them.
var Outcomes = []Outcome{Reached, NoAnswer, WrongNumber, Visited}

// RemedyCategories are the kinds of remedy a store can offer.
var RemedyCategories = []string{"none", "apology_only", "discount", "voucher", "free_meal", "refund", "replacement", "other"}

// Satisfaction answers.
const (
	SatisfiedYes     = "yes"
	SatisfiedNo      = "no"
	SatisfiedUnknown = "unknown"
)

// Escalation levels.
const (
	LevelStore      = 0 // the store manager alone
	LevelArea       = 1 // the area manager has been told
	LevelOperations = 2 // operations has been told
)

// MaxNotes bounds free text on a case.
const MaxNotes = 2000

// Contact is one recorded attempt to reach the diner (Listen, Apologise,
// Solve, Thank).
type Contact struct {
	At             time.Time `json:"at" dynamodbav:"at"`
	By             string    `json:"by" dynamodbav:"by"`
	Outcome        Outcome   `json:"outcome" dynamodbav:"outcome"`
	Listened       string    `json:"listened,omitempty" dynamodbav:"listened,omitempty"` // what the diner said went wrong
	ApologyGiven   bool      `json:"apologyGiven" dynamodbav:"apologyGiven"`
	RemedyCategory string    `json:"remedyCategory,omitempty" dynamodbav:"remedyCategory,omitempty"`
	Remedy         string    `json:"remedy,omitempty" dynamodbav:"remedy,omitempty"`
	Satisfied      string    `json:"satisfied,omitempty" dynamodbav:"satisfied,omitempty"`
	Notes          string    `json:"notes,omitempty" dynamodbav:"notes,omitempty"`
}

// Case is one apology-callback case.
type Case struct {
	ID            string          `json:"id" dynamodbav:"caseId"`
	BrandID       string          `json:"brandId" dynamodbav:"brandId"`
	StoreID       string          `json:"storeId" dynamodbav:"storeId"`
	Severity      triage.Severity `json:"severity" dynamodbav:"severity"`
	Reasons       []triage.Reason `json:"reasons" dynamodbav:"reasons"`
	NoContact     bool            `json:"noContact" dynamodbav:"noContact"`
	Status        Status          `json:"status" dynamodbav:"status"`
	CardIDs       []string        `json:"cardIds" dynamodbav:"cardIds"`
	DinerKey      string          `json:"dinerKey,omitempty" dynamodbav:"dinerKey,omitempty"`
	DinerName     string          `json:"dinerName,omitempty" dynamodbav:"dinerName,omitempty"`
	DinerPhone    string          `json:"dinerPhone,omitempty" dynamodbav:"dinerPhone,omitempty"`
	VisitDate     string          `json:"visitDate" dynamodbav:"visitDate"`
	OpenedAt      time.Time       `json:"openedAt" dynamodbav:"openedAt"`
	DueAt         time.Time       `json:"dueAt" dynamodbav:"dueAt"`
	Acknowledged  *time.Time      `json:"acknowledgedAt,omitempty" dynamodbav:"acknowledgedAt,omitempty"`
	FirstContact  *time.Time      `json:"firstContactAt,omitempty" dynamodbav:"firstContactAt,omitempty"`
	ResolvedAt    *time.Time      `json:"resolvedAt,omitempty" dynamodbav:"resolvedAt,omitempty"`
	Level         int             `json:"escalationLevel" dynamodbav:"escalationLevel"`
	NextCheck     *time.Time      `json:"nextCheckAt,omitempty" dynamodbav:"nextCheckAt,omitempty"` // when escalation looks again; nil once resolved
	Contacts      []Contact       `json:"contacts" dynamodbav:"contacts"`
	FirstResolved bool            `json:"firstContactResolution" dynamodbav:"firstContactResolution"`
	Reopens       int             `json:"reopens" dynamodbav:"reopens"`
	Version       int             `json:"version" dynamodbav:"version"` // optimistic lock
	// Recoverable marks a case counted as recoverable when it opened (a
	// known diner), the only kind whose return is counted; ComplaintOverall
	// is the lowest overall score (1–5) of the case's cards, 0 when none
	// rates overall; Returned is the diner's first card after the case
	// (recovery.go).
	Recoverable      bool    `json:"recoverable,omitempty" dynamodbav:"recoverable,omitempty"`
	ComplaintOverall int     `json:"complaintOverall,omitempty" dynamodbav:"complaintOverall,omitempty"`
	Returned         *Return `json:"returned,omitempty" dynamodbav:"returned,omitempty"`
	// AssignedTo is the staff member of the store who works the case (an
	// address, lower case), assigned by AssignedBy at AssignedAt;
	// Assignments counts the assignments so far, and numbers each one's
	// e-mail (Notice.Level), so every assignment is e-mailed once.
	AssignedTo  string     `json:"assignedTo,omitempty" dynamodbav:"assignedTo,omitempty"`
	AssignedBy  string     `json:"assignedBy,omitempty" dynamodbav:"assignedBy,omitempty"`
	AssignedAt  *time.Time `json:"assignedAt,omitempty" dynamodbav:"assignedAt,omitempty"`
	Assignments int        `json:"assignments,omitempty" dynamodbav:"assignments,omitempty"`
}

// UniqueCardIDs are the case's cards, each once, in the order they came.
func (k Case) UniqueCardIDs() []string {
	out := make([]string, 0, len(k.CardIDs))
	for _, id := range k.CardIDs {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Overdue reports whether the case still waits for a call past its due
// time: not resolved, not no-contact, nobody reached yet.
func (k Case) Overdue(now time.Time) bool {
	return k.Status != Resolved && !k.NoContact && k.FirstContact == nil && now.After(k.DueAt)
}

// Escalated reports whether anyone above the store has been told.
func (k Case) Escalated() bool { return k.Level > LevelStore }

// Event is one audit entry: who did what to a case, when.
type Event struct {
	At     time.Time         `json:"at" dynamodbav:"at"`
	By     string            `json:"by" dynamodbav:"by"`
	Action string            `json:"action" dynamodbav:"action"` // opened, merged, rejudged, acknowledged, contact, resolved, reopened, escalated, assigned
	Detail map[string]string `json:"detail,omitempty" dynamodbav:"detail,omitempty"`
}

// Tally is a change to a store's daily case numbers (PRODUCT.md 4.2, issue 3
// point 6); stored by adding it to the day's counters.
type Tally struct {
	OpenedApology        int `json:"openedApology" dynamodbav:"openedApology"`
	OpenedVisit          int `json:"openedVisit" dynamodbav:"openedVisit"`
	NoContact            int `json:"noContact" dynamodbav:"noContact"`
	Acknowledged         int `json:"acknowledged" dynamodbav:"acknowledged"`
	AckSeconds           int `json:"ackSeconds" dynamodbav:"ackSeconds"`
	FirstContacted       int `json:"firstContacted" dynamodbav:"firstContacted"`
	FirstContactSeconds  int `json:"firstContactSeconds" dynamodbav:"firstContactSeconds"`
	ContactedWithinSLA   int `json:"contactedWithinSla" dynamodbav:"contactedWithinSla"`
	Resolved             int `json:"resolved" dynamodbav:"resolved"`
	ResolvedFirstContact int `json:"resolvedFirstContact" dynamodbav:"resolvedFirstContact"`
	Reopened             int `json:"reopened" dynamodbav:"reopened"`
	Escalated            int `json:"escalated" dynamodbav:"escalated"`
	// Recoverable counts cases opened for a diner a later card can be
	// recognised by (a diner key): the recovery rate's denominator.
	Recoverable int `json:"recoverable" dynamodbav:"recoverable"`
}

// Counters returns the tally as attribute name → amount, omitting zeros.
func (t Tally) Counters() map[string]int {
	all := map[string]int{
		"openedApology": t.OpenedApology, "openedVisit": t.OpenedVisit, "noContact": t.NoContact,
		"acknowledged": t.Acknowledged, "ackSeconds": t.AckSeconds, "firstContacted": t.FirstContacted,
		"firstContactSeconds": t.FirstContactSeconds, "contactedWithinSla": t.ContactedWithinSLA,
		"resolved": t.Resolved, "resolvedFirstContact": t.ResolvedFirstContact, "reopened": t.Reopened,
		"escalated": t.Escalated, NRecoverable: t.Recoverable,
	}
	for k, v := range all {
		if v == 0 {
			delete(all, k)
		}
	}
	return all
}

// ID names the case of a diner at a store on a visit day, so several low
// cards from one diner that day make one case. An anonymous card is its own
// case.
func ID(storeID, dinerKey, cardID, visitDate string) string {
	who := dinerKey
	if who == "" {
		who = "card:" + cardID
	}
	sum := sha256.Sum256([]byte(storeID + "\x00" + who + "\x00" + visitDate))
	return "k_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// New opens a case for a card that triage flagged. openedAt is when the card
// was stored (the SLA counts from then).
func New(c card.Card, d triage.Decision) (Case, Event, Tally) {
	k := Case{
		ID:         ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate),
		BrandID:    c.BrandID,
		StoreID:    c.StoreID,
		Severity:   d.Severity,
		Reasons:    d.Reasons,
		NoContact:  d.NoContact,
		Status:     Open,
		CardIDs:    []string{c.ID},
		DinerKey:   c.Diner.Key,
		DinerName:  c.Diner.Name,
		DinerPhone: c.Diner.Phone,
		VisitDate:  c.VisitDate,
		OpenedAt:   c.SubmittedAt,
		DueAt:      c.SubmittedAt.Add(d.Due),
		Contacts:   []Contact{},
	}
	k.noteComplaint(c)
	if !k.NoContact {
		next := k.DueAt
		k.NextCheck = &next
	}
	ev := Event{At: c.SubmittedAt, By: "triage", Action: "opened", Detail: map[string]string{"card": c.ID, "severity": string(d.Severity)}}
	var t Tally
	if d.Severity == triage.Visit {
		t.OpenedVisit = 1
	} else {
		t.OpenedApology = 1
	}
	if k.NoContact {
		t.NoContact = 1
	}
	if k.DinerKey != "" {
		k.Recoverable, t.Recoverable = true, 1
	}
	return k, ev, t
}

// AddCard merges another low card of the same diner, store and day into the
// case. It reports whether the severity rose (so the area manager must now be
// told). A card already part of the case is judged again: the reasons it
// brings that the case lacks (a keyword of a comment typed in since) are
// added, and may raise the severity; with none new, nothing changes (a
// replay). The last result reports whether anything changed.
func (k *Case) AddCard(c card.Card, d triage.Decision) (Event, bool, bool) {
	action := "merged"
	if slices.Contains(k.CardIDs, c.ID) {
		// The card again: a replay adds nothing, but a card that changed
		// since it was judged (a handwritten comment typed in) may bring
		// new reasons, and with them a higher severity.
		var fresh []triage.Reason
		for _, r := range d.Reasons {
			if !slices.Contains(k.Reasons, r) && !slices.Contains(fresh, r) {
				fresh = append(fresh, r)
			}
		}
		if len(fresh) == 0 {
			return Event{}, false, false
		}
		d.Reasons, action = fresh, "rejudged"
	} else {
		k.CardIDs = append(k.CardIDs, c.ID)
		k.noteComplaint(c)
	}
	k.Reasons = append(k.Reasons, d.Reasons...)
	raised := d.Severity.Rank() > k.Severity.Rank()
	if raised {
		k.Severity = d.Severity
		if due := k.OpenedAt.Add(d.Due); due.Before(k.DueAt) {
			k.DueAt = due
		}
	}
	if !d.NoContact && k.NoContact {
		k.NoContact = false
		k.DinerPhone = c.Diner.Phone
		next := k.DueAt
		k.NextCheck = &next
	}
	at := c.SubmittedAt
	if action == "rejudged" && c.TranscribedAt != nil {
		at = *c.TranscribedAt
	}
	return Event{At: at, By: "triage", Action: action, Detail: map[string]string{"card": c.ID, "severity": string(k.Severity)}}, raised, true
}

// Acknowledge records that the store manager has seen the case. Acknowledging
// twice changes nothing (ok is false).
func (k *Case) Acknowledge(by string, now time.Time) (Event, Tally, bool) {
	if k.Acknowledged != nil {
		return Event{}, Tally{}, false
	}
	k.Acknowledged = &now
	if k.Status == Open {
		k.Status = Acknowledged
	}
	return Event{At: now, By: by, Action: "acknowledged"}, Tally{Acknowledged: 1, AckSeconds: seconds(now.Sub(k.OpenedAt))}, true
}

// RecordContact records a contact attempt. The first one also acknowledges.
func (k *Case) RecordContact(c Contact) (Event, Tally, error) {
	if err := c.validate(); err != nil {
		return Event{}, Tally{}, err
	}
	if k.Status == Resolved {
		return Event{}, Tally{}, fault.New(fault.Conflict, "The case is resolved; reopen it to record a contact.")
	}
	var t Tally
	if k.Acknowledged == nil {
		_, ack, _ := k.Acknowledge(c.By, c.At)
		t = ack
	}
	k.Contacts = append(k.Contacts, c)
	if c.Outcome == Reached || c.Outcome == Visited {
		if k.FirstContact == nil {
			at := c.At
			k.FirstContact = &at
			t.FirstContacted = 1
			t.FirstContactSeconds = seconds(c.At.Sub(k.OpenedAt))
			if !c.At.After(k.DueAt) {
				t.ContactedWithinSLA = 1
			}
		}
		k.Status = Contacted
	}
	detail := map[string]string{"outcome": string(c.Outcome), "apology": fmt.Sprint(c.ApologyGiven)}
	if c.RemedyCategory != "" {
		detail["remedy"] = c.RemedyCategory
	}
	if c.Satisfied != "" {
		detail["satisfied"] = c.Satisfied
	}
	return Event{At: c.At, By: c.By, Action: "contact", Detail: detail}, t, nil
}

// Resolve closes the case. It needs a contact that reached the diner, unless
// the case is no-contact. Resolving on the first successful contact counts as
// first-contact resolution.
func (k *Case) Resolve(by, note string, now time.Time) (Event, Tally, error) {
	if k.Status == Resolved {
		return Event{}, Tally{}, fault.New(fault.Conflict, "The case is already resolved.")
	}
	if k.FirstContact == nil && !k.NoContact {
		return Event{}, Tally{}, &fault.Error{Code: fault.Invalid, Message: "Record a call that reached the diner before resolving.",
			Fields: []fault.FieldError{{Field: "outcome", Rule: "case_needs_contact"}}}
	}
	if utf8.RuneCountInString(note) > MaxNotes {
		return Event{}, Tally{}, fault.Fields([]fault.FieldError{{Field: "note", Rule: "too_long", Params: map[string]string{"max": fmt.Sprint(MaxNotes)}}})
	}
	k.Status, k.ResolvedAt, k.NextCheck = Resolved, &now, nil
	t := Tally{Resolved: 1}
	reached := 0
	for _, c := range k.Contacts {
		if c.Outcome == Reached || c.Outcome == Visited {
			reached++
		}
	}
	if reached == 1 && k.Reopens == 0 {
		k.FirstResolved = true
		t.ResolvedFirstContact = 1
	}
	ev := Event{At: now, By: by, Action: "resolved"}
	if note != "" {
		ev.Detail = map[string]string{"note": note}
	}
	return ev, t, nil
}

// Reopen puts a resolved case back to work, due again after due.
func (k *Case) Reopen(by, reason string, now time.Time, due time.Duration) (Event, Tally, error) {
	if k.Status != Resolved {
		return Event{}, Tally{}, fault.New(fault.Conflict, "Only a resolved case can be reopened.")
	}
	t := Tally{Reopened: 1, Resolved: -1}
	if k.FirstResolved {
		k.FirstResolved, t.ResolvedFirstContact = false, -1
	}
	k.Status, k.ResolvedAt = Acknowledged, nil
	k.Reopens++
	if k.FirstContact != nil {
		k.Status = Contacted
	}
	next := now.Add(due)
	k.DueAt, k.NextCheck = next, &next
	return Event{At: now, By: by, Action: "reopened", Detail: map[string]string{"reason": reason}}, t, nil
}

// Escalate raises an overdue case one level (store → area manager →
// operations) and schedules the next look one SLA period later. It returns
// false when the case is not due at now, is resolved, is no-contact, or has
// reached the top; so running it twice for the same moment escalates once.
func (k *Case) Escalate(now time.Time, sla time.Duration) (Event, Tally, int, bool) {
	if k.Status == Resolved || k.NoContact || k.NextCheck == nil || now.Before(*k.NextCheck) {
		return Event{}, Tally{}, k.Level, false
	}
	if k.FirstContact != nil { // contacted in time or late: the SLA is met, nothing to escalate
		k.NextCheck = nil
		return Event{}, Tally{}, k.Level, false
	}
	if k.Level >= LevelOperations {
		k.NextCheck = nil
		return Event{}, Tally{}, k.Level, false
	}
	k.Level++
	next := now.Add(sla)
	if k.Level >= LevelOperations {
		k.NextCheck = nil
	} else {
		k.NextCheck = &next
	}
	t := Tally{}
	if k.Level == LevelArea {
		t.Escalated = 1
	}
	return Event{At: now, By: "escalation", Action: "escalated", Detail: map[string]string{"level": fmt.Sprint(k.Level)}}, t, k.Level, true
}

// Assign gives the case to a staff member of its store (to, an address
// the caller has checked is the store's), by by at now. Assigning it to
// whom it is assigned already changes nothing (ok false): a repeated
// request sends no second e-mail. Each assignment owes the assignee one
// e-mail, numbered by the assignment (Notice.Level).
func (k *Case) Assign(by, to string, now time.Time) (Event, Notice, bool) {
	to = strings.ToLower(strings.TrimSpace(to))
	if to == "" || to == k.AssignedTo {
		return Event{}, Notice{}, false
	}
	k.Assignments++
	k.AssignedTo, k.AssignedBy, k.AssignedAt = to, by, &now
	ev := Event{At: now, By: by, Action: "assigned", Detail: map[string]string{"assignee": to}}
	return ev, Notice{Kind: NoticeAssigned, To: to, Level: k.Assignments, CreatedAt: now}, true
}

func (c Contact) validate() error {
	var errs []fault.FieldError
	if !slices.Contains(Outcomes, c.Outcome) {
		errs = append(errs, fault.FieldError{Field: "outcome", Rule: "one_of"})
	}
	if c.RemedyCategory != "" && !slices.Contains(RemedyCategories, c.RemedyCategory) {
		errs = append(errs, fault.FieldError{Field: "remedyCategory", Rule: "one_of"})
	}
	if c.Satisfied != "" && !slices.Contains([]string{SatisfiedYes, SatisfiedNo, SatisfiedUnknown}, c.Satisfied) {
		errs = append(errs, fault.FieldError{Field: "satisfied", Rule: "one_of"})
	}
	for field, s := range map[string]string{"listened": c.Listened, "remedy": c.Remedy, "notes": c.Notes} {
		if utf8.RuneCountInString(s) > MaxNotes {
			errs = append(errs, fault.FieldError{Field: field, Rule: "too_long", Params: map[string]string{"max": fmt.Sprint(MaxNotes)}})
		}
	}
	if c.By == "" || c.At.IsZero() {
		errs = append(errs, fault.FieldError{Field: "by", Rule: "required"})
	}
	if len(errs) > 0 {
		return fault.Fields(errs)
	}
	return nil
}

func seconds(d time.Duration) int { return int(max(0, d.Seconds())) }
