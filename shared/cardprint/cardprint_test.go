package cardprint_test

import (
	"bytes"
	"errors"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/cardprint"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/link"
)

const (
	base = "http://127.0.0.1:8080"
	dpi  = 150
)

// taipei is the seeded store S001, with one item fewer so that an unused
// slot is printed blank.
var taipei = brand.Store{
	ID: "S001", BrandID: "wang", Language: i18n.ZhTW, TimeZone: "Asia/Taipei",
	Name:        map[i18n.Lang]string{i18n.ZhTW: "台北信義店", i18n.ZhCN: "台北信义店", i18n.En: "Taipei Xinyi"},
	Items:       []string{"bread", "soup", "salad", "appetizer", "main", "dessert"},
	MainCourses: []string{"filet", "ribeye", "lamb", "lobster"},
}

// need skips the test when a tool the machine lacks is needed, except in CI
// (CI set), where .ci/run installs everything and a skip would hide a gap.
func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "" {
		t.Skipf("%s: %v (make print-deps installs it)", what, err)
	}
	t.Fatalf("%s: %v", what, err)
}

func font(t *testing.T) []byte {
	t.Helper()
	b, err := cardprint.LoadFont(cardprint.FontPath())
	need(t, "CJK font", err)
	return b
}

func signer(t *testing.T, key string) *link.Signer {
	t.Helper()
	s, err := link.NewSigner([]byte(strings.Repeat(key, 32)), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func batch(t *testing.T) cardprint.Batch {
	t.Helper()
	b, err := cardprint.NewBatch(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), bytes.NewReader([]byte{7, 8, 9}))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// render turns a PDF into one grey image per page with pdftoppm.
func render(t *testing.T, pdf []byte) []*image.Gray {
	t.Helper()
	_, err := exec.LookPath("pdftoppm")
	need(t, "pdftoppm (poppler-utils)", err)
	dir := t.TempDir()
	in := filepath.Join(dir, "cards.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("pdftoppm", "-r", "150", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	var imgs []*image.Gray
	for _, p := range pages {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		g := image.NewGray(img.Bounds())
		draw.Draw(g, g.Bounds(), img, img.Bounds().Min, draw.Src)
		imgs = append(imgs, g)
	}
	return imgs
}

// at returns the grey level (0 black, 255 white) at x, y mm.
func at(img *image.Gray, x, y float64) int {
	px := func(mm float64) int { return int(math.Round(mm / 25.4 * dpi)) }
	return int(img.GrayAt(px(x), px(y)).Y)
}

// ring returns the mean grey level of n points on a circle (mm).
func ring(img *image.Gray, x, y, r float64) int {
	const n = 16
	sum := 0
	for i := range n {
		a := 2 * math.Pi * float64(i) / n
		sum += at(img, x+r*math.Cos(a), y+r*math.Sin(a))
	}
	return sum / n
}

// darkShare returns the share of pixels darker than 128 in r.
func darkShare(img *image.Gray, r cardlayout.Rect) float64 {
	dark, all := 0, 0
	for y := r.Y; y < r.Y+r.H; y += 25.4 / dpi {
		for x := r.X; x < r.X+r.W; x += 25.4 / dpi {
			all++
			if at(img, x, y) < 128 {
				dark++
			}
		}
	}
	return float64(dark) / float64(all)
}

func TestCards(t *testing.T) {
	l := cardlayout.Current()
	s := signer(t, "k")
	var pdf bytes.Buffer
	serials, err := cardprint.Cards(&pdf, cardprint.Options{Store: taipei, Count: 2, Layout: l, BaseURL: base, Signer: s, Font: font(t), Batch: batch(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(serials) != 2 || serials[0] == serials[1] {
		t.Fatalf("got serials %v, want two different ones", serials)
	}
	for _, sn := range serials {
		if !regexp.MustCompile(`^[A-Z2-7]{15}$`).MatchString(sn) {
			t.Errorf("serial %q: want 15 characters of base32", sn)
		}
	}
	// The CJK font is embedded (a TrueType font file in the PDF).
	for _, want := range []string{"/FontName /utf8cjk", "/FontFile2"} {
		if !bytes.Contains(pdf.Bytes(), []byte(want)) {
			t.Errorf("PDF lacks %q: the CJK font is not embedded", want)
		}
	}

	pages := render(t, pdf.Bytes())
	if len(pages) != 2 {
		t.Fatalf("got %d pages, want 2", len(pages))
	}
	for i, img := range pages {
		t.Run(serials[i], func(t *testing.T) {
			// A5 at 150 dpi.
			if b := img.Bounds(); b.Dx() < 874 || b.Dx() > 875 || b.Dy() < 1240 || b.Dy() > 1241 {
				t.Errorf("page is %dx%d px, want 874x1240 (A5 at 150 dpi)", b.Dx(), b.Dy())
			}
			checkQR(t, img, l, s, serials[i])
			checkIDCode(t, img, l, serials[i])
			for j, m := range l.Marks {
				if g := at(img, m.X, m.Y); g > 60 {
					t.Errorf("mark %d centre: grey %d, want black", j, g)
				}
				if g := at(img, m.X+m.Size, m.Y); g < 230 {
					t.Errorf("beside mark %d: grey %d, want paper", j, g)
				}
			}
			checkBubbles(t, img, l)
			// Words are printed: the first item's label (麵包 Bread), the
			// title and the consent sentence are not blank.
			item1, _ := l.Field("ratings.item1")
			contact, _ := l.Field("consent.contact")
			consentWords, _ := l.WordsRect(contact, contact.Bubbles[0])
			for what, r := range map[string]cardlayout.Rect{"item label": *item1.Label, "title": l.Texts[0].Rect, "consent": consentWords} {
				top := r
				top.H /= 2 // the store's language (Chinese) is the upper line
				if d := darkShare(img, top); d < 0.03 {
					t.Errorf("%s: %.3f of the Chinese line is ink, want some", what, d)
				}
			}
			// The unused seventh item slot is left blank.
			item7, _ := l.Field("ratings.item7")
			if d := darkShare(img, *item7.Label); d != 0 {
				t.Errorf("unused item slot label: %.3f ink, want none", d)
			}
			if g := ring(img, item7.Bubbles[0].X, item7.Bubbles[0].Y, l.BubbleDiameter/2-0.1); g < 240 {
				t.Errorf("unused item slot bubble: grey %d, want blank paper", g)
			}
		})
	}
}

// checkIDCode reads the ID code's cells at their centres and checks they
// decode to the card's serial and layout version.
func checkIDCode(t *testing.T, img *image.Gray, l cardlayout.Layout, serial string) {
	t.Helper()
	if l.Code == nil {
		t.Fatal("the layout has no ID code box")
	}
	r := *l.Code
	cw, ch := r.W/cardlayout.IDCols, r.H/cardlayout.IDRows
	cells := make([]bool, cardlayout.IDRows*cardlayout.IDCols)
	for i := range cells {
		cells[i] = at(img, r.X+(float64(i%cardlayout.IDCols)+0.5)*cw, r.Y+(float64(i/cardlayout.IDCols)+0.5)*ch) < 128
	}
	got, v, err := cardlayout.DecodeID(cells)
	if err != nil || got != serial || v != l.Version {
		t.Errorf("ID code: got %q v%d (%v), want %q v%d", got, v, err, serial, l.Version)
	}
}

// checkQR decodes the page's QR code and checks it is the signed URL of the
// card's serial.
func checkQR(t *testing.T, img *image.Gray, l cardlayout.Layout, s *link.Signer, serial string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("decode QR code: %v", err)
	}
	if got, want := res.GetText(), s.CardURL(base, "S001", serial, l.Version); got != want {
		t.Fatalf("QR code: got %s, want %s", got, want)
	}
	ref, err := link.ParseCardURL(res.GetText())
	if err != nil {
		t.Fatal(err)
	}
	if ref.Store != "S001" || ref.Serial != serial || ref.Version != l.Version {
		t.Errorf("QR code: got %+v, want S001, %s, v%d", ref, serial, l.Version)
	}
	if err := s.CheckCard(ref); err != nil {
		t.Errorf("QR code signature: %v", err)
	}
	forged := ref
	forged.Serial = serial[:len(serial)-1] + map[bool]string{true: "B", false: "A"}[serial[len(serial)-1] == 'A']
	if err := s.CheckCard(forged); !errors.Is(err, link.ErrInvalid) {
		t.Errorf("forged serial %s: got %v, want ErrInvalid", forged.Serial, err)
	}
	if err := signer(t, "x").CheckCard(ref); !errors.Is(err, link.ErrInvalid) {
		t.Errorf("another key: got %v, want ErrInvalid", err)
	}
}

// checkBubbles samples bubbles of every field at the layout's positions: a
// rim darker than paper, and paper between the rim and the printed digit.
func checkBubbles(t *testing.T, img *image.Gray, l cardlayout.Layout) {
	t.Helper()
	r := l.BubbleDiameter / 2
	for _, f := range l.Fields {
		if f.Name == "ratings.item7" || f.Name == "mainCourse" {
			continue // partly unused by this store
		}
		for _, b := range []cardlayout.Bubble{f.Bubbles[0], f.Bubbles[len(f.Bubbles)-1]} {
			rim := ring(img, b.X, b.Y, r-0.12)
			inside := ring(img, b.X, b.Y, r*0.62)
			outside := ring(img, b.X, b.Y, r+0.6)
			if rim > 200 || inside < 225 || rim > inside-40 {
				t.Errorf("%s %s at %g,%g: rim grey %d, inside %d, outside %d; want a dark rim around paper", f.Name, b.Value, b.X, b.Y, rim, inside, outside)
			}
		}
	}
}

// fakeTTF starts like a TrueType font: enough for the checks that come
// before the font is embedded.
var fakeTTF = append([]byte{0, 1, 0, 0}, make([]byte, 60)...)

func TestCardsRefuses(t *testing.T) {
	good := cardprint.Options{Store: taipei, Count: 1, Layout: cardlayout.Current(), BaseURL: base, Signer: signer(t, "k"), Font: fakeTTF, Batch: batch(t)}
	tooMany := taipei
	tooMany.Items = strings.Fields("a b c d e f g h")
	broken := cardlayout.Current()
	broken.Marks = broken.Marks[:3]
	tests := []struct {
		name string
		edit func(*cardprint.Options)
		want string
	}{
		{"no cards", func(o *cardprint.Options) { o.Count = 0 }, "count 0"},
		{"too many cards", func(o *cardprint.Options) { o.Count = cardprint.MaxCards + 1 }, "count"},
		{"no font", func(o *cardprint.Options) { o.Font = nil }, "no font"},
		{"no signer", func(o *cardprint.Options) { o.Signer = nil }, "no signer"},
		{"too many items", func(o *cardprint.Options) { o.Store = tooMany }, "rates 8 items"},
		{"invalid layout", func(o *cardprint.Options) { o.Layout = broken }, "3 registration marks"},
		{"a font that is not TrueType", func(o *cardprint.Options) { o.Font = []byte("<html>not found</html>") }, "embed font"},
		{"a font collection", func(o *cardprint.Options) { o.Font = append([]byte("ttcf"), fakeTTF[4:]...) }, "collection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.edit(&o)
			var out bytes.Buffer
			_, err := cardprint.Cards(&out, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error with %q", err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("got %d bytes written, want none", out.Len())
			}
		})
	}
}

func TestLoadFontMissing(t *testing.T) {
	_, err := cardprint.LoadFont(filepath.Join(t.TempDir(), "none.ttf"))
	if err == nil || !strings.Contains(err.Error(), cardprint.FontEnv) {
		t.Fatalf("got %v, want an error that names %s", err, cardprint.FontEnv)
	}
}

func TestSerials(t *testing.T) {
	b := batch(t)
	seen := map[string]bool{}
	for i := range cardprint.MaxCards {
		s := b.Serial(i)
		if seen[s] {
			t.Fatalf("serial %s twice", s)
		}
		seen[s] = true
	}
	other, _ := cardprint.NewBatch(b.Time(), bytes.NewReader([]byte{7, 8, 10}))
	if other.Serial(0) == b.Serial(0) {
		t.Errorf("two batches of the same second: got the same serial %s", b.Serial(0))
	}
	if got, want := cardprint.FormatSerial("ABCDEFGHIJKLMNO"), "ABCDE-FGHIJ-KLMNO"; got != want {
		t.Errorf("FormatSerial: got %s, want %s", got, want)
	}
	if got, want := b.Time(), time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("batch time: got %s, want %s", got, want)
	}
}

func TestEnglishStore(t *testing.T) {
	sg := taipei
	sg.ID, sg.Language = "S003", i18n.En
	var pdf bytes.Buffer
	if _, err := cardprint.Cards(&pdf, cardprint.Options{Store: sg, Count: 1, Layout: cardlayout.Current(), BaseURL: base, Signer: signer(t, "k"), Font: font(t), Batch: batch(t)}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
}
