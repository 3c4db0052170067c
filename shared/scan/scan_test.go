package scan_test

import (
	"testing"
	"time"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

var s001 = brand.Store{ID: "S001", Items: []string{"bread", "soup", "salad", "appetizer", "main"}, MainCourses: []string{"ribeye", "filet"}}

func TestSubmission(t *testing.T) {
	sub := scan.Submission(s001, "2026-11-23", scan.Answers{
		"ratings.item5": "1", "ratings.item6": "4", // item6: a slot S001 does not use
		"ratings.overall": "2", "ratings.service": "", "nps": "10", "firstVisit": "false", "visitCount": "5",
		"mainCourse": "2", "meal": "lunch", "diner.phone": "0912345678", "diner.birthday": "0229",
		"consent.contact": "true", "consent.marketing": "false", "diner.language": "en",
	})
	if sub.StoreID != "S001" || sub.VisitDate != "2026-11-23" || sub.SubmissionID != "" {
		t.Errorf("store %s date %s id %q", sub.StoreID, sub.VisitDate, sub.SubmissionID)
	}
	if len(sub.Ratings) != 2 || sub.Ratings["main"] != 1 || sub.Ratings["overall"] != 2 {
		t.Errorf("ratings: %v, want main 1 and overall 2 only", sub.Ratings)
	}
	if sub.NPS == nil || *sub.NPS != 10 || sub.FirstVisit == nil || *sub.FirstVisit || sub.VisitCount == nil || *sub.VisitCount != 5 {
		t.Errorf("nps %v firstVisit %v visitCount %v", sub.NPS, sub.FirstVisit, sub.VisitCount)
	}
	if sub.MainCourse != "filet" || sub.Meal != "lunch" || sub.Diner.Phone != "0912345678" || sub.Diner.Birthday != "02-29" || sub.Diner.Language != "en" {
		t.Errorf("course %q meal %q diner %+v", sub.MainCourse, sub.Meal, sub.Diner)
	}
	if !sub.Consent.Contact || sub.Consent.Marketing {
		t.Errorf("consent %+v", sub.Consent)
	}
	if empty := scan.Submission(s001, "2026-11-23", scan.Answers{}); empty.NPS != nil || empty.FirstVisit != nil || empty.Diner.Birthday != "" || len(empty.Ratings) != 0 {
		t.Errorf("an empty card: %+v", empty)
	}
}

func TestDecide(t *testing.T) {
	base := func() scan.Review {
		return scan.Review{Status: scan.Waiting, Answers: scan.Answers{"ratings.overall": "4"}, Questions: []scan.Question{
			{Field: "ratings.service", Candidates: []string{"", "2", "5"}},
			{Field: "diner.phone"}, // a digit grid: typed
		}}
	}
	tests := []struct {
		name    string
		choices map[string]string
		code    fault.Code
	}{
		{"every question answered", map[string]string{"ratings.service": "5", "diner.phone": "0912345678"}, ""},
		{"unanswered is a choice", map[string]string{"ratings.service": "", "diner.phone": ""}, ""},
		{"a value not among the candidates", map[string]string{"ratings.service": "3", "diner.phone": ""}, fault.Invalid},
		{"a question left out", map[string]string{"ratings.service": "5"}, fault.Invalid},
		{"letters in a digit grid", map[string]string{"ratings.service": "5", "diner.phone": "09x2"}, fault.Invalid},
		{"a field not asked", map[string]string{"ratings.service": "5", "diner.phone": "", "nps": "3"}, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			all, err := r.Decide(tt.choices, "manager.s001@example.com", time.Now())
			if fault.CodeOf(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if err != nil {
				if r.Status != scan.Waiting {
					t.Error("a refused decision changed the review")
				}
				return
			}
			if r.Status != scan.Decided || r.DecidedBy != "manager.s001@example.com" || all["ratings.overall"] != "4" || all["ratings.service"] != tt.choices["ratings.service"] {
				t.Errorf("review %+v, answers %v", r, all)
			}
			if _, err := r.Decide(tt.choices, "x", time.Now()); fault.CodeOf(err) != fault.Conflict {
				t.Errorf("deciding twice: got %v, want a conflict", err)
			}
		})
	}
}
