// Package privacy answers diners' data-protection requests (PRODUCT.md 4.5;
// docs/privacy.md): find a diner, export their data, correct it, erase it,
// and remove personal data a set time after the last visit. It knows the
// laws of the stores' countries and their deadlines, runs an erasure as a
// plan of idempotent steps whose progress is stored (so a retry finishes an
// erasure that stopped halfway), and shapes exports as JSON or CSV. It
// speaks to storage through the small interfaces declared where they are
// used (service.go); the stores scrub their own aggregates.
package privacy

import (
	"time"
)

// Kind is what a request asks for.
type Kind string

// Request kinds. Retention is the scheduled removal of a diner idle longer
// than the brand keeps personal data; it is answered exactly as an erasure.
const (
	Export    Kind = "export"
	Correct   Kind = "correct"
	Erase     Kind = "erase"
	Retention Kind = "retention"
)

// Kinds staff may ask for.
var Kinds = []Kind{Export, Correct, Erase}

// Law is the data-protection law a store answers to, by its country.
type Law string

// Laws of the brand's countries.
const (
	TaiwanPDPA    Law = "TW-PDPA" // access and copies within 15 days, correction and deletion within 30
	ChinaPIPL     Law = "CN-PIPL" // access, copy, correction, deletion, portability, promptly (brand setting)
	SingaporePDPA Law = "SG-PDPA" // access and correction within 30 days
	OtherLaw      Law = "other"   // any other country: the strictest deadline above
)

// LawOf returns the law of a store in country (ISO 3166, e.g. "TW").
func LawOf(country string) Law {
	switch country {
	case "TW":
		return TaiwanPDPA
	case "CN":
		return ChinaPIPL
	case "SG":
		return SingaporePDPA
	}
	return OtherLaw
}

// Settings are a brand's privacy settings (brand.Brand), with defaults.
type Settings struct {
	// ChinaDays is how many days a request in mainland China has (PIPL says
	// "promptly"; the brand sets what it commits to). Default 15.
	ChinaDays int
	// RetentionMonths is how long personal data is kept after a diner's
	// last visit. Default 24.
	RetentionMonths int
}

// Defaults.
const (
	DefaultChinaDays       = 15
	DefaultRetentionMonths = 24
	// OptInDays is how long a ticked greetings box waits for its
	// confirmation before the consent is dropped.
	OptInDays = 30
)

// WithDefaults fills what the brand left unset.
func (s Settings) WithDefaults() Settings {
	if s.ChinaDays <= 0 {
		s.ChinaDays = DefaultChinaDays
	}
	if s.RetentionMonths <= 0 {
		s.RetentionMonths = DefaultRetentionMonths
	}
	return s
}

// Days returns how many calendar days a request of kind k has under law.
// Export is access and a copy; correction and erasure are the slower kind
// where the law distinguishes them. Singapore's PDPA gives no erasure right
// as such; the brand answers it within the access deadline, 30 days.
func (l Law) Days(k Kind, s Settings) int {
	s = s.WithDefaults()
	switch l {
	case TaiwanPDPA:
		if k == Export {
			return 15
		}
		return 30
	case ChinaPIPL:
		return s.ChinaDays
	case SingaporePDPA:
		return 30
	}
	return min(15, s.ChinaDays)
}

// DueAt is when a request of kind k made at created must be answered.
func (l Law) DueAt(k Kind, created time.Time, s Settings) time.Time {
	return created.AddDate(0, 0, l.Days(k, s))
}

// RetentionCutoff is the last visit date (YYYY-MM-DD) on or before which a
// diner's personal data is due for removal at now.
func (s Settings) RetentionCutoff(now time.Time) string {
	return now.UTC().AddDate(0, -s.WithDefaults().RetentionMonths, 0).Format(time.DateOnly)
}

// OptInCutoff is the time on or before which an unconfirmed opt-in has
// expired at now.
func OptInCutoff(now time.Time) time.Time { return now.Add(-OptInDays * 24 * time.Hour) }

// Status of a request.
type Status string

// Statuses.
const (
	Open Status = "open"
	Done Status = "done"
)

// Step is how far an erasure has come. Steps run in the order of Steps;
// each is idempotent, so a retry reruns the step it stopped in.
type Step string

// The erasure plan.
const (
	StepCollect   Step = "collect"   // find the diner's cards and cases and note them on the request
	StepFiles     Step = "files"     // delete paper cards' crops and scan files; scrub their reviews
	StepCases     Step = "cases"     // cases lose contact details and free text
	StepCards     Step = "cards"     // cards lose name, phone, e-mail, birthday, comment
	StepGreetings Step = "greetings" // send records re-keyed by hash; opt-out kept as a keyed hash
	StepProfile   Step = "profile"   // the profile, consent log, indexes: every item of the diner
	StepDone      Step = "done"
)

// Steps is the plan, in order.
var Steps = []Step{StepCollect, StepFiles, StepCases, StepCards, StepGreetings, StepProfile, StepDone}

// Next returns the step after s.
func (s Step) Next() Step {
	for i, x := range Steps {
		if x == s && i+1 < len(Steps) {
			return Steps[i+1]
		}
	}
	return StepDone
}

// Subject is who a request is about, kept on the request only while it is
// open (an erasure needs it to resume); a finished request keeps only
// SubjectHash.
type Subject struct {
	DinerKey string `json:"dinerKey,omitempty" dynamodbav:"dinerKey,omitempty"`
	Email    string `json:"email,omitempty" dynamodbav:"email,omitempty"`
}

// CardRef is what an erasure must know of one card after the card has lost
// its link to the diner.
type CardRef struct {
	ID      string `json:"id" dynamodbav:"id"`
	StoreID string `json:"storeId" dynamodbav:"storeId"`
	Serial  string `json:"serial,omitempty" dynamodbav:"serial,omitempty"`
}

// Request is one data-protection request and, for an erasure, its progress.
type Request struct {
	ID      string `json:"id" dynamodbav:"requestId"`
	BrandID string `json:"brandId" dynamodbav:"brandId"`
	Kind    Kind   `json:"kind" dynamodbav:"requestKind"`
	// StoreID is the diner's last store, whose law sets the deadline ("" for
	// a diner not found: the strictest deadline applies).
	StoreID   string     `json:"storeId,omitempty" dynamodbav:"storeId,omitempty"`
	Law       Law        `json:"law" dynamodbav:"law"`
	Reason    string     `json:"reason" dynamodbav:"reason"`
	By        string     `json:"by" dynamodbav:"by"` // the staff member's e-mail, or "retention"
	CreatedAt time.Time  `json:"createdAt" dynamodbav:"createdAt"`
	DueAt     time.Time  `json:"dueAt" dynamodbav:"dueAt"`
	Status    Status     `json:"status" dynamodbav:"status"`
	Step      Step       `json:"step,omitempty" dynamodbav:"step,omitempty"`
	DoneAt    *time.Time `json:"doneAt,omitempty" dynamodbav:"doneAt,omitempty"`
	// SubjectHash is the keyed hash of the diner's key: it ties requests
	// about one diner together without naming them.
	SubjectHash string   `json:"subjectHash" dynamodbav:"subjectHash"`
	Subject     *Subject `json:"-" dynamodbav:"subject,omitempty"`
	// Found says whether the diner was known; the answer to the caller is
	// the same either way.
	Found bool      `json:"-" dynamodbav:"found"`
	Cards []CardRef `json:"-" dynamodbav:"cards,omitempty"`
	Cases []string  `json:"-" dynamodbav:"cases,omitempty"`
	// Counts say what was done (cards scrubbed, files deleted…), for the
	// record; no personal data.
	Counts map[string]int `json:"-" dynamodbav:"counts,omitempty"`
}

// Receipt is what the requester is told of an erasure: the same whether
// the diner was known or not (no store, law, counts).
type Receipt struct {
	ID        string     `json:"id"`
	Kind      Kind       `json:"kind"`
	Status    Status     `json:"status"`
	Reason    string     `json:"reason"`
	By        string     `json:"by"`
	CreatedAt time.Time  `json:"createdAt"`
	DoneAt    *time.Time `json:"doneAt,omitempty"`
}

// Receipt returns r's receipt.
func (r Request) Receipt() Receipt {
	return Receipt{ID: r.ID, Kind: r.Kind, Status: r.Status, Reason: r.Reason, By: r.By, CreatedAt: r.CreatedAt, DoneAt: r.DoneAt}
}

// Overdue reports whether an open request is past its due date at now.
func (r Request) Overdue(now time.Time) bool { return r.Status == Open && now.After(r.DueAt) }

// AuditEntry is one thing done to personal data, for the brand to prove
// what it did: who, when, what action, on which request or diner (by keyed
// hash), with details that name no one.
type AuditEntry struct {
	BrandID     string            `json:"brandId" dynamodbav:"brandId"`
	At          time.Time         `json:"at" dynamodbav:"at"`
	By          string            `json:"by" dynamodbav:"by"`
	Action      string            `json:"action" dynamodbav:"action"` // lookup, export, correct, erase-started, erase-step, erase-done, optin-expired…
	RequestID   string            `json:"requestId,omitempty" dynamodbav:"requestId,omitempty"`
	SubjectHash string            `json:"subjectHash,omitempty" dynamodbav:"subjectHash,omitempty"`
	Detail      map[string]string `json:"detail,omitempty" dynamodbav:"detail,omitempty"`
}
