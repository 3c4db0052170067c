package scan

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/fault"
)

type fakeReviewStore struct {
	reviews map[string]Review
	saveErr error
	saves   int
}

var _ ReviewStore = (*fakeReviewStore)(nil)

func (f *fakeReviewStore) Review(_ context.Context, id string) (Review, error) {
	r, ok := f.reviews[id]
	if !ok {
		return Review{}, fault.New(fault.NotFound, "no review %s", id)
	}
	return r, nil
}

func (f *fakeReviewStore) Reviews(_ context.Context, storeID string, _ int) ([]Review, error) {
	var out []Review
	for _, r := range f.reviews {
		if r.StoreID == storeID && r.Status == Waiting {
			out = append(out, r)
		}
	}
	return out, nil
}

func (f *fakeReviewStore) SaveDecision(_ context.Context, r Review) (Review, error) {
	if f.saveErr != nil {
		err := f.saveErr
		f.saveErr = nil // fails once
		return r, err
	}
	if f.reviews[r.ID].Version != r.Version {
		return r, fault.New(fault.Conflict, "version moved")
	}
	f.saves++
	r.Version++
	f.reviews[r.ID] = r
	return r, nil
}

type fakeStores map[string]brand.Store

func (f fakeStores) Store(_ context.Context, id string) (brand.Store, error) {
	st, ok := f[id]
	if !ok {
		return brand.Store{}, fault.New(fault.NotFound, "no store %s", id)
	}
	return st, nil
}

type fakeSubmitter struct {
	err   error
	subs  []card.Submission
	metas []card.Meta
}

var _ CardSubmitter = (*fakeSubmitter)(nil)

func (f *fakeSubmitter) Submit(_ context.Context, sub card.Submission, m card.Meta) (card.Result, error) {
	f.subs, f.metas = append(f.subs, sub), append(f.metas, m)
	if f.err != nil {
		return card.Result{}, f.err
	}
	return card.Result{Card: card.Card{ID: card.PrintedID(sub.StoreID, m.Serial), StoreID: sub.StoreID, Source: m.Source}, Created: len(f.subs) == 1}, nil
}

var (
	scanned = time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC)
	s001    = brand.Store{ID: "S001", TimeZone: "Asia/Taipei", Items: []string{"bread", "soup", "main"}, MainCourses: []string{"steak", "fish"}}
)

func waiting() Review {
	return Review{
		ID: ReviewID("S001", "SERIALAAAAAAAA"), StoreID: "S001", Serial: "SERIALAAAAAAAA", VisitDate: "2026-03-02",
		Answers:   Answers{"ratings.overall": "4", "ratings.item3": "2"},
		Questions: []Question{{Field: "ratings.service", Reason: "double", Candidates: []string{"", "4", "5"}, Confidence: 0.3}},
		Status:    Waiting, CreatedAt: scanned, Version: 1,
	}
}

func TestDecide(t *testing.T) {
	boom := &fault.Error{Code: fault.Unavailable, Message: "down"}
	tests := []struct {
		name      string
		review    func() Review
		version   int
		choices   map[string]string
		submitErr error
		saveErr   error
		wantCode  fault.Code // "" for success
		wantField string     // a field the error names
		wantSubs  int
		wantSaves int
	}{
		{name: "decided", review: waiting, version: 1, choices: map[string]string{"ratings.service": "5"}, wantSubs: 1, wantSaves: 1},
		{name: "unanswered is a choice", review: waiting, version: 1, choices: map[string]string{"ratings.service": ""}, wantSubs: 1, wantSaves: 1},
		{name: "stale version", review: waiting, version: 2, choices: map[string]string{"ratings.service": "5"}, wantCode: fault.Conflict},
		{name: "already decided", review: func() Review { r := waiting(); r.Status, r.DecidedBy = Decided, "a@example.com"; return r }, version: 1,
			choices: map[string]string{"ratings.service": "5"}, wantCode: fault.Conflict},
		{name: "not a candidate", review: waiting, version: 1, choices: map[string]string{"ratings.service": "1"}, wantCode: fault.Invalid, wantField: "choices.ratings.service"},
		{name: "missing choice", review: waiting, version: 1, choices: map[string]string{}, wantCode: fault.Invalid, wantField: "choices.ratings.service"},
		{name: "card rules refuse", review: func() Review {
			r := waiting()
			r.Questions = []Question{{Field: "ratings.item3", Reason: "invalid", Candidates: []string{"", "1", "2"}}}
			return r
		}, version: 1, choices: map[string]string{"ratings.item3": "1"},
			submitErr: fault.Fields([]fault.FieldError{{Field: "ratings.main", Rule: "range"}}), wantCode: fault.Invalid, wantField: "choices.ratings.item3", wantSubs: 1},
		{name: "card exists already counts as done", review: waiting, version: 1, choices: map[string]string{"ratings.service": "4"},
			submitErr: fault.New(fault.Conflict, "other answers"), wantSubs: 1, wantSaves: 1},
		{name: "storage down", review: waiting, version: 1, choices: map[string]string{"ratings.service": "4"}, submitErr: boom, wantCode: fault.Unavailable, wantSubs: 1},
		{name: "save fails", review: waiting, version: 1, choices: map[string]string{"ratings.service": "4"}, saveErr: boom, wantCode: fault.Unavailable, wantSubs: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.review()
			store := &fakeReviewStore{reviews: map[string]Review{r.ID: r}, saveErr: tt.saveErr}
			cards := &fakeSubmitter{err: tt.submitErr}
			s := NewReviews(store, fakeStores{"S001": s001}, cards, func() time.Time { return scanned.Add(time.Hour) })
			got, c, err := s.Decide(context.Background(), r.ID, tt.version, tt.choices, "m@example.com")
			if len(cards.subs) != tt.wantSubs || store.saves != tt.wantSaves {
				t.Errorf("submits %d, saves %d; want %d, %d", len(cards.subs), store.saves, tt.wantSubs, tt.wantSaves)
			}
			if tt.wantCode != "" {
				if fault.CodeOf(err) != tt.wantCode {
					t.Fatalf("error: got %v, want code %s", err, tt.wantCode)
				}
				if tt.wantField != "" {
					fe, _ := fault.As(err)
					if fe == nil || len(fe.Fields) == 0 || fe.Fields[0].Field != tt.wantField {
						t.Errorf("fields: got %+v, want %s", fe, tt.wantField)
					}
				}
				if tt.wantSaves == 0 && store.reviews[r.ID].Status != r.Status {
					t.Errorf("stored status: got %s, want %s unchanged", store.reviews[r.ID].Status, r.Status)
				}
				return
			}
			if err != nil {
				t.Fatalf("decide: got %v, want nil", err)
			}
			want := card.PrintedID("S001", r.Serial)
			if c.ID != want || got.CardID != want || got.Status != Decided || got.DecidedBy != "m@example.com" || got.Version != 2 {
				t.Errorf("got card %s, review %+v; want card %s, decided by m@example.com, version 2", c.ID, got, want)
			}
			if got.DecidedAt == nil || !got.DecidedAt.Equal(scanned.Add(time.Hour)) {
				t.Errorf("decided at: got %v, want the clock's time", got.DecidedAt)
			}
			sub, m := cards.subs[0], cards.metas[0]
			if m.Source != card.SourceScan || m.Serial != r.Serial || !m.Now.Equal(scanned) {
				t.Errorf("meta: got %+v, want source scan, the serial, the scan's time", m)
			}
			if sub.StoreID != "S001" || sub.VisitDate != "2026-03-02" || sub.Ratings["overall"] != 4 || sub.Ratings["main"] != 2 {
				t.Errorf("submission: got %+v, want the certain answers kept", sub)
			}
			if v := tt.choices["ratings.service"]; v != "" && sub.Ratings["service"] != 5 && sub.Ratings["service"] != 4 {
				t.Errorf("service: got %d, want the choice %s", sub.Ratings["service"], v)
			}
		})
	}
}

// TestDecideRetry: a decision whose save failed after the card was stored
// is retried with the same version; the card is submitted again (a
// replay), and the review is saved once.
func TestDecideRetry(t *testing.T) {
	r := waiting()
	store := &fakeReviewStore{reviews: map[string]Review{r.ID: r}, saveErr: errors.New("timeout")}
	cards := &fakeSubmitter{}
	s := NewReviews(store, fakeStores{"S001": s001}, cards, time.Now)
	choices := map[string]string{"ratings.service": "5"}
	if _, _, err := s.Decide(context.Background(), r.ID, 1, choices, "m"); err == nil {
		t.Fatal("first decide: got nil, want the save's error")
	}
	got, _, err := s.Decide(context.Background(), r.ID, 1, choices, "m")
	if err != nil || got.Status != Decided {
		t.Fatalf("retry: got %+v, %v; want decided", got, err)
	}
	if _, _, err := s.Decide(context.Background(), r.ID, 1, choices, "m"); fault.CodeOf(err) != fault.Conflict {
		t.Errorf("third decide: got %v, want a conflict", err)
	}
	if len(cards.subs) != 2 || store.saves != 1 {
		t.Errorf("submits %d, saves %d; want 2, 1", len(cards.subs), store.saves)
	}
}

// TestDecideByPrintedMenu: a review of a card printed before its store's
// menu changed maps its answers by the menu it was printed with, and the
// card is checked against that menu; one without a menu uses today's.
func TestDecideByPrintedMenu(t *testing.T) {
	today := brand.Store{ID: "S009", TimeZone: "Asia/Taipei", Items: []string{"pizza"}, MainCourses: []string{"margherita"}}
	tests := []struct {
		name  string
		menu  *Menu
		item  string
		items []string
	}{
		{"printed before the change", &Menu{Items: []string{"focaccia"}, MainCourses: []string{"ribeye"}}, "focaccia", []string{"focaccia"}},
		{"printed before batches were recorded", nil, "pizza", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := &fakeReviewStore{reviews: map[string]Review{"rv": {ID: "rv", StoreID: "S009", Serial: "SERIAL", Status: Waiting, Version: 1, Menu: tt.menu,
				Answers:   Answers{"ratings.item1": "5"},
				Questions: []Question{{Field: "ratings.overall", Reason: "double", Candidates: []string{"4", "2"}}}}}}
			subs := &fakeSubmitter{}
			if _, _, err := NewReviews(rs, fakeStores{"S009": today}, subs, time.Now).Decide(context.Background(), "rv", 1, map[string]string{"ratings.overall": "4"}, "m@example.com"); err != nil {
				t.Fatal(err)
			}
			if got := subs.subs[0].Ratings; got[tt.item] != 5 || len(got) != 2 {
				t.Errorf("ratings %v, want %s 5 and overall", got, tt.item)
			}
			if m := subs.metas[0]; len(m.PrintedItems) != len(tt.items) || (tt.items != nil && m.PrintedItems[0] != tt.items[0]) {
				t.Errorf("printed items %v, want %v", m.PrintedItems, tt.items)
			}
		})
	}
}
