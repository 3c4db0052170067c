package cardlayout_test

import (
	"errors"
	"testing"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

func TestIDCode(t *testing.T) {
	for _, tc := range []struct {
		serial  string
		version int
	}{
		{"NMFCIDIXQKDAAAA", 1},
		{"AAAAAAAAAAAAAAA", 1},
		{"777777777777777", 255},
		{"SYNAAAAAAAAAAAB", 2},
	} {
		t.Run(tc.serial, func(t *testing.T) {
			cells, err := cardlayout.EncodeID(tc.serial, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if len(cells) != cardlayout.IDRows*cardlayout.IDCols {
				t.Fatalf("got %d cells, want %d", len(cells), cardlayout.IDRows*cardlayout.IDCols)
			}
			// Every row has black and white cells, whatever the serial.
			for r := 0; r < cardlayout.IDRows; r++ {
				black := 0
				for _, c := range cells[r*cardlayout.IDCols : (r+1)*cardlayout.IDCols] {
					if c {
						black++
					}
				}
				if black < cardlayout.IDCols/5 || black > cardlayout.IDCols*4/5 {
					t.Errorf("row %d: %d of %d cells black", r, black, cardlayout.IDCols)
				}
			}
			s, v, err := cardlayout.DecodeID(cells)
			if err != nil || s != tc.serial || v != tc.version {
				t.Fatalf("decode: got %q v%d (%v), want %q v%d", s, v, err, tc.serial, tc.version)
			}
			// Any one cell misread is refused, not read as another card.
			for i := range cells {
				cells[i] = !cells[i]
				if s, v, err := cardlayout.DecodeID(cells); !errors.Is(err, cardlayout.ErrIDCode) {
					t.Errorf("cell %d flipped: got %q v%d (%v), want ErrIDCode", i, s, v, err)
				}
				cells[i] = !cells[i]
			}
		})
	}
	for _, tc := range []struct {
		name    string
		serial  string
		version int
	}{
		{"short serial", "ABC", 1},
		{"not base32", "NMFCIDIXQKDAAA1", 1},
		{"lower case", "nmfcidixqkdaaaa", 1},
		{"version 0", "NMFCIDIXQKDAAAA", 0},
		{"version 256", "NMFCIDIXQKDAAAA", 256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := cardlayout.EncodeID(tc.serial, tc.version); err == nil {
				t.Errorf("EncodeID(%q, %d): got no error", tc.serial, tc.version)
			}
		})
	}
	if _, _, err := cardlayout.DecodeID(make([]bool, 7)); !errors.Is(err, cardlayout.ErrIDCode) {
		t.Errorf("7 cells: got %v, want ErrIDCode", err)
	}
}
