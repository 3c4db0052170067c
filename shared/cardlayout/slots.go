package cardlayout

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cardloop/cardloop/shared/brand"
)

// ItemPrefix begins the names of the rating fields whose item is the
// store's own: "ratings.item1" is brand.Store.Items[0].
const ItemPrefix = "ratings.item"

// ItemField returns the field name of the store's i-th item (0-based).
func ItemField(i int) string { return ItemPrefix + strconv.Itoa(i+1) }

// ItemSlot returns N of a field named "ratings.itemN", or 0 for any other
// field.
func ItemSlot(name string) int {
	rest, ok := strings.CutPrefix(name, ItemPrefix)
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || strconv.Itoa(n) != rest {
		return 0
	}
	return n
}

// RatingKey returns the key under "ratings" in the card JSON that field
// fills for store s: "ratings.item3" → s.Items[2] ("salad"),
// "ratings.service" → "service". It reports false for a field that is not
// a rating or an item slot the store does not use (nothing is printed
// there).
func RatingKey(s brand.Store, field string) (string, bool) {
	if n := ItemSlot(field); n > 0 {
		if n > len(s.Items) {
			return "", false
		}
		return s.Items[n-1], true
	}
	key, ok := strings.CutPrefix(field, "ratings.")
	if !ok {
		return "", false
	}
	for _, f := range brand.FixedItems {
		if f == key {
			return key, true
		}
	}
	return "", false
}

// MainCourse returns the store's main course that a "mainCourse" bubble's
// value ("1", "2"…) stands for, or false for a slot the store does not use.
func MainCourse(s brand.Store, value string) (string, bool) {
	n, err := strconv.Atoi(value)
	if err != nil || n < 1 || n > len(s.MainCourses) {
		return "", false
	}
	return s.MainCourses[n-1], true
}

// Field returns the field called name.
func (l Layout) Field(name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Box returns the box called name.
func (l Layout) Box(name string) (Box, bool) {
	for _, b := range l.Boxes {
		if b.Name == name {
			return b, true
		}
	}
	return Box{}, false
}

// ItemSlots is how many store items the layout can rate.
func (l Layout) ItemSlots() int {
	n := 0
	for _, f := range l.Fields {
		if ItemSlot(f.Name) > 0 {
			n++
		}
	}
	return n
}

// MainCourseSlots is how many main courses the layout can offer.
func (l Layout) MainCourseSlots() int {
	f, _ := l.Field("mainCourse")
	return len(f.Bubbles)
}

// Fits reports, as an error, why store s cannot be printed on l: more items
// or main courses than the layout has slots for.
func (l Layout) Fits(s brand.Store) error {
	if n := l.ItemSlots(); len(s.Items) > n {
		return fmt.Errorf("store %s rates %d items; card layout v%d has room for %d", s.ID, len(s.Items), l.Version, n)
	}
	if n := l.MainCourseSlots(); len(s.MainCourses) > n {
		return fmt.Errorf("store %s has %d main courses; card layout v%d has room for %d", s.ID, len(s.MainCourses), l.Version, n)
	}
	return nil
}

// Columns returns how many columns a Digits field has (1 for other kinds).
func (f Field) Columns() int {
	n := 0
	for _, b := range f.Bubbles {
		n = max(n, b.Column+1)
	}
	return max(n, 1)
}
