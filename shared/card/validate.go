package card

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
	"time"

	"github.com/cardloop/cardloop/shared/i18n"
)

// Meta is what the channel knows of a submission beyond its content.
type Meta struct {
	Source string // SourceQR, SourceScan, SourceImport
	// IdempotencyKey is the Idempotency-Key header; when empty the
	// submission's submissionId serves. With neither, every submission is new.
	IdempotencyKey string
	// Serial is a printed card's serial, its signature already verified
	// (a scan, or the online form opened from the card's QR code): the card
	// is then keyed by the serial, so paper and online answers of one
	// printed card are one card. Untrusted input can never set it.
	Serial string
	// PrintedItems and PrintedCourses, when not nil, are the rated items
	// and main courses a printed card was printed with (its print batch):
	// they stand for the store's own, so a card printed before a menu
	// change keeps its answers.
	PrintedItems, PrintedCourses []string
	// Language is the language the card was filled in, when the channel knows.
	Language i18n.Lang
	// Now is the time the submission arrived.
	Now time.Time
}

// SerialKey is the idempotency key of a printed card; its ":" cannot occur
// in a key a client sends.
func SerialKey(serial string) string { return "serial:" + serial }

// PrintedID returns the id of the card printed for store with serial.
func PrintedID(storeID, serial string) string { return ID(storeID, SerialKey(serial)) }

// ID returns the id of the card that store and idempotency key name: the same
// submission always gets the same id.
func ID(storeID, key string) string {
	sum := sha256.Sum256([]byte(storeID + "\x00" + key))
	return "c_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:16]))
}

// Result is the outcome of a submission.
type Result struct {
	Card    Card
	Created bool // false when the submission was a replay
}
