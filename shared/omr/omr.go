// Package omr reads scanned paper feedback cards by optical mark
// recognition: it finds a card's registration marks and QR code, registers
// the page against the card's layout (shared/cardlayout), measures every
// bubble against the page's own paper and ink levels, and turns marks into
// field values. A field it cannot read with confidence is returned as
// uncertain, with a reason and its candidate values, for a person to settle;
// it is never guessed.
//
// docs/omr.md ("Reading") describes the method, the thresholds and the measured
// accuracy and speed.
package omr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
)

// Reasons a field is uncertain.
const (
	// ReasonDouble: a single choice (or a digit column) has two or more
	// clear marks.
	ReasonDouble = "double"
	// ReasonCrossedOut: a filled bubble has a cross drawn over it that
	// reaches beyond the bubble (the diner took the answer back).
	ReasonCrossedOut = "crossed_out"
	// ReasonFaint: a bubble is darker than an empty one but lighter than a
	// mark (a light touch, or an erasure that left more than a trace).
	ReasonFaint = "faint"
	// ReasonGap: a digit grid has an unmarked column before a marked one.
	ReasonGap = "gap"
	// ReasonRegistration: the bubbles' printed rims were not found where
	// the registration marks put them (a torn or badly curled card).
	ReasonRegistration = "registration"
)

// Codes of the errors Read and Decode return (Error.Code).
const (
	// CodeNoMarks: the four registration marks were not found; the page is
	// not a card (or is too damaged to register).
	CodeNoMarks = "no_marks"
	// CodeNoQR: the marks were found but neither a QR code nor an ID code
	// could be read.
	CodeNoQR = "no_qr"
	// CodeBadQR: a QR code was read but it is not a card's URL.
	CodeBadQR = "bad_qr"
	// CodeUnknownLayout: the card's layout version is not known.
	CodeUnknownLayout = "unknown_layout"
	// CodeTooLarge: the image has more pixels than MaxPixels.
	CodeTooLarge = "too_large"
	// CodeBadImage: the file is not a readable JPEG, PNG or TIFF image.
	CodeBadImage = "bad_image"
	// CodeBlank: the page is blank paper (the back of a card scanned on a
	// duplex scanner): no registration marks and next to no ink. Ingestion
	// skips it silently; it is not a card that failed.
	CodeBlank = "blank"
)

// Error is why a page could not be read as a card. Code is one of the Code
// constants; QR is the QR text when one was read (a card whose marks are
// damaged can still be matched to its serial).
type Error struct {
	Code   string
	Detail string
	QR     string
	Err    error
}

func (e *Error) Error() string {
	msg := "omr: " + e.Code
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the Code of an *Error in err's chain, or "" when there is
// none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Page is what Read found on one scanned card.
//
// A card is identified by its QR code or, when no QR code can be read
// (blurred, torn, painted over), by its ID code: the serial and layout
// version printed as black and white cells in the layout's code box
// (cardlayout.EncodeID), with a CRC-32 check. Such a page has QR == "",
// Store == "" and Sig == "", and Serial and Version set; everything else
// (fields, boxes) is read as usual. Its caller must find the store from the
// serial (the print batch it was printed in) and has no signature to check:
// the check code proves the cells were read as printed, not who printed
// them.
type Page struct {
	// QR is the text of the card's QR code: the URL
	// {base}/c/{store}?s={serial}&v={version}&k={sig}; "" when the card
	// was identified by its ID code.
	QR string
	// Store, Serial, Version and Sig are parsed from QR (Serial and
	// Version from the ID code when QR is ""). The signature is not
	// checked here: that needs the key, and is the caller's job.
	Store   string
	Serial  string
	Version int
	Sig     string
	// Rotation is how far the page was turned in the scan, clockwise in
	// degrees: 0, 90, 180 or 270 (small skews are not counted).
	Rotation int
	// PxPerMM is the scan's resolution on the card (≈ dpi / 25.4).
	PxPerMM float64
	// Fields are the layout's fields, in layout order.
	Fields []Field
	// Boxes are the layout's boxes (handwriting, consent) cropped upright.
	Boxes []Crop
	// Paper and Ink are the grey levels (0–255) of blank paper and of the
	// printed registration marks on this page, for diagnosis.
	Paper, Ink float64
}

// Uncertain returns the page's uncertain fields.
func (p *Page) Uncertain() []Field {
	var out []Field
	for _, f := range p.Fields {
		if f.Uncertain {
			out = append(out, f)
		}
	}
	return out
}

// Field is one closed question as read.
type Field struct {
	Name string
	Kind string
	// Value is the field's value when certain ("" for an unanswered
	// choice or digit grid, "true"/"false" for a check). When Uncertain,
	// Value is "" and Candidates holds the values a person should choose
	// from.
	Value string
	// Confidence is in [0, 1]: at least 0.5 for a certain field (1 when
	// every bubble is far from the thresholds), below 0.5 for an uncertain
	// one (0 when the evidence is evenly split).
	Confidence float64
	Uncertain  bool
	// Reason says why the field is uncertain (ReasonDouble, …); when
	// several apply, the first found.
	Reason string
	// Candidates are the plausible values of an uncertain field, most
	// likely first ("" meaning unanswered is one when it is plausible).
	Candidates []string
	// Bubbles are the measurements behind the value, in layout order.
	Bubbles []BubbleRead
	// Crop is the field's bubbles as scanned, upright; set only when the
	// field is uncertain.
	Crop *image.Gray
}

// BubbleRead is one bubble's measurement.
type BubbleRead struct {
	Value  string
	Column int
	// Fill is the bubble interior's mean darkness on a scale where blank
	// paper is 0 and the printed marks' ink is 1, less the page's blank
	// bubble level.
	Fill float64
	// Cover is the share of the interior darker than half the ink level.
	Cover float64
	// State is the bubble's class: "empty", "faint", "marked" or
	// "crossed_out".
	State string

	bare  bool // its printed label had no reference on the page
	light bool // marked by the light-instrument rule (tone, not Fill)
}

// Crop is an area of the card cut out of the scan, upright.
type Crop struct {
	Name  string
	Image *image.Gray
}

// PNG encodes the crop.
func (c Crop) PNG() ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Image); err != nil {
		return nil, fmt.Errorf("encode crop %s: %w", c.Name, err)
	}
	return buf.Bytes(), nil
}
