// Package cardlayout describes the paper feedback card: where, in
// millimetres from the card's top-left corner, every registration mark,
// bubble and handwriting box of one layout version sits. One file per
// version (v1.json, …) is the single source both the printer
// (shared/cardprint) and the optical mark reader (shared/omr) work from.
//
// Units are millimetres; x grows to the right and y downwards from the
// card's top-left corner; a bubble's and a mark's position is its centre.
//
// Fields added after the first draft, all optional in JSON so that older
// files and readers keep working: Layout.Texts, Field.Label, Field.Words and
// Bubble.Text (they only tell the printer where to write words; a reader
// can ignore them), and Layout.Code (the ID code, a reader's fallback when
// the QR code cannot be read).
//
// Not on paper: visitDate (the reader uses the store's day of the scan),
// table and server (optional online only).
package cardlayout

// Kinds of field.
const (
	// One is a single choice: at most one bubble may be marked; the value
	// is the marked bubble's Value ("" when none is marked).
	One = "one"
	// Check is a single box: marked means "true", unmarked "false".
	Check = "check"
	// Digits is a grid of columns, each a single choice among its bubbles
	// (usually 0–9); the value is the marked digits in column order.
	// Trailing unmarked columns end the value (a phone number may be
	// shorter than the grid); an unmarked column between marked ones makes
	// the field uncertain.
	Digits = "digits"
)

// Layout is one version of the paper card.
type Layout struct {
	Version int `json:"version"`
	// Width and Height of the card in mm (A5 portrait: 148 × 210).
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// BubbleDiameter is every bubble's outer diameter in mm.
	BubbleDiameter float64 `json:"bubbleDiameter"`
	// Marks are the registration marks: solid squares whose centres
	// the reader finds to register the page (rotation, scale,
	// perspective). There are four, one near each corner.
	Marks []Mark `json:"marks"`
	// QR is where the card's QR code is printed (its quiet zone included).
	QR Rect `json:"qr"`
	// Code is where the card's ID code is printed: the serial and the
	// layout version as IDRows × IDCols black or white cells with a check
	// code (idcode.go), a second way to identify the card when its QR code
	// cannot be read. Optional (nil: none printed). Every version keeps it
	// where the first put it, as with the marks: the reader reads it before
	// it knows the card's version.
	Code *Rect `json:"code,omitempty"`
	// Fields are the closed questions, each with its bubbles.
	Fields []Field `json:"fields"`
	// Boxes are the areas cropped and kept as images: handwriting (name,
	// e-mail, comments) and the consent boxes as marked (the evidence of
	// consent).
	Boxes []Box `json:"boxes"`
	// Texts are the printed words that belong to no field (title,
	// instructions, headings, the human-readable serial). Printer only.
	Texts []Text `json:"texts,omitempty"`
}

// Text is a line (or two: the store's language above, English below) the
// printer writes inside Rect. Key is an i18n key ("paper.title"…); the
// printer fills {store}, {serial} and {version}. Align is "" (left) or
// "center".
type Text struct {
	Key   string `json:"key"`
	Align string `json:"align,omitempty"`
	Rect
}

// Mark is a registration mark: a solid square of side Size centred at X, Y.
type Mark struct {
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	Size float64 `json:"size"`
}

// Rect is an axis-aligned rectangle: top-left corner X, Y and its size.
type Rect struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Field is one closed question.
//
// Name is the card field it fills, as in the card JSON
// (PRODUCT.md 3.1): "ratings.service", "nps", "meal", "firstVisit",
// "visitCount", "reason", "heardFrom", "diner.phone", "diner.birthday",
// "diner.language", "consent.contact", "consent.marketing"… A store's own
// menu items and main courses vary, so they are slots: "ratings.item1" is
// the store's first item (brand.Store.Items[0]), and the bubbles of
// "mainCourse" have values "1", "2"… for brand.Store.MainCourses[0], [1]…
// (RatingKey and MainCourse resolve them). Slots a store does not use are
// not printed. "visitCount" "5" means five or more visits. "diner.phone"
// is a Digits grid of 10 columns (a Taiwan mobile, 09xxxxxxxx);
// "diner.birthday" is a Digits grid of 4 columns, MMDD (month tens 0–1,
// month units, day tens 0–3, day units), which the reader turns into the
// card's "MM-DD". docs/omr.md lists every field of each version.
//
// Label and Words are for the printer only. Label is where the question's
// wording is written (nil: nowhere, e.g. when a Text heads the field).
// Words is the width in mm of the answer's word written to the right of
// each bubble, vertically centred on it and 4.6 mm high; 0 means the answer
// is short (a digit, a score) and is written small and light inside the
// bubble instead. A check field whose Box has the same name writes its
// words in that box, right of the bubble.
type Field struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Label   *Rect    `json:"label,omitempty"`
	Words   float64  `json:"words,omitempty"`
	Bubbles []Bubble `json:"bubbles"`
}

// Bubble is one answer's bubble, centred at X, Y (mm). Column groups the
// bubbles of a Digits field (0 for the first column); other kinds leave it 0.
// Text, when set, is what the printer writes inside the bubble instead of
// Value (visitCount's "5" is printed "5+").
type Bubble struct {
	Value  string  `json:"value"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Column int     `json:"column,omitempty"`
	Text   string  `json:"text,omitempty"`
}

// Box is an area kept as an image: Name is what it holds ("diner.name",
// "diner.email", "comment", "consent.contact", "consent.marketing").
type Box struct {
	Name string `json:"name"`
	Rect
}
