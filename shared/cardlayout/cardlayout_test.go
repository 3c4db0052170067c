package cardlayout_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/i18n"
)

func TestCurrent(t *testing.T) {
	l := cardlayout.Current()
	if err := l.Validate(); err != nil {
		t.Fatalf("v%d: %v", l.Version, err)
	}
	if l.Version != cardlayout.CurrentVersion || l.Width != 148 || l.Height != 210 {
		t.Errorf("got v%d %gx%g mm, want v%d A5 portrait 148x210", l.Version, l.Width, l.Height, cardlayout.CurrentVersion)
	}
	if d := l.BubbleDiameter; d < 3.2 || d > 3.6 {
		t.Errorf("bubble diameter %g mm, want 3.2 to 3.6", d)
	}
	if l.QR.W != l.QR.H || l.QR.W < 22 || l.QR.W > 26 || l.QR.X < l.Width/2 || l.QR.Y > 20 {
		t.Errorf("QR code %+v: want a 22–26 mm square in the top right", l.QR)
	}
	if _, err := cardlayout.Version(99); !errors.Is(err, cardlayout.ErrUnknownVersion) {
		t.Errorf("Version(99): got %v, want ErrUnknownVersion", err)
	}
}

// TestEveryClosedQuestion: v1 has a field for every closed question of
// PRODUCT.md section 3, with the answers the card JSON takes.
func TestEveryClosedQuestion(t *testing.T) {
	l := cardlayout.Current()
	values := func(f cardlayout.Field) string {
		var v []string
		for _, b := range f.Bubbles {
			v = append(v, b.Value)
		}
		return strings.Join(v, " ")
	}
	tests := []struct {
		name, kind, values string
	}{
		{"ratings.item1", cardlayout.One, "1 2 3 4 5"},
		{"ratings.item7", cardlayout.One, "1 2 3 4 5"},
		{"ratings.service", cardlayout.One, "1 2 3 4 5"},
		{"ratings.cleanliness", cardlayout.One, "1 2 3 4 5"},
		{"ratings.overall", cardlayout.One, "1 2 3 4 5"},
		{"nps", cardlayout.One, "0 1 2 3 4 5 6 7 8 9 10"},
		{"meal", cardlayout.One, "lunch dinner"},
		{"firstVisit", cardlayout.One, "true false"},
		{"visitCount", cardlayout.One, "1 2 3 4 5"},
		{"reason", cardlayout.One, "birthday anniversary family friends business date other"},
		{"heardFrom", cardlayout.One, "friend social review ad passing event other"},
		{"mainCourse", cardlayout.One, "1 2 3 4 5 6 7 8"},
		{"diner.language", cardlayout.One, "zh-TW zh-CN en"},
		{"consent.contact", cardlayout.Check, "true"},
		{"consent.marketing", cardlayout.Check, "true"},
		{"diner.phone", cardlayout.Digits, strings.TrimSpace(strings.Repeat("0 1 2 3 4 5 6 7 8 9 ", 10))},
		{"diner.birthday", cardlayout.Digits, "0 1 0 1 2 3 4 5 6 7 8 9 0 1 2 3 0 1 2 3 4 5 6 7 8 9"},
	}
	for _, tt := range tests {
		f, ok := l.Field(tt.name)
		if !ok {
			t.Errorf("%s: missing", tt.name)
			continue
		}
		if f.Kind != tt.kind || values(f) != tt.values {
			t.Errorf("%s: got %s [%s], want %s [%s]", tt.name, f.Kind, values(f), tt.kind, tt.values)
		}
	}
	if f, _ := l.Field("diner.phone"); f.Columns() != 10 {
		t.Errorf("phone: got %d columns, want 10", f.Columns())
	}
	if f, _ := l.Field("diner.birthday"); f.Columns() != 4 {
		t.Errorf("birthday: got %d columns, want 4 (MMDD)", f.Columns())
	}
	if _, ok := l.Field("visitDate"); ok {
		t.Error("visitDate is on the card; it is the day of the scan")
	}
	for _, name := range cardlayout.BoxNames {
		if _, ok := l.Box(name); !ok {
			t.Errorf("box %s: missing", name)
		}
	}
}

// TestPrintedWords: every word the printer looks up for v1 is in the
// catalogue in every language.
func TestPrintedWords(t *testing.T) {
	l := cardlayout.Current()
	var keys []string
	for _, f := range l.Fields {
		if strings.HasPrefix(f.Name, "ratings.") {
			continue // item names: card.item.*
		}
		keys = append(keys, "paper.q."+f.Name)
		if f.Name == "mainCourse" {
			continue // course names: card.course.*
		}
		for _, b := range f.Bubbles {
			if _, ok := l.WordsRect(f, b); ok {
				keys = append(keys, "paper.a."+f.Name+"."+b.Value)
			}
		}
	}
	for _, t := range l.Texts {
		keys = append(keys, t.Key)
	}
	for _, b := range l.Boxes {
		if !strings.HasPrefix(b.Name, "consent.") {
			keys = append(keys, "paper.box."+b.Name)
		}
	}
	for _, k := range keys {
		if k == "paper.q.consent.contact" || k == "paper.q.consent.marketing" {
			continue // no label: the consent box holds the words
		}
		if !i18n.Has(k) {
			t.Errorf("%s: not in the catalogue in every language", k)
		}
	}
}

func TestValidateRefuses(t *testing.T) {
	field := func(l *cardlayout.Layout, name string) *cardlayout.Field {
		for i := range l.Fields {
			if l.Fields[i].Name == name {
				return &l.Fields[i]
			}
		}
		t.Fatalf("no field %s", name)
		return nil
	}
	box := func(l *cardlayout.Layout, name string) *cardlayout.Box {
		for i := range l.Boxes {
			if l.Boxes[i].Name == name {
				return &l.Boxes[i]
			}
		}
		t.Fatalf("no box %s", name)
		return nil
	}
	tests := []struct {
		name string
		edit func(l *cardlayout.Layout)
		want string
	}{
		{"no version", func(l *cardlayout.Layout) { l.Version = 0 }, "version 0"},
		{"bubbles too large", func(l *cardlayout.Layout) { l.BubbleDiameter = 4.5 }, "bubble diameter"},
		{"three marks", func(l *cardlayout.Layout) { l.Marks = l.Marks[:3] }, "3 registration marks"},
		{"mark near the edge", func(l *cardlayout.Layout) { l.Marks[0].X = 9 }, "less than 8 mm from the card's edge"},
		{"two marks in a corner", func(l *cardlayout.Layout) { l.Marks[1] = l.Marks[0] }, "two marks near one corner"},
		{"QR code off the card", func(l *cardlayout.Layout) { l.QR.X = 130 }, "QR code"},
		{"QR code on a mark", func(l *cardlayout.Layout) { l.QR.X = 112 }, "QR code overlaps mark 1"},
		{"ID code off the card", func(l *cardlayout.Layout) { l.Code = &cardlayout.Rect{X: 100, Y: 205, W: 60, H: 4} }, "ID code"},
		{"ID code on a mark", func(l *cardlayout.Layout) { l.Code = &cardlayout.Rect{X: 76, Y: 197.5, W: 60, H: 4} }, "ID code overlaps mark 3"},
		{"ID code on the QR code", func(l *cardlayout.Layout) { l.Code = &cardlayout.Rect{X: 70, Y: 20, W: 60, H: 4} }, "ID code overlaps the QR code"},
		{"ID code cells too small", func(l *cardlayout.Layout) { l.Code.W = 40 }, "cells smaller"},
		{"ID code over the serial's words", func(l *cardlayout.Layout) { l.Code.X = 40 }, "paper.serial"},
		{"overlapping bubbles", func(l *cardlayout.Layout) { field(l, "nps").Bubbles[1].X = 49 }, "want at least 4.6"},
		{"bubble off the card", func(l *cardlayout.Layout) { field(l, "nps").Bubbles[0].X = -3 }, "not inside the card"},
		{"bubble outside the marks", func(l *cardlayout.Layout) { field(l, "consent.contact").Bubbles[0].Y = 201 }, "outside the frame"},
		{"bubble on the QR code", func(l *cardlayout.Layout) {
			b := &field(l, "diner.birthday").Bubbles[0]
			b.X, b.Y = 118, 20
		}, "too near a mark or the QR code"},
		{"bubble on a mark", func(l *cardlayout.Layout) {
			b := &field(l, "consent.contact").Bubbles[0]
			b.X, b.Y = 14, 14
		}, "too near a mark"},
		{"bubble in the comment box", func(l *cardlayout.Layout) { field(l, "diner.language").Bubbles[2].Y = 160 }, `inside box "comment"`},
		{"consent bubble outside its box", func(l *cardlayout.Layout) { box(l, "consent.contact").X = 30 }, "not inside its box"},
		{"unknown field", func(l *cardlayout.Layout) { field(l, "nps").Name = "npx" }, `field "npx": unknown name`},
		{"field twice", func(l *cardlayout.Layout) { field(l, "meal").Name = "firstVisit" }, `field "firstVisit": twice`},
		{"wrong kind", func(l *cardlayout.Layout) { field(l, "nps").Kind = cardlayout.Digits }, `kind "digits", want "one"`},
		{"unknown value", func(l *cardlayout.Layout) { field(l, "meal").Bubbles[0].Value = "brunch" }, `value "brunch" is not one of`},
		{"value twice", func(l *cardlayout.Layout) { field(l, "reason").Bubbles[1].Value = "birthday" }, `value "birthday" twice`},
		{"a check with two bubbles", func(l *cardlayout.Layout) {
			f := field(l, "consent.contact")
			f.Bubbles = append(f.Bubbles, f.Bubbles[0])
		}, "a check has one bubble"},
		{"column in a single choice", func(l *cardlayout.Layout) { field(l, "nps").Bubbles[3].Column = 1 }, "not digits"},
		{"digits column missing", func(l *cardlayout.Layout) {
			for i := range field(l, "diner.phone").Bubbles {
				if b := &field(l, "diner.phone").Bubbles[i]; b.Column == 4 {
					b.Column = 10
				}
			}
		}, "column 4 is missing"},
		{"digit twice in a column", func(l *cardlayout.Layout) { field(l, "diner.phone").Bubbles[1].Value = "0" }, `digit "0" twice`},
		{"not a digit", func(l *cardlayout.Layout) { field(l, "diner.phone").Bubbles[1].Value = "x" }, "is not a digit"},
		{"impossible month", func(l *cardlayout.Layout) { field(l, "diner.birthday").Bubbles[1].Value = "2" }, "cannot occur in MMDD"},
		{"birthday of 3 columns", func(l *cardlayout.Layout) {
			f := field(l, "diner.birthday")
			f.Bubbles = slices.DeleteFunc(f.Bubbles, func(b cardlayout.Bubble) bool { return b.Column == 3 })
		}, "want 4 (MMDD)"},
		{"unknown box", func(l *cardlayout.Layout) { box(l, "comment").Name = "doodles" }, `box "doodles": unknown`},
		{"overlapping boxes", func(l *cardlayout.Layout) { box(l, "diner.email").X = 40 }, `overlaps box "diner.name"`},
		{"label over a bubble", func(l *cardlayout.Layout) { field(l, "nps").Label.W = 40 }, `label of field "nps": overlaps field "nps" value "0"`},
		{"words over a bubble", func(l *cardlayout.Layout) { field(l, "reason").Words = 25 }, `words of field "reason" value "birthday": overlaps`},
		{"text on the QR code", func(l *cardlayout.Layout) { l.Texts[0].W = 100 }, `text "paper.title": overlaps a mark or the QR code`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := cardlayout.Current()
			tt.edit(&l)
			err := l.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	b, err := cardlayout.JSON(1)
	if err != nil {
		t.Fatal(err)
	}
	typo := strings.Replace(string(b), `"bubbleDiameter"`, `"bubbleDiametre"`, 1)
	if _, err := cardlayout.Parse([]byte(typo)); err == nil || !strings.Contains(err.Error(), "bubbleDiametre") {
		t.Errorf("misspelt key: got %v, want an error naming it", err)
	}
	if _, err := cardlayout.Parse([]byte(`{"version": 1}`)); err == nil {
		t.Error("empty layout: got nil, want an error")
	}
}

func TestSlots(t *testing.T) {
	s := brand.Store{ID: "S001", Items: []string{"bread", "soup"}, MainCourses: []string{"filet", "ribeye"}}
	tests := []struct {
		field, want string
		ok          bool
	}{
		{"ratings.item1", "bread", true},
		{"ratings.item2", "soup", true},
		{"ratings.item3", "", false},
		{"ratings.item01", "", false},
		{"ratings.service", "service", true},
		{"ratings.overall", "overall", true},
		{"ratings.bread", "", false},
		{"nps", "", false},
	}
	for _, tt := range tests {
		if got, ok := cardlayout.RatingKey(s, tt.field); got != tt.want || ok != tt.ok {
			t.Errorf("RatingKey(%s): got %q, %v, want %q, %v", tt.field, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := cardlayout.MainCourse(s, "2"); got != "ribeye" || !ok {
		t.Errorf("MainCourse(2): got %q, %v, want ribeye", got, ok)
	}
	for _, v := range []string{"3", "0", "x"} {
		if got, ok := cardlayout.MainCourse(s, v); ok {
			t.Errorf("MainCourse(%s): got %q, want none", v, got)
		}
	}
	l := cardlayout.Current()
	if l.ItemSlots() != 7 || l.MainCourseSlots() != 8 {
		t.Errorf("got %d item and %d main-course slots, want 7 and 8", l.ItemSlots(), l.MainCourseSlots())
	}
	if err := l.Fits(s); err != nil {
		t.Errorf("Fits: %v", err)
	}
	s.MainCourses = strings.Fields("1 2 3 4 5 6 7 8 9")
	if err := l.Fits(s); err == nil {
		t.Error("nine main courses: got nil, want an error")
	}
}
