package comments_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/comments"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/triage"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		name                   string
		score, q, meal, source string
		wantFields             []string
	}{
		{"empty", "", "", "", "", nil},
		{"all good", "low", " 牛排 ", "dinner", "scan", nil},
		{"score 5", "5", "", "", "", nil},
		{"score 0", "0", "", "", "", []string{"score"}},
		{"score word", "bad", "", "", "", []string{"score"}},
		{"meal and source", "", "", "brunch", "fax", []string{"meal", "source"}},
		{"long keyword", "", strings.Repeat("x", 201), "", "", []string{"q"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := comments.ParseFilter(tt.score, tt.q, tt.meal, tt.source)
			fe, _ := fault.As(err)
			var got []string
			if fe != nil {
				for _, x := range fe.Fields {
					got = append(got, x.Field)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.wantFields, ",") {
				t.Fatalf("bad fields: got %v (%v), want %v", got, err, tt.wantFields)
			}
			if err == nil && f.Query != strings.TrimSpace(tt.q) {
				t.Errorf("query: got %q, want it trimmed", f.Query)
			}
		})
	}
}

func TestFilterKeeps(t *testing.T) {
	online := card.Card{Source: card.SourceQR, Meal: "dinner", Ratings: map[string]int{"overall": 2}, Comment: "Steak was COLD"}
	paper := card.Card{Source: card.SourceScan, Meal: "lunch", Ratings: map[string]int{"overall": 5}}
	typed := card.Card{Source: card.SourceScan, Ratings: map[string]int{"overall": 4}, Comment: "服務很好"}
	silent := card.Card{Source: card.SourceQR, Ratings: map[string]int{"overall": 1}}
	tests := []struct {
		name string
		f    comments.Filter
		c    card.Card
		want bool
	}{
		{"a comment, no filter", comments.Filter{}, online, true},
		{"a handwritten paper card waits to be typed in", comments.Filter{}, paper, true},
		{"an online card without comment is not a comment", comments.Filter{}, silent, false},
		{"keyword, any case", comments.Filter{Query: "cold"}, online, true},
		{"keyword in Chinese", comments.Filter{Query: "服務"}, typed, true},
		{"keyword not there", comments.Filter{Query: "hot"}, online, false},
		{"a keyword never matches an untyped scan", comments.Filter{Query: "x"}, paper, false},
		{"low keeps 2", comments.Filter{Score: comments.ScoreLow}, online, true},
		{"low drops 4", comments.Filter{Score: comments.ScoreLow}, typed, false},
		{"score 5", comments.Filter{Score: "5"}, paper, true},
		{"score 5 drops 2", comments.Filter{Score: "5"}, online, false},
		{"meal", comments.Filter{Meal: "lunch"}, online, false},
		{"source", comments.Filter{Source: card.SourceScan}, typed, true},
		{"source drops online", comments.Filter{Source: card.SourceScan}, online, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.Keeps(tt.c); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

type fakeCards struct {
	calls int
	err   error
}

func (f *fakeCards) Transcribe(_ context.Context, c card.Card, comment, by string, at time.Time) (card.Card, error) {
	f.calls++
	if f.err != nil {
		return card.Card{}, f.err
	}
	c.Comment, c.TranscribedBy, c.TranscribedAt = comment, by, &at
	return c, nil
}

type fakeTriage struct {
	judged []string
	err    error
}

func (f *fakeTriage) Triage(_ context.Context, c card.Card) (triage.Decision, error) {
	f.judged = append(f.judged, c.Comment)
	return triage.Default().Judge(c), f.err
}

func TestTranscribe(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	scanned := card.Card{ID: "c1", Source: card.SourceScan, Ratings: map[string]int{"overall": 4}}
	done := scanned
	done.Comment, done.TranscribedBy = "食物中毒", "m@example.com"
	online := card.Card{ID: "c2", Source: card.SourceQR, Ratings: map[string]int{"overall": 4}}
	tests := []struct {
		name       string
		c          card.Card
		text       string
		storeErr   error
		triageErr  error
		wantCode   fault.Code
		wantWrites int
		wantJudged []string
		wantSev    triage.Severity
	}{
		{"food poisoning opens a visit", scanned, "  食物中毒  ", nil, nil, "", 1, []string{"食物中毒"}, triage.Visit},
		{"empty", scanned, "   ", nil, nil, fault.Invalid, 0, nil, ""},
		{"control characters", scanned, "a\x00b", nil, nil, fault.Invalid, 0, nil, ""},
		{"too long", scanned, strings.Repeat("字", card.MaxComment+1), nil, nil, fault.Invalid, 0, nil, ""},
		{"an online card", online, "hi", nil, nil, fault.Conflict, 0, nil, ""},
		{"typed in already, other text", done, "別的", nil, nil, fault.Conflict, 0, nil, ""},
		{"typed in already, same text: judged again, still a conflict", done, "食物中毒", nil, nil, fault.Conflict, 0, []string{"食物中毒"}, ""},
		{"someone was faster", scanned, "好", fault.New(fault.Conflict, "taken"), nil, fault.Conflict, 1, nil, ""},
		{"storage down", scanned, "好", &fault.Error{Code: fault.Unavailable, Message: "down"}, nil, fault.Unavailable, 1, nil, ""},
		{"triage down after the write", scanned, "食物中毒", nil, &fault.Error{Code: fault.Unavailable, Message: "down"}, fault.Unavailable, 1, []string{"食物中毒"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cards, cases := &fakeCards{err: tt.storeErr}, &fakeTriage{err: tt.triageErr}
			svc := comments.NewService(cards, cases, func() time.Time { return now })
			got, err := svc.Transcribe(context.Background(), tt.c, tt.text, "m@example.com")
			if fault.CodeOf(err) != tt.wantCode && !(tt.wantCode == "" && err == nil) {
				t.Fatalf("got %v (%s), want code %q", err, fault.CodeOf(err), tt.wantCode)
			}
			if cards.calls != tt.wantWrites || strings.Join(cases.judged, "|") != strings.Join(tt.wantJudged, "|") {
				t.Errorf("got %d writes, judged %q; want %d, %q", cards.calls, cases.judged, tt.wantWrites, tt.wantJudged)
			}
			if err == nil {
				if got.Card.Comment != "食物中毒" || got.Card.TranscribedAt == nil || !got.Card.TranscribedAt.Equal(now) || got.Decision.Severity != tt.wantSev {
					t.Errorf("got %+v", got)
				}
			}
		})
	}
}
