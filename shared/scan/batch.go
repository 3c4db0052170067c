package scan

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
)

// PrintBatch is one print run of a store's cards, as printed: the layout
// version and the menu (rated items, main courses) its cards were printed
// with. A card is read by its batch, so a store that changes its items
// after printing does not have old cards' answers mapped to the new names.
// It is recorded when the cards are printed, keyed by the batch its
// serials encode (cardprint.Batch).
type PrintBatch struct {
	ID          string    `json:"id" dynamodbav:"batchId"` // BatchOf(serial)
	StoreID     string    `json:"storeId" dynamodbav:"storeId"`
	Version     int       `json:"version" dynamodbav:"version"` // layout version
	Items       []string  `json:"items" dynamodbav:"items"`
	MainCourses []string  `json:"mainCourses" dynamodbav:"mainCourses"`
	Count       int       `json:"count" dynamodbav:"count"` // cards numbered 0…Count-1
	PrintedAt   time.Time `json:"printedAt" dynamodbav:"printedAt"`
}

// NewPrintBatch describes count cards of st printed with layout version,
// their serials starting at first (any serial of the batch).
func NewPrintBatch(st brand.Store, version int, first string, count int) (PrintBatch, error) {
	id, _, err := BatchOf(first)
	if err != nil {
		return PrintBatch{}, err
	}
	at, _ := batchTime(first)
	return PrintBatch{ID: id, StoreID: st.ID, Version: version, Items: st.Items, MainCourses: st.MainCourses, Count: count, PrintedAt: at}, nil
}

// Menu is the menu the batch's cards were printed with.
func (b PrintBatch) Menu() *Menu { return &Menu{Items: b.Items, MainCourses: b.MainCourses} }

var serialEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// BatchOf splits a card serial (cardprint.Batch.Serial: 72 bits, the
// batch's print time, its nonce and the card's number) into its batch's
// id (the time and nonce, 14 hex digits) and the card's number.
func BatchOf(serial string) (batch string, card int, err error) {
	raw, err := serialEncoding.DecodeString(serial)
	if err != nil || len(raw) != 9 {
		return "", 0, fmt.Errorf("serial %q is not a card serial", serial)
	}
	return fmt.Sprintf("%x", raw[:7]), int(binary.BigEndian.Uint16(raw[7:])), nil
}

func batchTime(serial string) (time.Time, error) {
	raw, err := serialEncoding.DecodeString(serial)
	if err != nil || len(raw) != 9 {
		return time.Time{}, fmt.Errorf("serial %q is not a card serial", serial)
	}
	return time.Unix(int64(binary.BigEndian.Uint32(raw[:4])), 0).UTC(), nil
}
