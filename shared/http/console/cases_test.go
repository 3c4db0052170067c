package console_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casework"
)

type noSend struct{}

func (noSend) SendNotice(context.Context, casework.Notice, casework.Case) (string, error) {
	return "local", nil
}

// TestCaseStatsFollowTheCase works a case through acknowledge, a reached call
// and resolve, and reads the store's numbers after each step.
func TestCaseStatsFollowTheCase(t *testing.T) {
	e := newLambdaEnv(t)
	db := allstores.New(dynamodb.NewFromConfig(e.env.Config), e.env.Table())
	cards := intake.NewService(db, db, time.Now)
	cases := casework.NewService(db, db, noSend{}, time.Now)
	ctx := context.Background()
	res, err := cards.Submit(ctx, card.Submission{StoreID: "S001", Ratings: map[string]int{"main": 1, "overall": 3},
		Diner: card.DinerInput{Phone: "0912000111"}, Consent: card.ConsentInput{Contact: true}}, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cases.Triage(ctx, res.Card); err != nil {
		t.Fatal(err)
	}
	id := casework.ID("S001", res.Card.Diner.Key, res.Card.ID, res.Card.VisitDate)

	stats := func() casework.Stats {
		t.Helper()
		req := fixture(t, "console/get-store-cards.json")
		req.RawPath = "/api/v1/stores/S001/case-stats"
		req.RequestContext.HTTP.Path = req.RawPath
		req.RawQueryString, req.QueryStringParameters = "", nil
		resp, err := e.console.ProxyWithContext(ctx, req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("case stats: got %d %s, %v", resp.StatusCode, resp.Body, err)
		}
		var body struct{ Total casework.Stats }
		if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
			t.Fatal(err)
		}
		return body.Total
	}
	if s := stats(); s.OpenedApology != 1 || s.Acknowledged != 0 {
		t.Fatalf("after opening: got %+v", s)
	}
	act := func(a casework.Action) {
		t.Helper()
		k, err := cases.Record(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a.By, a.Version = "manager.s001@example.com", k.Case.Version
		if _, err := cases.Act(ctx, id, a); err != nil {
			t.Fatalf("%s: %v", a.Kind, err)
		}
	}
	act(casework.Action{Kind: "acknowledge"})
	act(casework.Action{Kind: "contact", Contact: casework.Contact{Outcome: casework.Reached, ApologyGiven: true, Satisfied: "yes"}})
	act(casework.Action{Kind: "resolve"})
	s := stats()
	if s.Acknowledged != 1 || s.FirstContacted != 1 || s.ContactedWithinSLA != 1 || s.Resolved != 1 || s.ResolvedFirstContact != 1 {
		t.Errorf("after resolving: got %+v", s)
	}
	if s.ContactedWithinSLAShare != 1 || s.FirstContactResolutionShare != 1 {
		t.Errorf("shares: got %v within SLA, %v first-contact resolution; want 1 and 1", s.ContactedWithinSLAShare, s.FirstContactResolutionShare)
	}
}
