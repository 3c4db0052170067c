// Package card is the diner's feedback card: what a diner submits (the JSON of
// docs/api.md, the online form, a scanned paper card or an imported row), the
// rules it must meet, and the card as cardloop stores it.
package card

import (
	"time"

	"github.com/cardloop/cardloop/shared/diner"
)

// Sources of a card.
const (
	SourceQR     = "qr"     // the online form or the JSON API
	SourceScan   = "scan"   // a paper card read by OMR
	SourceImport = "import" // a CSV row keyed in by staff
)

// Scale of every rating: 1 very poor … 5 excellent.
const (
	MinRating = 1
	MaxRating = 5
	MinNPS    = 0
	MaxNPS    = 10
)

// Limits on free text, in characters (runes).
const (
	MaxComment     = 2000
	MaxName        = 100
	MaxTable       = 16
	MaxServer      = 64
	MaxKey         = 128 // submissionId and Idempotency-Key
	MaxVisitCount  = 999
	MaxDaysBack    = 366 // oldest visit date a card may carry
	MaxRequestBody = 16 << 10
)

// Meals, reasons for dining and ways of hearing of the restaurant, in the
// order the card lists them.
var (
	Meals     = []string{"lunch", "dinner"}
	Reasons   = []string{"birthday", "anniversary", "family", "friends", "business", "date", "other"}
	HeardFrom = []string{"friend", "social", "review", "ad", "passing", "event", "other"}
)

// Submission is a card as a diner (or a scanner, or an import) sends it: the
// JSON object of PRODUCT.md 3.1. Pointers mark optional values whose zero is
// meaningful.
type Submission struct {
	SubmissionID string         `json:"submissionId,omitempty"`
	StoreID      string         `json:"storeId"`
	Table        string         `json:"table,omitempty"`
	Server       string         `json:"server,omitempty"`
	VisitDate    string         `json:"visitDate,omitempty"`
	Meal         string         `json:"meal,omitempty"`
	FirstVisit   *bool          `json:"firstVisit,omitempty"`
	VisitCount   *int           `json:"visitCount,omitempty"`
	Reason       string         `json:"reason,omitempty"`
	HeardFrom    string         `json:"heardFrom,omitempty"`
	MainCourse   string         `json:"mainCourse,omitempty"`
	Ratings      map[string]int `json:"ratings"`
	NPS          *int           `json:"nps,omitempty"`
	Comment      string         `json:"comment,omitempty"`
	Diner        DinerInput     `json:"diner"`
	Consent      ConsentInput   `json:"consent"`
}

// DinerInput is who the diner says they are; every field is optional.
type DinerInput struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Email    string `json:"email,omitempty"`
	Birthday string `json:"birthday,omitempty"`
	Language string `json:"language,omitempty"`
}

// ConsentInput holds the two separate consents; both default to false.
type ConsentInput struct {
	Contact   bool `json:"contact"`
	Marketing bool `json:"marketing"`
}

// Card is a stored card. Its ID is derived from the store and the submission's
// idempotency key, so a replayed submission names the same card.
type Card struct {
	ID          string         `json:"id" dynamodbav:"cardId"`
	StoreID     string         `json:"storeId" dynamodbav:"storeId"`
	BrandID     string         `json:"brandId" dynamodbav:"brandId"`
	Source      string         `json:"source" dynamodbav:"source"`
	SubmittedAt time.Time      `json:"submittedAt" dynamodbav:"submittedAt"`
	VisitDate   string         `json:"visitDate" dynamodbav:"visitDate"`
	Meal        string         `json:"meal,omitempty" dynamodbav:"meal,omitempty"`
	Table       string         `json:"table,omitempty" dynamodbav:"table,omitempty"`
	Server      string         `json:"server,omitempty" dynamodbav:"server,omitempty"`
	FirstVisit  *bool          `json:"firstVisit,omitempty" dynamodbav:"firstVisit,omitempty"`
	VisitCount  *int           `json:"visitCount,omitempty" dynamodbav:"visitCount,omitempty"`
	Reason      string         `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
	HeardFrom   string         `json:"heardFrom,omitempty" dynamodbav:"heardFrom,omitempty"`
	MainCourse  string         `json:"mainCourse,omitempty" dynamodbav:"mainCourse,omitempty"`
	Ratings     map[string]int `json:"ratings" dynamodbav:"ratings"`
	NPS         *int           `json:"nps,omitempty" dynamodbav:"nps,omitempty"`
	Comment     string         `json:"comment,omitempty" dynamodbav:"comment,omitempty"`
	Diner       Diner          `json:"diner" dynamodbav:"diner"`
	Consent     Consents       `json:"consent" dynamodbav:"consent"`
	// Serial is a printed card's serial (the card scanned, or answered
	// online through its QR code): it names the card's images in the scan
	// bucket (scan.CropPrefix).
	Serial string `json:"serial,omitempty" dynamodbav:"serial,omitempty"`
	// TranscribedBy and TranscribedAt say who typed in a paper card's
	// handwritten comment, and when (comments.Service.Transcribe).
	TranscribedBy string     `json:"transcribedBy,omitempty" dynamodbav:"transcribedBy,omitempty"`
	TranscribedAt *time.Time `json:"transcribedAt,omitempty" dynamodbav:"transcribedAt,omitempty"`
	// Language is the language the diner filled the card in.
	Language string `json:"language,omitempty" dynamodbav:"language,omitempty"`
	// Fingerprint identifies the submission's content, so a replay with the
	// same key but different content is told apart from a true replay.
	Fingerprint string `json:"-" dynamodbav:"fingerprint"`
}

// Diner is the diner as the card gives them, normalised: phone in E.164,
// Key as diner.KeyFor.
type Diner struct {
	Key      string `json:"key,omitempty" dynamodbav:"key,omitempty"`
	Name     string `json:"name,omitempty" dynamodbav:"name,omitempty"`
	Phone    string `json:"phone,omitempty" dynamodbav:"phone,omitempty"`
	Email    string `json:"email,omitempty" dynamodbav:"email,omitempty"`
	Birthday string `json:"birthday,omitempty" dynamodbav:"birthday,omitempty"`
	Language string `json:"language,omitempty" dynamodbav:"language,omitempty"`
}

// Consents records each consent given on the card, with time and source; nil
// means the box was not ticked.
type Consents struct {
	Contact   *diner.Consent `json:"contact,omitempty" dynamodbav:"contact,omitempty"`
	Marketing *diner.Consent `json:"marketing,omitempty" dynamodbav:"marketing,omitempty"`
}

// StoreQuery asks for a store's cards by visit date, newest first.
type StoreQuery struct {
	StoreID string
	From    string // YYYY-MM-DD, inclusive
	To      string // YYYY-MM-DD, inclusive
	Limit   int
	Cursor  string // from the previous Page's Next
}

// Page is one page of cards; Next is empty on the last page.
type Page struct {
	Cards []Card `json:"cards"`
	Next  string `json:"next,omitempty"`
}
