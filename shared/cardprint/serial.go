package cardprint

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"
)

// MaxCards is the most cards one batch can number.
const MaxCards = 1 << 16

var serialEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// Batch numbers the cards of one print run. A serial is 15 characters of
// RFC 4648 base32 (A–Z, 2–7) encoding 72 bits: the batch's print time
// (Unix seconds, 32 bits), 24 random bits drawn once per batch (so two runs
// in the same second, for any store, differ), and the card's number in the
// batch (16 bits). Serials are therefore unique across stores, and a card's
// batch and print time can be read back from it.
type Batch struct {
	at    uint32
	nonce [3]byte
}

// NewBatch starts a batch printed at now, its nonce read from random
// (crypto/rand.Reader outside tests).
func NewBatch(now time.Time, random io.Reader) (Batch, error) {
	b := Batch{at: uint32(now.Unix())}
	if _, err := io.ReadFull(random, b.nonce[:]); err != nil {
		return Batch{}, fmt.Errorf("new card batch: %w", err)
	}
	return b, nil
}

// Time returns when the batch was printed.
func (b Batch) Time() time.Time { return time.Unix(int64(b.at), 0).UTC() }

// Serial returns the serial of card i (0 ≤ i < MaxCards) of the batch.
func (b Batch) Serial(i int) string {
	var raw [9]byte
	binary.BigEndian.PutUint32(raw[:4], b.at)
	copy(raw[4:7], b.nonce[:])
	binary.BigEndian.PutUint16(raw[7:], uint16(i))
	return serialEncoding.EncodeToString(raw[:])
}

// FormatSerial groups a serial by five for people to read and key in:
// "GZ4TQ-MBXA7-AAAAB". The QR code carries it without the dashes.
func FormatSerial(s string) string {
	var parts []string
	for len(s) > 5 {
		parts = append(parts, s[:5])
		s = s[5:]
	}
	return strings.Join(append(parts, s), "-")
}
