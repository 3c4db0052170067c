package omr

import (
	"fmt"
	"image"
	"math"
	"sort"
	"sync"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// LayoutFunc returns the layout of a version; an error means the version is
// unknown.
type LayoutFunc func(version int) (*cardlayout.Layout, error)

// Reader reads scanned cards. It is safe for concurrent use.
type Reader struct {
	layouts LayoutFunc
	probe   *cardlayout.Layout
	// CropPPM is the resolution of crops in pixels per mm (8 ≈ 200 dpi),
	// never more than the scan's own.
	CropPPM float64

	mu    sync.Mutex
	geoms map[int]*geometry // by layout version
}

// NewReader returns a Reader that looks layouts up with layouts. probe is the
// layout whose registration marks and QR position are used to find the QR
// code before the card's version is known (the current layout; older
// versions are expected to keep the marks and the QR where they were — if
// not, the whole card is searched for the QR, which is slower).
func NewReader(layouts LayoutFunc, probe *cardlayout.Layout) *Reader {
	return &Reader{layouts: layouts, probe: probe, CropPPM: 8, geoms: map[int]*geometry{}}
}

// geometry returns the derived geometry of layout l, computed once per
// version.
func (r *Reader) geometry(l *cardlayout.Layout) (*geometry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if g := r.geoms[l.Version]; g != nil {
		return g, nil
	}
	g, err := newGeometry(l)
	if err != nil {
		return nil, err
	}
	r.geoms[l.Version] = g
	return g, nil
}

// Read reads one scanned page. A page that is not a readable card is an
// *Error: CodeBlank (blank paper: no marks, next to no ink), CodeNoMarks,
// CodeNoQR, CodeBadQR or CodeUnknownLayout. Only a probe layout without four
// marks gives another error. A card whose QR code cannot be read but whose
// ID code can is a Page with QR "" (see Page).
//
// A scan that Decode reduced is read as decoded first; when that read
// fails (no marks, no QR code), identifies the card by its ID code only,
// or leaves a field uncertain, the page at full size (a JPEG decoded again
// in full) is read, and that reading stands. So the reduction saves time
// on the pages read with certainty and changes nothing on the others.
func (r *Reader) Read(img image.Image) (*Page, error) {
	rs, ok := img.(*reducedScan)
	if !ok {
		return r.read(img, 1, nil)
	}
	p, err := r.read(rs.Gray, rs.scale, rs.region)
	if !needsFullSize(p, err) {
		return p, err
	}
	full, ferr := rs.full()
	if ferr != nil {
		return p, err // the reduced decode's result, for want of better
	}
	fullRereads.Add(1)
	return r.read(full, 1, nil)
}

// needsFullSize reports whether the reading of a reduced scan is not good
// enough to keep: not read, or read with anything less than certainty.
// Blank paper is blank at any size.
func needsFullSize(p *Page, err error) bool {
	if err != nil {
		return ErrorCode(err) != CodeBlank
	}
	if p.QR == "" {
		return true
	}
	for _, f := range p.Fields {
		if f.Uncertain {
			return true
		}
	}
	return false
}

// read reads a page decoded at 1/sc of the scan's size. full, when not
// nil, gives the scan at its own size, in part at least (the given
// rectangles of it): crops are made from it when the page is coarser than
// CropPPM.
func (r *Reader) read(img image.Image, sc float64, full func([]image.Rectangle) (image.Image, error)) (*Page, error) {
	g := toGray(img)
	if g.w < 64 || g.h < 64 {
		return nil, &Error{Code: CodeNoMarks, Detail: fmt.Sprintf("image of %d×%d pixels", g.w, g.h)}
	}
	wk := reduce(g)
	pg, err := r.geometry(r.probe)
	if err != nil {
		return nil, fmt.Errorf("omr: probe layout: %w", err)
	}
	lc := pg.corners
	q, ok := findQuad(wk.blobs(r.probe), r.probe)
	if !ok {
		if share := wk.inkShare(); share < blankInk {
			return nil, &Error{Code: CodeBlank, Detail: fmt.Sprintf("no registration marks, ink on %.2f%% of the page", 100*share)}
		}
		e := &Error{Code: CodeNoMarks, Detail: "no four registration marks"}
		// A card with damaged marks can still be matched by its QR code
		// (looked for at no more than about 11 px/mm on an A5 card).
		pg := g
		if f := (max(g.w, g.h) + 2399) / 2400; f > 1 {
			pg = boxReduce(g, f)
		}
		if res, ok := decodeQR(pg.contiguous(), pg.w, pg.h, false); ok {
			e.QR = res.text
		}
		return nil, e
	}

	// A scan finer than the reader needs is reduced to about 200 dpi now,
	// once, so that everything after costs what it costs at 200 dpi.
	// sc is the scan's pixels per pixel of g.
	f := float64(wk.f)
	if ppm := q.ppm(lc, f); ppm > reduceAbove {
		var k float64
		if g, k = downsample(g, ppm); k > 1 {
			f /= k
			wk.bg.cell /= k
			sc *= k
		}
	}

	// Marks at full resolution.
	var img4 [4]pt
	var inkRefl, paperSum, inkSum float64
	for i, c := range q.c {
		full := pt{(c.x+0.5)*f - 0.5, (c.y+0.5)*f - 0.5}
		p, ink := refineMark(g, &wk.bg, full, q.side[i]*f)
		img4[i] = p
		paper := wk.bg.at(p.x, p.y)
		inkRefl += ink / paper / 4
		paperSum += paper / 4
		inkSum += ink / 4
	}
	inkRefl = clamp(inkRefl, 0, 0.7)

	// Orientation: quarter turns whose shape fits, most QR-like first.
	mw := (lc[0].dist(lc[1]) + lc[3].dist(lc[2])) / 2
	mh := (lc[0].dist(lc[3]) + lc[1].dist(lc[2])) / 2
	type turn struct {
		s     int
		h     homography
		score float64
	}
	var turns []turn
	for s := 0; s < 4; s++ {
		var dst [4]pt
		for k := 0; k < 4; k++ {
			dst[k] = img4[(k+s)%4]
		}
		sx := (dst[0].dist(dst[1]) + dst[3].dist(dst[2])) / (2 * mw)
		sy := (dst[0].dist(dst[3]) + dst[1].dist(dst[2])) / (2 * mh)
		if math.Abs(math.Log(sx/sy)) > 0.15 {
			continue
		}
		h, err := fitHomography(lc, dst)
		if err != nil {
			continue
		}
		turns = append(turns, turn{s: s, h: h, score: qrLikeness(g, &h, r.probe.QR)})
	}
	if len(turns) == 0 {
		return nil, &Error{Code: CodeNoMarks, Detail: "marks do not form the card's rectangle"}
	}
	sort.SliceStable(turns, func(i, j int) bool { return turns[i].score > turns[j].score })

	var (
		text  string
		found = -1
		h     homography
	)
	ppmPage := turns[0].h.scale(pt{r.probe.Width / 2, r.probe.Height / 2})
	qrPPM := clamp(ppmPage, 5, 9)
	qrRect := grow(r.probe.QR, 2, r.probe)
	// Where the layout puts it: as scanned, then trying harder, then
	// resampled finer and binarised in other ways (a blurred 150 dpi scan).
	for _, ps := range qrPasses(qrPPM) {
		if found >= 0 {
			break
		}
		for _, t := range turns {
			im := rectify(g, &t.h, qrRect, ps.ppm)
			ps.prepare(im.Pix, im.Rect.Dx(), im.Rect.Dy())
			res, ok := decodeQRWith(im.Pix, im.Rect.Dx(), im.Rect.Dy(), ps.harder, ps.global)
			if ok && res.turns == 0 {
				text, found, h = res.text, t.s, t.h
				break
			}
		}
	}
	var id idRead
	if found < 0 {
		// Not where the probe layout puts it: search the whole card.
		t := turns[0]
		whole := cardlayout.Rect{W: r.probe.Width, H: r.probe.Height}
		im := rectify(g, &t.h, whole, math.Min(qrPPM, 6))
		if res, ok := decodeQR(im.Pix, im.Rect.Dx(), im.Rect.Dy(), true); ok {
			text = res.text
			found = (t.s + res.turns) % 4
			var dst [4]pt
			for k := 0; k < 4; k++ {
				dst[k] = img4[(k+found)%4]
			}
			var err error
			if h, err = fitHomography(lc, dst); err != nil {
				return nil, &Error{Code: CodeNoMarks, Detail: "marks do not form the card's rectangle"}
			}
		}
	}
	if found < 0 && r.probe.Code != nil {
		// No QR code can be read: the ID code printed beside the serial
		// says which card this is (not which store: Page.QR is "").
		for _, t := range turns {
			if id = readIDCode(g, &t.h, *r.probe.Code); id.ok {
				found, h = t.s, t.h
				break
			}
		}
	}
	if found < 0 {
		return nil, &Error{Code: CodeNoQR, Detail: "no readable QR code or ID code on the card"}
	}

	var cu cardURL
	if id.ok {
		cu = cardURL{serial: id.serial, version: id.version}
	} else if cu, err = parseCardURL(text); err != nil {
		return nil, &Error{Code: CodeBadQR, Detail: "QR code is not a card's URL", QR: text, Err: err}
	}
	layout := r.probe
	if cu.version != r.probe.Version {
		layout, err = r.layouts(cu.version)
		if err != nil || layout == nil {
			return nil, &Error{Code: CodeUnknownLayout, Detail: fmt.Sprintf("layout version %d", cu.version), QR: text, Err: err}
		}
	}
	geo, err := r.geometry(layout)
	if err != nil {
		return nil, &Error{Code: CodeUnknownLayout, Detail: fmt.Sprintf("layout version %d", cu.version), QR: text, Err: err}
	}
	if geo.corners != lc {
		// This version's marks are elsewhere than the probe layout's.
		var dst [4]pt
		for k := 0; k < 4; k++ {
			dst[k] = img4[(k+found)%4]
		}
		if h, err = fitHomography(geo.corners, dst); err != nil {
			return nil, &Error{Code: CodeNoMarks, Detail: "marks do not form the card's rectangle", QR: text}
		}
	}

	page := &Page{
		QR: text, Store: cu.store, Serial: cu.serial, Version: cu.version, Sig: cu.sig,
		Rotation: 90 * found,
		PxPerMM:  sc * h.scale(pt{layout.Width / 2, layout.Height / 2}),
		Paper:    paperSum, Ink: inkSum,
	}
	s := &sampler{g: g, h: h, bg: &wk.bg, inkRefl: inkRefl, geo: geo}
	page.Fields = s.readFields()

	var rects []cardlayout.Rect // to crop: every box, and each uncertain field
	for _, b := range layout.Boxes {
		rects = append(rects, b.Rect)
	}
	for i := range page.Fields {
		if page.Fields[i].Uncertain {
			rects = append(rects, fieldRect(layout, page.Fields[i].Name))
		}
	}
	cg, ch := g, h
	cropPPM := math.Min(r.CropPPM, page.PxPerMM/sc)
	if full != nil && cropPPM < r.CropPPM && sc > 1 {
		// The page was read reduced, coarser than crops are made: crop
		// the scan at its own size instead (only the area of the crops
		// need be decoded).
		hs := h.scaled(sc)
		if fg, err := full(cropAreas(&hs, rects)); err == nil && !fg.Bounds().Empty() {
			// fg may cover only the crops' area, its pixels counted
			// (by toGray) from Bounds().Min.
			cg, ch = toGray(fg), hs.shifted(fg.Bounds().Min)
			cropPPM = math.Min(r.CropPPM, page.PxPerMM)
		}
	}
	crops := make([]*image.Gray, len(rects))
	for i, rc := range rects {
		crops[i] = rectify(cg, &ch, rc, cropPPM)
	}
	for i, b := range layout.Boxes {
		page.Boxes = append(page.Boxes, Crop{Name: b.Name, Image: crops[i]})
	}
	k := len(layout.Boxes)
	for i := range page.Fields {
		if page.Fields[i].Uncertain {
			page.Fields[i].Crop = crops[k]
			k++
		}
	}
	return page, nil
}

// cropAreas are the scan's pixels (through hs) under each of the card
// rectangles rs, with a margin for bilinear sampling.
func cropAreas(hs *homography, rs []cardlayout.Rect) []image.Rectangle {
	out := make([]image.Rectangle, len(rs))
	for i, rc := range rs {
		var a image.Rectangle
		for _, c := range []pt{{rc.X, rc.Y}, {rc.X + rc.W, rc.Y}, {rc.X, rc.Y + rc.H}, {rc.X + rc.W, rc.Y + rc.H}} {
			p := hs.apply(c)
			a = a.Union(image.Rect(int(math.Floor(p.x))-2, int(math.Floor(p.y))-2, int(math.Ceil(p.x))+3, int(math.Ceil(p.y))+3))
		}
		out[i] = a
	}
	return out
}

// qrLikeness scores how much the area r looks like a QR code: near half
// dark, with many dark–light changes along rows. Sparse: 16 × 16 samples.
func qrLikeness(g *gray, h *homography, r cardlayout.Rect) float64 {
	const n = 16
	dark, changes := 0, 0
	var vals [n * n]float64
	var sum float64
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			p := h.apply(pt{r.X + r.W*(0.2+0.6*float64(i)/(n-1)), r.Y + r.H*(0.2+0.6*float64(j)/(n-1))})
			v := g.bilinear(p.x, p.y)
			vals[j*n+i] = v
			sum += v
		}
	}
	mean := sum / (n * n)
	for j := 0; j < n; j++ {
		prev := false
		for i := 0; i < n; i++ {
			d := vals[j*n+i] < mean*0.8
			if d {
				dark++
			}
			if i > 0 && d != prev {
				changes++
			}
			prev = d
		}
	}
	frac := float64(dark) / (n * n)
	return float64(changes)/(n*(n-1)) - math.Abs(frac-0.5)
}

// otsu thresholds pix in place at the level that best separates its dark
// and light pixels.
func otsu(pix []byte) {
	var hist [256]int
	for _, v := range pix {
		hist[v]++
	}
	total := len(pix)
	var sum float64
	for i, n := range hist {
		sum += float64(i * n)
	}
	var sumB float64
	wB, best, thr := 0, -1.0, 128
	for t := 0; t < 256; t++ {
		wB += hist[t]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB, mF := sumB/float64(wB), (sum-sumB)/float64(wF)
		if v := float64(wB) * float64(wF) * (mB - mF) * (mB - mF); v > best {
			best, thr = v, t
		}
	}
	for i, v := range pix {
		if int(v) <= thr {
			pix[i] = 0
		} else {
			pix[i] = 255
		}
	}
}

// grow widens r by m mm on each side, within the card.
func grow(r cardlayout.Rect, m float64, l *cardlayout.Layout) cardlayout.Rect {
	x0, y0 := math.Max(0, r.X-m), math.Max(0, r.Y-m)
	x1, y1 := math.Min(l.Width, r.X+r.W+m), math.Min(l.Height, r.Y+r.H+m)
	return cardlayout.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// fieldRect is the area around a field's bubbles shown to a reviewer.
func fieldRect(l *cardlayout.Layout, name string) cardlayout.Rect {
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, f := range l.Fields {
		if f.Name != name {
			continue
		}
		for _, b := range f.Bubbles {
			x0, y0 = math.Min(x0, b.X), math.Min(y0, b.Y)
			x1, y1 = math.Max(x1, b.X), math.Max(y1, b.Y)
		}
	}
	m := l.BubbleDiameter/2 + 3
	return grow(cardlayout.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, m, l)
}

// contiguous returns the pixels with rows packed (copying only when the
// stride is wider than the image).
func (g *gray) contiguous() []byte {
	if g.stride == g.w {
		return g.pix[:g.w*g.h]
	}
	out := make([]byte, g.w*g.h)
	for y := 0; y < g.h; y++ {
		copy(out[y*g.w:], g.pix[y*g.stride:y*g.stride+g.w])
	}
	return out
}

// NewCardReader returns a Reader of cardloop's own cards: layouts by the
// version in each card's QR code, probing with the current one.
func NewCardReader() *Reader {
	current := cardlayout.Current()
	return NewReader(func(v int) (*cardlayout.Layout, error) {
		l, err := cardlayout.Version(v)
		return &l, err
	}, &current)
}
