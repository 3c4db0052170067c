package omr_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"

	"github.com/cardloop/cardloop/shared/cardlayout"
	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/omr/synth"
)

// testLayout is the layout the tests read: the current printed one.
func testLayout(tb testing.TB) *cardlayout.Layout {
	tb.Helper()
	l := cardlayout.Current()
	return &l
}

// fixtureLayout is a second, differently arranged layout (testdata), so the
// reader is not tuned to one arrangement.
func fixtureLayout(tb testing.TB) *cardlayout.Layout {
	tb.Helper()
	b, err := os.ReadFile("testdata/layout.json")
	if err != nil {
		tb.Fatal(err)
	}
	var l cardlayout.Layout
	if err := json.Unmarshal(b, &l); err != nil {
		tb.Fatal(err)
	}
	return &l
}

// newReader reads cards of layout l only.
func newReader(l *cardlayout.Layout) *omr.Reader {
	return omr.NewReader(func(v int) (*cardlayout.Layout, error) {
		if v == l.Version {
			return l, nil
		}
		return nil, fmt.Errorf("layout v%d: %w", v, cardlayout.ErrUnknownVersion)
	}, l)
}

// readScan decodes and reads a generated scan.
func readScan(r *omr.Reader, s *synth.Scan) (*omr.Page, error) {
	img, err := omr.DecodeBytes(s.Data)
	if err != nil {
		return nil, err
	}
	return r.Read(img)
}

// corpus renders cards first..first+n-1 of a seed's corpus on all cores, in
// card order.
func corpus(tb testing.TB, g *synth.Generator, seed uint64, first, n int, problemRate float64) []*synth.Scan {
	tb.Helper()
	out := make([]*synth.Scan, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i], errs[i] = g.Render(synth.Plan(g.Layout, first+i, seed, problemRate))
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// tally scores pages against their truth.
//
// A field is correct when the truth has a value and the reader read it,
// certain; to review when the reader marked it uncertain (for a field whose
// truth is "must be reviewed", that is the right outcome and counts as
// correct too); silently wrong when the reader was certain and wrong,
// including certain about a field with no right answer. A card needs no
// review when the page was read and no field is uncertain. Clean cards are
// those with no deliberate problem (Truth.Problem == "").
type tally struct {
	fields, correct, wrong, review, reviewNeeded int
	cards, noReview, clean, cleanNoReview        int
	problems, problemsCaught                     int
	pageErrors                                   int
	backs, backsBlank                            int                // blank backs of duplex scans, and those read as CodeBlank
	byIDCode                                     int                // cards identified by the ID code (QR not read)
	byCase                                       map[string]*[2]int // case → cards, cards with no review
	wrongs                                       []string
	needless                                     []string
}

func (t *tally) add(s *synth.Scan, p *omr.Page, err error) {
	if t.byCase == nil {
		t.byCase = map[string]*[2]int{}
	}
	if s.Back {
		// Not a card: the reader must say so, and ingestion skips it.
		t.backs++
		if omr.ErrorCode(err) == omr.CodeBlank {
			t.backsBlank++
		} else {
			t.wrongs = append(t.wrongs, fmt.Sprintf("card %d: blank back read as %v (page %v)", s.N, err, p != nil))
		}
		return
	}
	if omr.ErrorCode(err) == omr.CodeBlank {
		t.wrongs = append(t.wrongs, fmt.Sprintf("card %d: a card read as blank paper: %v", s.N, err))
	}
	t.cards++
	clean := s.Truth.Problem == ""
	if clean {
		t.clean++
	} else {
		t.problems++
	}
	cases := append([]string{fmt.Sprintf("%ddpi", s.Damage.DPI), s.Damage.Format}, s.Truth.Cases...)
	if s.Truth.Problem != "" {
		cases = append(cases, "problem:"+s.Truth.Problem)
	}
	count := func(noReview bool) {
		for _, c := range cases {
			if t.byCase[c] == nil {
				t.byCase[c] = &[2]int{}
			}
			t.byCase[c][0]++
			if noReview {
				t.byCase[c][1]++
			}
		}
	}
	if err != nil {
		t.pageErrors++
		t.fields += len(s.Truth.Fields)
		t.review += len(s.Truth.Fields)
		t.needless = append(t.needless, fmt.Sprintf("card %d: %v", s.N, err))
		count(false)
		return
	}
	switch {
	case p.QR == "" && p.Serial == s.Serial && p.Version == s.Version:
		t.byIDCode++ // the QR code failed; the ID code identified the card
	case p.QR != s.QR:
		t.wrongs = append(t.wrongs, fmt.Sprintf("card %d: QR %q (serial %q), want %q", s.N, p.QR, p.Serial, s.QR))
	}
	uncertain := false
	caught := true
	for _, f := range p.Fields {
		w, ok := s.Truth.Fields[f.Name]
		if !ok {
			continue
		}
		t.fields++
		switch {
		case f.Uncertain:
			uncertain = true
			t.review++
			if w.Review {
				t.correct++
				t.reviewNeeded++
			} else {
				t.needless = append(t.needless, fmt.Sprintf("card %d %s: %s %v, want %q (%s/%s)", s.N, f.Name, f.Reason, f.Candidates, w.Value, s.Ink, s.Style))
			}
		case w.Review:
			t.wrong++
			caught = false
			t.wrongs = append(t.wrongs, fmt.Sprintf("card %d %s: read %q certain, want review (%s)", s.N, f.Name, f.Value, s.Truth.Problem))
		case f.Value == w.Value:
			t.correct++
		default:
			t.wrong++
			t.wrongs = append(t.wrongs, fmt.Sprintf("card %d %s: read %q certain, want %q (%s/%s)", s.N, f.Name, f.Value, w.Value, s.Ink, s.Style))
		}
	}
	if !clean && caught {
		t.problemsCaught++
	}
	if !uncertain {
		t.noReview++
		if clean {
			t.cleanNoReview++
		}
	}
	count(!uncertain)
}

func (t *tally) wrongPer10k() float64 { return 10000 * float64(t.wrong) / float64(max(1, t.fields)) }
func (t *tally) noReviewPct() float64 { return 100 * float64(t.noReview) / float64(max(1, t.cards)) }
func (t *tally) cleanNoReviewPct() float64 {
	return 100 * float64(t.cleanNoReview) / float64(max(1, t.clean))
}

func (t *tally) report(tb testing.TB) {
	tb.Logf("cards %d (clean %d, with a deliberate problem %d, caught %d); page errors %d; identified by the ID code %d",
		t.cards, t.clean, t.problems, t.problemsCaught, t.pageErrors, t.byIDCode)
	tb.Logf("blank backs %d, read as blank %d", t.backs, t.backsBlank)
	tb.Logf("fields %d: correct %.3f%%, silently wrong %d (%.2f per 10,000), to review %d (%d of them deliberate problems)",
		t.fields, 100*float64(t.correct)/float64(max(1, t.fields)), t.wrong, t.wrongPer10k(), t.review, t.reviewNeeded)
	tb.Logf("cards needing no review: %.2f%% of all, %.2f%% of clean cards", t.noReviewPct(), t.cleanNoReviewPct())
	var cs []string
	for c := range t.byCase {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	for _, c := range cs {
		v := t.byCase[c]
		tb.Logf("  %-22s %5d cards, %6.2f%% no review", c, v[0], 100*float64(v[1])/float64(v[0]))
	}
	for i, w := range t.wrongs {
		if i == 20 {
			break
		}
		tb.Logf("WRONG %s", w)
	}
	for i, w := range t.needless {
		if i == 20 {
			tb.Logf("… %d more reviews", len(t.needless)-20)
			break
		}
		tb.Logf("review %s", w)
	}
}

var (
	corpusSize  = flag.Int("corpus", 1000, "cards in BenchmarkReadCorpus's corpus")
	corpusRate  = flag.Float64("problems", problemRate, "share of BenchmarkReadCorpus's cards with a deliberate problem")
	corpusSeedF = flag.Uint64("seed", corpusSeed, "seed of BenchmarkReadCorpus's corpus")
)
