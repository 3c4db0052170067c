package paper_test

import (
	"crypto/rand"
	"slices"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/scan"
	"github.com/cardloop/cardloop/shared/scan/paper"
)

// TestPrintBatch: every serial of a printed batch leads back to the
// batch's record (its id and the card's number), and another batch's do
// not; the record keeps the menu as printed.
func TestPrintBatch(t *testing.T) {
	st := brand.Store{ID: "S001", Items: []string{"bread", "soup"}, MainCourses: []string{"ribeye"}}
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	b, err := cardprint.NewBatch(at, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := cardprint.NewBatch(at, rand.Reader)
	pb := paper.PrintBatch(st, 1, b, 300)
	if pb.StoreID != "S001" || pb.Version != 1 || pb.Count != 300 || !pb.PrintedAt.Equal(at) || !slices.Equal(pb.Items, st.Items) || !slices.Equal(pb.MainCourses, st.MainCourses) {
		t.Errorf("batch %+v", pb)
	}
	for _, n := range []int{0, 1, 299, cardprint.MaxCards - 1} {
		id, card, err := scan.BatchOf(b.Serial(n))
		if err != nil || id != pb.ID || card != n {
			t.Errorf("serial %d: batch %s card %d (%v), want %s %d", n, id, card, err, pb.ID, n)
		}
		if oid, _, _ := scan.BatchOf(other.Serial(n)); oid == pb.ID {
			t.Errorf("another batch's serial %d has this batch's id", n)
		}
	}
	for _, bad := range []string{"", "NOTASERIAL", "AAAAAAAAAAAAAAAA", "aaaaaaaaaaaaaaa"} {
		if _, _, err := scan.BatchOf(bad); err == nil {
			t.Errorf("%q read as a serial", bad)
		}
	}
}
