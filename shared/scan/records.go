package scan

import (
	"fmt"
	"time"
)

// Limits on what an upload may be.
const (
	// MaxObject is the largest scan file read, refused from its length
	// before it is downloaded (a 200-dpi grey JPEG PDF of a hundred A5 pages
	// is about 15 MB; split bigger batches).
	MaxObject = 40 << 20
	// MaxPages is the most pages one file may hold.
	MaxPages = 500
)

// Reasons a file or page is kept unread, beyond omr's codes.
const (
	ReasonCorrupt      = "corrupt"        // not a readable PDF or image
	ReasonEmpty        = "empty"          // a PDF without pages
	ReasonTooManyPages = "too_many_pages" // over MaxPages
	ReasonNoImage      = "no_image"       // a PDF page with no scanned image on it
	ReasonNotCard      = "not_card"       // a QR code, but not a cardloop card's
	ReasonBadSignature = "bad_signature"  // a card URL whose serial is forged
	ReasonUnknownStore = "unknown_store"
	ReasonTooLarge     = "too_large"     // the file is over MaxObject
	ReasonGone         = "gone"          // the file was deleted before it was read
	ReasonBlank        = "blank"         // blank paper (a card's back from a duplex scanner): skipped
	ReasonUnknownBatch = "unknown_batch" // the QR code was unreadable and the serial's print batch is not known
)

// FileError is why a whole file was not read; Reason is one of the Reason
// constants or an omr code.
type FileError struct {
	Reason string
	Err    error
}

func (e *FileError) Error() string { return fmt.Sprintf("scan file: %s: %v", e.Reason, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// Page outcomes.
const (
	Stored    = "stored"    // a new card
	Queued    = "queued"    // waiting for a person in the review queue
	Duplicate = "duplicate" // the card (or its review) was there already: a re-scan, or answered online first
	Rejected  = "rejected"  // not read: see Reason
	Skipped   = "skipped"   // nothing to read: blank paper (Reason ReasonBlank), not counted as a failure
)

// PageRecord is what became of one page of a scan file.
type PageRecord struct {
	Object   string    `json:"object" dynamodbav:"object"`
	Page     int       `json:"page" dynamodbav:"page"`
	Status   string    `json:"status" dynamodbav:"status"`
	Reason   string    `json:"reason,omitempty" dynamodbav:"reason,omitempty"`
	Detail   string    `json:"detail,omitempty" dynamodbav:"detail,omitempty"`
	StoreID  string    `json:"storeId,omitempty" dynamodbav:"storeId,omitempty"`
	Serial   string    `json:"serial,omitempty" dynamodbav:"serial,omitempty"`
	CardID   string    `json:"cardId,omitempty" dynamodbav:"cardId,omitempty"`
	ReviewID string    `json:"reviewId,omitempty" dynamodbav:"reviewId,omitempty"`
	At       time.Time `json:"at" dynamodbav:"at"`
}

// Report counts what one file gave.
type Report struct {
	Pages, Stored, Queued, Duplicates, Rejected, Skipped int
}

// CropPrefix is where a card's images are kept in the bucket: its boxes
// (handwriting, and the consent boxes as marked: the evidence of consent)
// and the fields a person was asked about.
func CropPrefix(storeID, serial string) string { return "crops/" + storeID + "/" + serial + "/" }
