// Package cardprint prints paper feedback cards: a PDF with one A5 card
// per page for a store, every bubble, mark, box and the QR code placed from
// a shared/cardlayout layout, in the store's language with English
// underneath. Each card has its own serial, and its QR code is the signed
// URL of the store's online card for that serial (shared/link.CardURL).
package cardprint

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-pdf/fpdf"
	"github.com/skip2/go-qrcode"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/i18n"
)

// cardSigner makes the URL a card's QR code holds (*link.Signer does).
type cardSigner interface {
	CardURL(base, store, serial string, version int) string
}

// Options say what to print.
type Options struct {
	Store  brand.Store
	Count  int               // cards to print, 1 to MaxCards
	Layout cardlayout.Layout // usually cardlayout.Current()
	// BaseURL is the public URL of the app (PUBLIC_BASE_URL): the QR code
	// opens BaseURL/c/{store}?s=…&v=…&k=….
	BaseURL string
	Signer  cardSigner
	Font    []byte // a TrueType font that covers Chinese (LoadFont)
	Batch   Batch  // numbers the cards (NewBatch)
}

// Inks. The reader measures the darkness inside each bubble, so what is
// printed there (the answer's digit) is small and light.
var (
	ink       = [3]int{0, 0, 0}
	textInk   = [3]int{25, 25, 25}
	enInk     = [3]int{70, 70, 70}
	rimInk    = [3]int{90, 90, 90}
	digitInk  = [3]int{170, 170, 170}
	boxInk    = [3]int{120, 120, 120}
	boxTextIn = [3]int{90, 90, 90}
)

const (
	rimWidth = 0.25 // bubble outline, mm
	boxWidth = 0.3  // box outline, mm
)

// Cards writes a PDF of o.Count cards to w and returns their serials, in
// page order.
func Cards(w io.Writer, o Options) ([]string, error) {
	const op = "print cards"
	switch {
	case o.Count < 1 || o.Count > MaxCards:
		return nil, fmt.Errorf("%s: count %d, want 1 to %d", op, o.Count, MaxCards)
	case o.Signer == nil || o.BaseURL == "":
		return nil, fmt.Errorf("%s: no signer or base URL", op)
	case len(o.Font) == 0:
		return nil, fmt.Errorf("%s: no font", op)
	}
	if err := checkFont(o.Font); err != nil {
		return nil, fmt.Errorf("%s: embed font: %w", op, err)
	}
	l := o.Layout
	if err := l.Validate(); err != nil {
		return nil, fmt.Errorf("%s: layout v%d: %w", op, l.Version, err)
	}
	if err := l.Fits(o.Store); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	lang := o.Store.Language
	if _, ok := i18n.Parse(string(lang)); !ok {
		lang = i18n.En
	}

	pdf := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: l.Width, Ht: l.Height}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreationDate(o.Batch.Time())
	pdf.SetModificationDate(o.Batch.Time())
	pdf.SetCreator("cardloop", true)
	pdf.SetTitle(i18n.T(i18n.En, "paper.title", map[string]string{"store": o.Store.DisplayName(i18n.En)}), true)
	pdf.AddUTF8FontFromBytes(cjkFamily, "", o.Font)
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("%s: embed font: %w", op, err)
	}
	c := card{pdf: pdf, pen: newPen(pdf), l: l, store: o.Store, lang: lang}
	serials := make([]string, 0, o.Count)
	for i := range o.Count {
		serial := o.Batch.Serial(i)
		pdf.AddPage()
		if err := c.draw(serial, o.Signer.CardURL(o.BaseURL, o.Store.ID, serial, l.Version)); err != nil {
			return nil, fmt.Errorf("%s: card %s: %w", op, serial, err)
		}
		serials = append(serials, serial)
	}
	if err := pdf.Output(w); err != nil {
		return nil, fmt.Errorf("%s: write PDF: %w", op, err)
	}
	return serials, nil
}

// card draws one page.
type card struct {
	pdf   *fpdf.Fpdf
	pen   *pen
	l     cardlayout.Layout
	store brand.Store
	lang  i18n.Lang
}

func (c *card) color(rgb [3]int) {
	c.pdf.SetTextColor(rgb[0], rgb[1], rgb[2])
	c.pdf.SetDrawColor(rgb[0], rgb[1], rgb[2])
	c.pdf.SetFillColor(rgb[0], rgb[1], rgb[2])
}

// say returns key in the store's language and in English.
func (c *card) say(key string, params func(i18n.Lang) map[string]string) (local, en string) {
	p := func(l i18n.Lang) map[string]string {
		if params == nil {
			return nil
		}
		return params(l)
	}
	return i18n.T(c.lang, key, p(c.lang)), i18n.T(i18n.En, key, p(i18n.En))
}

// bilingual writes key in r, store's language above English.
func (c *card) bilingual(r cardlayout.Rect, key string, maxPt float64, center bool, params func(i18n.Lang) map[string]string) {
	local, en := c.say(key, params)
	if local == en {
		c.color(textInk)
		c.pen.line(r, en, maxPt, center)
		return
	}
	top := cardlayout.Rect{X: r.X, Y: r.Y, W: r.W, H: r.H * 0.55}
	bottom := cardlayout.Rect{X: r.X, Y: r.Y + top.H, W: r.W, H: r.H - top.H}
	c.color(textInk)
	c.pen.line(top, local, maxPt, center)
	c.color(enInk)
	c.pen.line(bottom, en, maxPt*0.85, center)
}

func (c *card) draw(serial, url string) error {
	l := c.l
	c.color(ink)
	for _, m := range l.Marks {
		sq := m.Square()
		c.pdf.Rect(sq.X, sq.Y, sq.W, sq.H, "F")
	}
	if err := c.qr(url); err != nil {
		return err
	}
	if err := c.idCode(serial); err != nil {
		return err
	}
	for _, t := range l.Texts {
		params := func(lang i18n.Lang) map[string]string {
			return map[string]string{"store": c.store.DisplayName(lang), "serial": FormatSerial(serial), "version": strconv.Itoa(l.Version)}
		}
		maxPt := 8.0
		if t.Key == "paper.title" {
			maxPt = 11
		}
		c.bilingual(t.Rect, t.Key, maxPt, t.Align == "center", params)
	}
	words := map[string]bool{} // boxes that hold a check field's words
	for _, f := range l.Fields {
		c.field(f)
		if f.Kind == cardlayout.Check {
			words[f.Name] = true
		}
	}
	for _, b := range l.Boxes {
		c.color(boxInk)
		c.pdf.SetLineWidth(boxWidth)
		c.pdf.Rect(b.X, b.Y, b.W, b.H, "D")
		if words[b.Name] {
			continue
		}
		local, en := c.say("paper.box."+b.Name, nil)
		label := en
		if local != en {
			label = local + "  " + en
		}
		c.color(boxTextIn)
		c.pen.line(cardlayout.Rect{X: b.X + 1, Y: b.Y + 0.4, W: b.W - 2, H: 2.6}, label, 6.5, false)
	}
	return c.pdf.Error()
}

// field draws a question: its wording, its bubbles and their answers. Item
// and main-course slots the store does not use are left blank.
func (c *card) field(f cardlayout.Field) {
	labelKey := "paper.q." + f.Name
	if item, ok := cardlayout.RatingKey(c.store, f.Name); ok {
		labelKey = "card.item." + item
	} else if cardlayout.ItemSlot(f.Name) > 0 {
		return // an item slot this store does not use
	}
	if f.Label != nil {
		c.bilingualOrRaw(*f.Label, labelKey, 8)
	}
	for _, b := range f.Bubbles {
		wordKey := "paper.a." + f.Name + "." + b.Value
		if f.Name == "mainCourse" {
			course, ok := cardlayout.MainCourse(c.store, b.Value)
			if !ok {
				continue
			}
			wordKey = "card.course." + course
		}
		c.bubble(b, f.Kind == cardlayout.Digits || f.Words == 0 && f.Kind != cardlayout.Check)
		if r, ok := c.l.WordsRect(f, b); ok {
			c.bilingualOrRaw(r, wordKey, 7.5)
		}
	}
}

// bilingualOrRaw writes key, or, for a key the catalogue lacks (a store's
// own item or course, named by its id), the id itself.
func (c *card) bilingualOrRaw(r cardlayout.Rect, key string, maxPt float64) {
	if i18n.Has(key) {
		c.bilingual(r, key, maxPt, false, nil)
		return
	}
	id := key[lastDot(key)+1:]
	c.color(textInk)
	c.pen.line(r, id, maxPt, false)
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// bubble draws an empty circle, with its value inside when inside is set.
func (c *card) bubble(b cardlayout.Bubble, inside bool) {
	r := c.l.BubbleDiameter / 2
	c.color(rimInk)
	c.pdf.SetLineWidth(rimWidth)
	c.pdf.Circle(b.X, b.Y, r-rimWidth/2, "D")
	if !inside {
		return
	}
	s := b.Value
	if b.Text != "" {
		s = b.Text
	}
	size := 5.0
	if len(s) > 1 {
		size = 4.2
	}
	c.color(digitInk)
	c.pen.line(cardlayout.Rect{X: b.X - r, Y: b.Y - r, W: 2 * r, H: 2 * r}, s, size, true)
}

// qr draws url's QR code, quiet zone included, filling the layout's QR
// square.
func (c *card) qr(url string) error {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return fmt.Errorf("QR code: %w", err)
	}
	bits := q.Bitmap() // with its 4-module quiet zone
	n := len(bits)
	if n == 0 {
		return errors.New("QR code: empty")
	}
	box := c.l.QR
	side := min(box.W, box.H)
	m := side / float64(n)
	c.color(ink)
	for y, row := range bits {
		for x := 0; x < n; {
			if !row[x] {
				x++
				continue
			}
			x0 := x
			for x < n && row[x] {
				x++
			}
			// A hair taller than a module, so no light seam shows between rows.
			c.pdf.Rect(box.X+float64(x0)*m, box.Y+float64(y)*m, float64(x-x0)*m, m+0.02, "F")
		}
	}
	return nil
}

// idCode draws the serial and layout version as the layout's ID code
// (cardlayout.EncodeID): the reader's way to identify the card when the QR
// code cannot be read.
func (c *card) idCode(serial string) error {
	box := c.l.Code
	if box == nil {
		return nil
	}
	cells, err := cardlayout.EncodeID(serial, c.l.Version)
	if err != nil {
		return err
	}
	cw, ch := box.W/cardlayout.IDCols, box.H/cardlayout.IDRows
	c.color(ink)
	for r := 0; r < cardlayout.IDRows; r++ {
		row := cells[r*cardlayout.IDCols : (r+1)*cardlayout.IDCols]
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			x0 := x
			for x < len(row) && row[x] {
				x++
			}
			c.pdf.Rect(box.X+float64(x0)*cw, box.Y+float64(r)*ch, float64(x-x0)*cw, ch+0.02, "F")
		}
	}
	return nil
}
