package omr

import (
	"math"
	"sort"

	"github.com/cardloop/cardloop/shared/cardlayout"
)

// workLongSide is the long side, in pixels, of the reduced copy of the page
// on which the registration marks are looked for: about 2.5 px/mm on an A5
// card, so a 5 mm mark is a solid blob of a dozen pixels at any scan
// resolution, and labelling the page costs well under a millisecond.
const workLongSide = 520

// work is the page reduced by an integer factor f (box average), with the
// paper level of each block of it.
type work struct {
	g  gray
	f  int
	bg paperMap
}

// reduce box-averages the page by the integer factor that brings its long
// side nearest workLongSide.
func reduce(src *gray) *work {
	f := max(1, int(math.Round(float64(max(src.w, src.h))/workLongSide)))
	out := boxReduce(src, f)
	wk := &work{g: *out, f: f}
	wk.bg = newPaperMap(out, f)
	return wk
}

// boxReduce averages f×f blocks of src. Each source row is added into
// per-column sums in one sequential sweep (the hot loop over a full-size
// page), and the f columns of a block are summed once per output row.
func boxReduce(src *gray, f int) *gray {
	w, h := src.w/f, src.h/f
	out := &gray{pix: make([]byte, w*h), w: w, h: h, stride: w}
	if f == 2 { // a 300 dpi page decoded whole: the common case, 3× faster
		for y := 0; y < h; y++ {
			halveRows(out.pix[y*w:][:w], src.pix[2*y*src.stride:][:2*w], src.pix[(2*y+1)*src.stride:][:2*w])
		}
		return out
	}
	cols := make([]uint32, w*f)
	area := uint32(f * f)
	for y := 0; y < h; y++ {
		clear(cols)
		for dy := 0; dy < f; dy++ {
			row := src.pix[(y*f+dy)*src.stride:][:len(cols)]
			for x, v := range row {
				cols[x] += uint32(v)
			}
		}
		dst := out.pix[y*w : y*w+w]
		for x := range dst {
			var s uint32
			for _, v := range cols[x*f : x*f+f] {
				s += v
			}
			dst[x] = byte((s + area/2) / area)
		}
	}
	return out
}

// halveRows writes to dst the 2×2 box averages of rows r0 and r1 (each at
// least 2·len(dst) long), rounded as boxReduce rounds.
func halveRows(dst, r0, r1 []byte) {
	r0, r1 = r0[:2*len(dst)], r1[:2*len(dst)]
	for x := range dst {
		s := uint32(r0[2*x]) + uint32(r0[2*x+1]) + uint32(r1[2*x]) + uint32(r1[2*x+1])
		dst[x] = byte((s + 2) >> 2)
	}
}

// paperMap is the paper's grey level over the page: the 90th percentile of
// each block of the reduced page (a block is a few millimetres, always with
// some blank paper in it), so gradual uneven lighting is followed but ink is
// not.
type paperMap struct {
	cells      []float64
	gw, gh     int
	cell       float64 // block side in full-resolution pixels
	median     float64
	blockWork  int // block side in reduced pixels
	workFactor int
}

func newPaperMap(g *gray, f int) paperMap {
	b := max(8, max(g.w, g.h)/24)
	gw, gh := (g.w+b-1)/b, (g.h+b-1)/b
	m := paperMap{cells: make([]float64, gw*gh), gw: gw, gh: gh, cell: float64(b * f), blockWork: b, workFactor: f}
	var hist [256]int
	for by := 0; by < gh; by++ {
		for bx := 0; bx < gw; bx++ {
			clear(hist[:])
			n := 0
			for y := by * b; y < min(g.h, by*b+b); y++ {
				row := g.pix[y*g.stride:]
				for x := bx * b; x < min(g.w, bx*b+b); x++ {
					hist[row[x]]++
					n++
				}
			}
			want := n / 10
			v := 255
			for acc := 0; v > 0; v-- {
				acc += hist[v]
				if acc > want {
					break
				}
			}
			m.cells[by*gw+bx] = float64(v)
		}
	}
	s := append([]float64(nil), m.cells...)
	sort.Float64s(s)
	m.median = s[len(s)/2]
	// A block with no paper at all (a large dark object) takes its
	// neighbours' level.
	for pass := 0; pass < 4; pass++ {
		changed := false
		for i, v := range m.cells {
			if v >= 0.6*m.median {
				continue
			}
			x, y := i%gw, i/gw
			sum, n := 0.0, 0
			for _, d := range [][2]int{{-1, 0}, {1, 0}, {0, -1}, {0, 1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || ny < 0 || nx >= gw || ny >= gh {
					continue
				}
				if nv := m.cells[ny*gw+nx]; nv >= 0.6*m.median {
					sum += nv
					n++
				}
			}
			if n > 0 {
				m.cells[i] = sum / float64(n)
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	for i, v := range m.cells {
		if v < 0.6*m.median {
			m.cells[i] = m.median
		}
	}
	return m
}

// at is the paper level at full-resolution pixel (x, y), interpolated
// between block centres.
func (m *paperMap) at(x, y float64) float64 {
	fx := x/m.cell - 0.5
	fy := y/m.cell - 0.5
	if fx < 0 {
		fx = 0
	}
	if fy < 0 {
		fy = 0
	}
	if fx > float64(m.gw-1) {
		fx = float64(m.gw - 1)
	}
	if fy > float64(m.gh-1) {
		fy = float64(m.gh - 1)
	}
	x0, y0 := int(fx), int(fy)
	x1, y1 := min(x0+1, m.gw-1), min(y0+1, m.gh-1)
	tx, ty := fx-float64(x0), fy-float64(y0)
	a := m.cells[y0*m.gw+x0]*(1-tx) + m.cells[y0*m.gw+x1]*tx
	b := m.cells[y1*m.gw+x0]*(1-tx) + m.cells[y1*m.gw+x1]*tx
	return a*(1-ty) + b*ty
}

// blob is a connected dark component of the reduced page.
type blob struct {
	area                   int
	sx, sy                 float64
	minX, minY, maxX, maxY int
}

func (b *blob) centre() pt { return pt{b.sx / float64(b.area), b.sy / float64(b.area)} }
func (b *blob) side() float64 {
	return math.Sqrt(float64(b.area))
}

// blobs labels the dark components of the reduced page (darker than 60 % of
// the local paper; 8-connected) by runs, and returns those that could be a
// registration mark: solid, squarish, not touching the edge, and of a size a
// mark could have on a card that fills between 45 % and 102 % of the image.
func (wk *work) blobs(l *cardlayout.Layout) []blob {
	g := &wk.g
	b := wk.bg.blockWork
	type run struct{ x0, x1, y, parent int }
	var runs []run
	find := func(i int) int {
		for runs[i].parent != i {
			runs[i].parent = runs[runs[i].parent].parent
			i = runs[i].parent
		}
		return i
	}
	// Dark pixels, opened (eroded then dilated by one pixel) so that pen
	// strokes and hairlines touching a mark do not join it.
	mask := make([]bool, g.w*g.h)
	for y := 0; y < g.h; y++ {
		by := y / b
		row := g.pix[y*g.stride : y*g.stride+g.w]
		for x, v := range row {
			mask[y*g.w+x] = float64(v) < 0.6*wk.bg.cells[by*wk.bg.gw+x/b]
		}
	}
	mask = morph(morph(mask, g.w, g.h, 1, false), g.w, g.h, 1, true)
	prevStart, prevEnd := 0, 0
	for y := 0; y < g.h; y++ {
		row := mask[y*g.w : y*g.w+g.w]
		start := len(runs)
		for x := 0; x < g.w; {
			if !row[x] {
				x++
				continue
			}
			x0 := x
			for x < g.w && row[x] {
				x++
			}
			idx := len(runs)
			runs = append(runs, run{x0: x0, x1: x, y: y, parent: idx})
			for p := prevStart; p < prevEnd; p++ {
				if runs[p].x1 < x0 || runs[p].x0 > x {
					continue
				}
				ra, rb := find(p), find(idx)
				if ra != rb {
					runs[rb].parent = ra
				}
			}
		}
		prevStart, prevEnd = start, len(runs)
	}
	stats := map[int]*blob{}
	for i := range runs {
		r := &runs[i]
		root := find(i)
		bl := stats[root]
		if bl == nil {
			bl = &blob{minX: r.x0, maxX: r.x1 - 1, minY: r.y, maxY: r.y}
			stats[root] = bl
		}
		n := r.x1 - r.x0
		bl.area += n
		bl.sx += float64(n) * (float64(r.x0+r.x1-1) / 2)
		bl.sy += float64(n) * float64(r.y)
		bl.minX = min(bl.minX, r.x0)
		bl.maxX = max(bl.maxX, r.x1-1)
		bl.minY = min(bl.minY, r.y)
		bl.maxY = max(bl.maxY, r.y)
	}
	long := float64(max(g.w, g.h))
	cardLong := math.Max(l.Width, l.Height)
	ppmLo, ppmHi := 0.45*long/cardLong, 1.02*long/cardLong
	size := l.Marks[0].Size
	sideLo, sideHi := 0.65*size*ppmLo, 1.45*size*ppmHi
	var out []blob
	for _, bl := range stats {
		if bl.minX == 0 || bl.minY == 0 || bl.maxX == g.w-1 || bl.maxY == g.h-1 {
			continue
		}
		s := bl.side()
		if s < sideLo || s > sideHi || s < 2.5 {
			continue
		}
		bw, bh := float64(bl.maxX-bl.minX+1), float64(bl.maxY-bl.minY+1)
		if float64(bl.area)/(bw*bh) < 0.55 || bw/bh > 1.7 || bh/bw > 1.7 {
			continue
		}
		out = append(out, *bl)
	}
	sort.Slice(out, func(i, j int) bool { // deterministic order
		if out[i].minY != out[j].minY {
			return out[i].minY < out[j].minY
		}
		return out[i].minX < out[j].minX
	})
	return out
}

// layoutCorners returns the layout's four marks ordered clockwise from the
// top-left one, with their centres in mm.
func layoutCorners(l *cardlayout.Layout) ([4]pt, bool) {
	var c [4]pt
	if len(l.Marks) != 4 {
		return c, false
	}
	for i, m := range l.Marks {
		c[i] = pt{m.X, m.Y}
	}
	return clockwise(c), true
}

// clockwise orders four points clockwise on the page (y grows downwards),
// starting from the one nearest the top-left.
func clockwise(p [4]pt) [4]pt {
	var cx, cy float64
	for _, q := range p {
		cx += q.x / 4
		cy += q.y / 4
	}
	s := p[:]
	sort.Slice(s, func(i, j int) bool {
		return math.Atan2(s[i].y-cy, s[i].x-cx) < math.Atan2(s[j].y-cy, s[j].x-cx)
	})
	first := 0
	for i := range p {
		if p[i].x+p[i].y < p[first].x+p[first].y {
			first = i
		}
	}
	var out [4]pt
	for i := range out {
		out[i] = p[(first+i)%4]
	}
	return out
}

// quad is four marks found on the page, clockwise from the top-left of the
// image, in reduced-page pixels, with their sides.
type quad struct {
	c     [4]pt
	side  [4]float64
	score float64
}

// findQuad picks, among the candidate blobs, the four that best form the
// layout's rectangle of marks: each image corner contributes its few most
// extreme candidates, and every combination is scored on how well its shape
// (side ratios, diagonals) and its blobs' sizes match the layout, whatever
// the page's rotation by quarter turns.
func findQuad(cands []blob, l *cardlayout.Layout) (quad, bool) {
	lc, ok := layoutCorners(l)
	if !ok || len(cands) < 4 {
		return quad{}, false
	}
	mw := (lc[0].dist(lc[1]) + lc[3].dist(lc[2])) / 2
	mh := (lc[0].dist(lc[3]) + lc[1].dist(lc[2])) / 2
	size := l.Marks[0].Size
	const k = 5
	dirs := [4]pt{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} // TL, TR, BR, BL
	var pick [4][]int
	for ci, d := range dirs {
		idx := make([]int, len(cands))
		for i := range idx {
			idx[i] = i
		}
		proj := func(i int) float64 { c := cands[i].centre(); return c.x*d.x + c.y*d.y }
		sort.SliceStable(idx, func(a, b int) bool { return proj(idx[a]) > proj(idx[b]) })
		if len(idx) > k {
			idx = idx[:k]
		}
		pick[ci] = idx
	}
	best := quad{score: math.Inf(1)}
	found := false
	for _, a := range pick[0] {
		for _, b := range pick[1] {
			if b == a {
				continue
			}
			for _, c := range pick[2] {
				if c == a || c == b {
					continue
				}
				for _, d := range pick[3] {
					if d == a || d == b || d == c {
						continue
					}
					q := quad{c: [4]pt{cands[a].centre(), cands[b].centre(), cands[c].centre(), cands[d].centre()},
						side: [4]float64{cands[a].side(), cands[b].side(), cands[c].side(), cands[d].side()}}
					if s, ok := scoreQuad(&q, mw, mh, size); ok && s < best.score {
						q.score = s
						best = q
						found = true
					}
				}
			}
		}
	}
	return best, found
}

// scoreQuad scores how far the quad is from the layout's mark rectangle
// (mw × mh mm, marks of side size mm), 0 being a perfect match; ok is false
// when it cannot be the marks at all.
func scoreQuad(q *quad, mw, mh, size float64) (float64, bool) {
	p := q.c
	for i := 0; i < 4; i++ {
		e1 := p[(i+1)%4].sub(p[i])
		e2 := p[(i+2)%4].sub(p[(i+1)%4])
		if e1.cross(e2) <= 0 {
			return 0, false
		}
	}
	top, right, bottom, left := p[0].dist(p[1]), p[1].dist(p[2]), p[3].dist(p[2]), p[0].dist(p[3])
	lr := func(a, b float64) float64 { return math.Abs(math.Log(a / b)) }
	ePortrait := lr((top+bottom)/(2*mw), (left+right)/(2*mh))
	eLandscape := lr((top+bottom)/(2*mh), (left+right)/(2*mw))
	e := math.Min(ePortrait, eLandscape)
	scale := ((top+bottom)/(2*mw) + (left+right)/(2*mh)) / 2
	if eLandscape < ePortrait {
		scale = ((top+bottom)/(2*mh) + (left+right)/(2*mw)) / 2
	}
	eTB, eLR := lr(top, bottom), lr(left, right)
	eDiag := lr(p[0].dist(p[2]), p[1].dist(p[3]))
	if e > 0.12 || eTB > 0.15 || eLR > 0.15 || eDiag > 0.12 {
		return 0, false
	}
	var eSize float64
	for _, s := range q.side {
		r := s / (size * scale)
		if r < 0.7 || r > 1.45 {
			return 0, false
		}
		eSize += math.Abs(math.Log(r)) / 4
	}
	return e + eTB + eLR + eDiag + eSize, true
}

// refineMark finds a mark's centre at full resolution near the reduced-page
// estimate c (full-resolution pixels) for a mark of about side pixels: the
// darkness-weighted centroid of the window's dark pixels after an opening
// that strips pen strokes thinner than a fifth of the mark (a line drawn
// into a mark does not pull its centre), twice. It returns the centre and
// the mark's ink level.
func refineMark(g *gray, bg *paperMap, c pt, side float64) (pt, float64) {
	paper := bg.at(c.x, c.y)
	hi, lo := 0.8*paper, 0.3*paper
	k := max(1, int(side/10+0.5))
	for iter := 0; iter < 2; iter++ {
		half := 0.95 * side
		x0, x1 := max(0, int(c.x-half)), min(g.w-1, int(c.x+half))
		y0, y1 := max(0, int(c.y-half)), min(g.h-1, int(c.y+half))
		w, h := x1-x0+1, y1-y0+1
		if w < 3 || h < 3 {
			break
		}
		mask := make([]bool, w*h)
		for y := 0; y < h; y++ {
			row := g.pix[(y0+y)*g.stride+x0:]
			for x := 0; x < w; x++ {
				mask[y*w+x] = float64(row[x]) < 0.55*paper
			}
		}
		mask = morph(morph(mask, w, h, k, false), w, h, k+1, true)
		var sw, sx, sy float64
		for y := 0; y < h; y++ {
			row := g.pix[(y0+y)*g.stride+x0:]
			for x := 0; x < w; x++ {
				if !mask[y*w+x] {
					continue
				}
				v := float64(row[x])
				if v >= hi {
					continue
				}
				wt := 1.0
				if v > lo {
					wt = (hi - v) / (hi - lo)
				}
				sw += wt
				sx += wt * float64(x0+x)
				sy += wt * float64(y0+y)
			}
		}
		if sw == 0 {
			break
		}
		c = pt{sx / sw, sy / sw}
	}
	r := 0.3 * side
	var sum float64
	n := 0
	for y := max(0, int(c.y-r)); y <= min(g.h-1, int(c.y+r)); y++ {
		for x := max(0, int(c.x-r)); x <= min(g.w-1, int(c.x+r)); x++ {
			sum += float64(g.at(x, y))
			n++
		}
	}
	ink := paper * 0.1
	if n > 0 {
		ink = sum / float64(n)
	}
	return c, ink
}

// morph erodes (dilate false) or dilates a w×h mask with a square of half
// side k, separably.
func morph(m []bool, w, h, k int, dilate bool) []bool {
	tmp := make([]bool, len(m))
	out := make([]bool, len(m))
	// Along rows, then along columns: a pixel keeps (erosion) or gains
	// (dilation) when all / any of the 2k+1 neighbours are set.
	pass := func(src, dst []bool, n, stride, lines, lineStride int) {
		for l := 0; l < lines; l++ {
			base := l * lineStride
			// set counts the set pixels in [i-k, i+k], sliding.
			set := 0
			for j := 0; j < min(k, n); j++ {
				if src[base+j*stride] {
					set++
				}
			}
			for i := 0; i < n; i++ {
				if j := i + k; j < n && src[base+j*stride] {
					set++
				}
				if j := i - k - 1; j >= 0 && src[base+j*stride] {
					set--
				}
				if dilate {
					dst[base+i*stride] = set > 0
				} else {
					// Outside the image counts as background.
					dst[base+i*stride] = set == 2*k+1
				}
			}
		}
	}
	pass(m, tmp, w, 1, h, w)
	pass(tmp, out, h, w, w, 1)
	return out
}
