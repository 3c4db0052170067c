package cardprint

import (
	"github.com/go-pdf/fpdf"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// Font families. The CJK font (Droid Sans Fallback) has no Latin glyphs,
// so Latin text is set in the PDF's built-in Helvetica, which needs no
// embedding; a line mixing both is written run by run.
const (
	cjkFamily   = "cjk"
	latinFamily = "Helvetica"
)

// mmPerPt converts font sizes (points) to millimetres.
const mmPerPt = 25.4 / 72

// minPt is the smallest type the pen shrinks to when text is too wide.
const minPt = 3.5

// pen writes text on a page.
type pen struct {
	pdf   *fpdf.Fpdf
	latin func(string) string // UTF-8 to the core font's code page
}

func newPen(pdf *fpdf.Fpdf) *pen {
	return &pen{pdf: pdf, latin: pdf.UnicodeTranslatorFromDescriptor("")}
}

// isCJK reports whether r is written in the CJK font (CJK radicals onwards:
// ideographs, kana, CJK punctuation, full-width forms).
func isCJK(r rune) bool { return r >= 0x2E80 }

// runs splits s into runs of one font each.
func runs(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if i > start && isCJK(r) != isCJK([]rune(s[start:i])[0]) {
			out = append(out, s[start:i])
			start = i
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// font selects the font for run and returns the run as the font wants it.
func (p *pen) font(run string, size float64) string {
	if isCJK([]rune(run)[0]) {
		p.pdf.SetFont(cjkFamily, "", size)
		return run
	}
	p.pdf.SetFont(latinFamily, "", size)
	return p.latin(run)
}

// width returns how wide s is at size (mm).
func (p *pen) width(s string, size float64) float64 {
	w := 0.0
	for _, r := range runs(s) {
		w += p.pdf.GetStringWidth(p.font(r, size))
	}
	return w
}

// fit returns size, made smaller (down to minPt) until s fits width w.
func (p *pen) fit(s string, size, w float64) float64 {
	if tw := p.width(s, size); tw > w {
		size = max(minPt, size*w/tw)
	}
	return size
}

// write writes s with its baseline at y, starting at x.
func (p *pen) write(x, y float64, s string, size float64) {
	for _, r := range runs(s) {
		t := p.font(r, size)
		p.pdf.Text(x, y, t)
		x += p.pdf.GetStringWidth(t)
	}
}

// line writes s on one line, as large as maxPt allows and as the box
// r's height and width permit, vertically centred, aligned left or centred.
func (p *pen) line(r cardlayout.Rect, s string, maxPt float64, center bool) {
	if s == "" {
		return
	}
	size := p.fit(s, min(maxPt, r.H*0.8/mmPerPt), r.W)
	x := r.X
	if center {
		x += (r.W - p.width(s, size)) / 2
	}
	p.write(x, r.Y+r.H/2+size*mmPerPt*0.36, s, size)
}
