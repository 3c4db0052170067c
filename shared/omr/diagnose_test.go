package omr_test

// Diagnostics, skipped unless asked for by environment variables:
//
//	OMR_FILE=page.png go test -run TestDiagnoseFile -v ./shared/omr/
//	    reads a scan with the current layout and prints every field and
//	    bubble (OMR_BUBBLES=1).
//	OMR_CARD=337 OMR_SEED=2026 OMR_RATE=0.01 OMR_FIELD=nps go test -run TestDiagnoseCard -v ./shared/omr/
//	    renders card 337 of a corpus, writes it to $TMPDIR/omr-card.*, and
//	    prints its plan and the field's bubbles.
//	OMR_MARKS=500 go test -run TestDiagnoseMarks -v ./shared/omr/
//	    prints Fill and Cover by kind of mark over a corpus (the
//	    distributions the thresholds separate) and every field read wrong.
//	OMR_BASE=page.png OMR_BASE_DPI=200 go test -run TestDiagnosePrinted -v ./shared/omr/
//	    marks random cards on a page of the printer's PDF (pdftoppm -r 200
//	    -gray -png cards.pdf page) instead of synth.Blank, and reads them.

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

func TestDiagnoseFile(t *testing.T) {
	path := os.Getenv("OMR_FILE")
	if path == "" {
		t.Skip("OMR_FILE not set")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := omr.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := newReader(testLayout(t)).Read(img)
	if err != nil {
		t.Fatal(err)
	}
	printPage(p, os.Getenv("OMR_BUBBLES") != "", "")
}

func printPage(p *omr.Page, bubbles bool, only string) {
	fmt.Printf("QR %s rotation %d, %.2f px/mm, paper %.0f, ink %.0f\n", p.QR, p.Rotation, p.PxPerMM, p.Paper, p.Ink)
	for _, f := range p.Fields {
		if only != "" && f.Name != only {
			continue
		}
		fmt.Printf("%-20s %-12q uncertain=%-5v %-12s %q confidence %.2f\n", f.Name, f.Value, f.Uncertain, f.Reason, f.Candidates, f.Confidence)
		if bubbles || only != "" {
			for _, b := range f.Bubbles {
				fmt.Printf("    %s/%d fill %.3f cover %.3f %s\n", b.Value, b.Column, b.Fill, b.Cover, b.State)
			}
		}
	}
}

func TestDiagnoseCard(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("OMR_CARD"))
	if err != nil {
		t.Skip("OMR_CARD not set")
	}
	l := testLayout(t)
	seed, _ := strconv.ParseUint(os.Getenv("OMR_SEED"), 10, 64)
	rate, _ := strconv.ParseFloat(os.Getenv("OMR_RATE"), 64)
	c := synth.Plan(l, n, seed, rate)
	fmt.Printf("problem %q, cases %v, style %s, ink %s\ndamage %+v\n", c.Truth.Problem, c.Truth.Cases, c.Style, c.Ink, c.Damage)
	for _, m := range c.Marks {
		fmt.Printf("  mark %s=%s (column %d): %s, darkness %.2f\n", m.Field, m.Value, m.Column, m.Kind, m.Darkness)
	}
	s, err := synth.New(l).Render(c)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(os.TempDir(), "omr-card."+s.Format)
	if err := os.WriteFile(out, s.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Println("wrote", out)
	p, err := readScan(newReader(l), s)
	if err != nil {
		t.Fatal(err)
	}
	printPage(p, false, os.Getenv("OMR_FIELD"))
}

func TestDiagnoseMarks(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("OMR_MARKS"))
	if n == 0 {
		t.Skip("OMR_MARKS not set")
	}
	l := testLayout(t)
	g := synth.New(l)
	r := newReader(l)
	fills, covers := map[string][]float64{}, map[string][]float64{}
	var tl tally
	for first := 0; first < n; first += 100 {
		for _, s := range corpus(t, g, 1, first, min(100, n-first), 0.05) {
			p, err := readScan(r, s)
			tl.add(s, p, err)
			if err != nil {
				continue
			}
			kinds := map[string]string{}
			for _, m := range s.Marks {
				kinds[m.Field+"/"+m.Value+"/"+strconv.Itoa(m.Column)] = m.Kind + "/" + s.Ink
			}
			for _, f := range p.Fields {
				for _, b := range f.Bubbles {
					k := kinds[f.Name+"/"+b.Value+"/"+strconv.Itoa(b.Column)]
					if k == "" {
						k = "empty"
					}
					fills[k] = append(fills[k], b.Fill)
					covers[k] = append(covers[k], b.Cover)
				}
			}
		}
	}
	tl.report(t)
	var ks []string
	for k := range fills {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	q := func(s []float64, p float64) float64 { return s[int(p*float64(len(s)-1))] }
	fmt.Printf("%-22s %6s  %-35s  %s\n", "mark/instrument", "n", "fill min / p1 / median / p99 / max", "cover min / p1 / median / p99 / max")
	for _, k := range ks {
		f, c := fills[k], covers[k]
		sort.Float64s(f)
		sort.Float64s(c)
		fmt.Printf("%-22s %6d  %6.3f %6.3f %6.3f %6.3f %6.3f  %6.3f %6.3f %6.3f %6.3f %6.3f\n", k, len(f),
			f[0], q(f, 0.01), q(f, 0.5), q(f, 0.99), f[len(f)-1], c[0], q(c, 0.01), q(c, 0.5), q(c, 0.99), c[len(c)-1])
	}
}

func TestDiagnosePrinted(t *testing.T) {
	path := os.Getenv("OMR_BASE")
	if path == "" {
		t.Skip("OMR_BASE not set")
	}
	dpi, err := strconv.ParseFloat(os.Getenv("OMR_BASE_DPI"), 64)
	if err != nil {
		t.Fatal("OMR_BASE_DPI: ", err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := omr.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	l := testLayout(t)
	r := newReader(l)
	blank, err := r.Read(img)
	if err != nil {
		t.Fatalf("read the blank page: %v", err)
	}
	base := image.NewGray(img.Bounds())
	for y := base.Rect.Min.Y; y < base.Rect.Max.Y; y++ {
		for x := base.Rect.Min.X; x < base.Rect.Max.X; x++ {
			base.Set(x, y, img.At(x, y))
		}
	}
	g := synth.New(l)
	g.Base = func(*synth.Card) (*image.Gray, float64, error) { return base, dpi, nil }
	n := 50
	if v, err := strconv.Atoi(os.Getenv("OMR_BASE_CARDS")); err == nil {
		n = v
	}
	var tl tally
	for i := 0; i < n; i++ {
		c := synth.Plan(l, i, 5, problemRate)
		c.QR = blank.QR
		s, err := g.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		p, err := readScan(r, s)
		tl.add(s, p, err)
	}
	tl.report(t)
	if tl.wrong > 0 {
		t.Errorf("silently wrong fields: got %d, want 0", tl.wrong)
	}
}
