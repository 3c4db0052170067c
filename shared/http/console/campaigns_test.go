package console_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"

	"github.com/cardloop/cardloop/shared/diner"
	"github.com/cardloop/cardloop/shared/greeting"
)

// campaignRequest turns the create-campaign fixture into another campaign
// request by user (a local-part of @example.com; "" for no sign-in).
func campaignRequest(t testing.TB, method, path, body, user, groups string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	req := fixture(t, "console/create-campaign.json")
	req.RawPath, req.RequestContext.HTTP.Path, req.RequestContext.HTTP.Method = path, path, method
	req.RouteKey, req.RequestContext.RouteKey = method+" "+path, method+" "+path
	req.Body = body
	if body == "-" {
		req.Body = fixture(t, "console/create-campaign.json").Body
	}
	req.RequestContext.Authorizer.JWT.Claims = map[string]string{
		"sub": "local-" + user, "email": user + "@example.com", "cognito:groups": "[" + groups + "]", "custom:brand": "wang",
	}
	return req
}

type campaignAPI struct {
	t *testing.T
	e *lambdaEnv
}

// do sends a request and decodes a 2xx body into out.
func (a campaignAPI) do(method, path, body, user, groups string, want int, out any) events.APIGatewayV2HTTPResponse {
	a.t.Helper()
	resp, err := a.e.console.ProxyWithContext(context.Background(), campaignRequest(a.t, method, path, body, user, groups))
	if err != nil {
		a.t.Fatal(err)
	}
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s as %s: got %d %s, want %d", method, path, user, resp.StatusCode, resp.Body, want)
	}
	if resp.StatusCode >= 300 && resp.Headers["Content-Type"] != "application/problem+json" {
		a.t.Errorf("%s %s: error answered as %q, want application/problem+json", method, path, resp.Headers["Content-Type"])
	}
	if out != nil {
		if err := json.Unmarshal([]byte(resp.Body), out); err != nil {
			a.t.Fatalf("%s %s: %v in %s", method, path, err, resp.Body)
		}
	}
	return resp
}

func version(v int) string { return `{"version":` + strconv.Itoa(v) + `}` }

// TestCampaignLifecycle takes the fixture campaign (two stores) from draft
// to scheduled through the API: its author may not approve it, a second
// marketer may; stale versions, other roles and bad input are refused with
// problem documents; an edit returns it to draft.
func TestCampaignLifecycle(t *testing.T) {
	e := newLambdaEnv(t)
	api := campaignAPI{t, e}

	var c greeting.Campaign
	resp := api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &c)
	if c.Status != greeting.Draft || c.CreatedBy != "marketing@example.com" || c.Version != 1 || resp.Headers["Location"] != "/api/v1/campaigns/"+c.ID {
		t.Fatalf("created: got %+v, location %q", c, resp.Headers["Location"])
	}
	path := "/api/v1/campaigns/" + c.ID

	api.do("POST", "/api/v1/campaigns", "-", "manager.s001", "store_manager", 403, nil)
	api.do("GET", path, "", "ops", "operations", 403, nil)
	api.do("POST", path+"/approve", version(1), "marketing", "marketing", 403, nil)  // its author
	api.do("POST", path+"/schedule", version(1), "marketing", "marketing", 409, nil) // not approved
	api.do("POST", path+"/approve", version(0), "marketing.lead", "marketing", 409, nil)
	api.do("POST", path+"/approve", `{}`, "marketing.lead", "marketing", 422, nil)
	api.do("POST", path+"/approve", version(1), "marketing.lead", "marketing", 200, &c)
	if c.Status != greeting.Approved || c.ApprovedBy != "marketing.lead@example.com" {
		t.Fatalf("approved: got %s by %q", c.Status, c.ApprovedBy)
	}
	api.do("POST", path+"/schedule", version(c.Version), "marketing", "marketing", 200, &c)
	if c.Status != greeting.Scheduled {
		t.Fatalf("scheduled: got %s", c.Status)
	}

	// An edit of a scheduled campaign sends it back to draft, unapproved.
	var edited map[string]any
	if err := json.Unmarshal([]byte(fixture(t, "console/create-campaign.json").Body), &edited); err != nil {
		t.Fatal(err)
	}
	edited["name"], edited["version"] = "Mid-Autumn 2027 (v2)", c.Version
	b, _ := json.Marshal(edited)
	c = greeting.Campaign{}
	api.do("PUT", path, string(b), "marketing", "marketing", 200, &c)
	if c.Status != greeting.Draft || c.ApprovedBy != "" || c.Name != "Mid-Autumn 2027 (v2)" {
		t.Fatalf("after edit: got %s approved by %q, name %q", c.Status, c.ApprovedBy, c.Name)
	}
	api.do("PUT", path, string(b), "marketing", "marketing", 409, nil) // the same version again: stale

	var list struct{ Campaigns []greeting.Campaign }
	api.do("GET", "/api/v1/campaigns", "", "admin", "admin", 200, &list)
	if !containsCampaign(list.Campaigns, c.ID) {
		t.Errorf("list: %s missing", c.ID)
	}
	api.do("POST", path+"/cancel", version(c.Version), "marketing", "marketing", 200, &c)
	if c.Status != greeting.Cancelled {
		t.Errorf("cancelled: got %s", c.Status)
	}
	api.do("POST", path+"/cancel", version(c.Version), "marketing", "marketing", 409, nil)
	api.do("GET", "/api/v1/campaigns/cmp-nope", "", "marketing", "marketing", 404, nil)
}

func containsCampaign(cs []greeting.Campaign, id string) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// TestCampaignBadInput: every bad field is named, in the reader's language,
// and nothing is written.
func TestCampaignBadInput(t *testing.T) {
	e := newLambdaEnv(t)
	api := campaignAPI{t, e}
	before := e.itemCount(t)
	tests := []struct {
		name, body string
		status     int
		fields     []string
	}{
		{"not JSON", `{"name":`, 400, []string{"body"}},
		{"unknown field", `{"name":"x","colour":"red"}`, 400, []string{"body"}},
		{"empty", `{}`, 422, []string{"name", "occasion", "content"}},
		{"quiet hour, unknown placeholder, unknown store", `{"name":"x","occasion":"birthday","sendHour":22,"segment":{"stores":["S999"]},
			"content":{"en":{"subject":"Hi {nom}","body":"Hello"}}}`, 422, []string{"segment.stores[0]"}},
		{"holiday without a year", `{"name":"x","occasion":"christmas","sendHour":10,"content":{"en":{"subject":"Hi","body":"Hello"}}}`, 422, []string{"year"}},
		{"coupon without prefix", `{"name":"x","occasion":"birthday","sendHour":10,"content":{"en":{"subject":"Hi","body":"Code {coupon}"}}}`, 422, []string{"couponPrefix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p struct {
				Title  string
				Errors []struct{ Field, Message string }
			}
			api.do("POST", "/api/v1/campaigns", tt.body, "marketing", "marketing", tt.status, &p)
			for _, f := range tt.fields {
				found := false
				for _, fe := range p.Errors {
					found = found || fe.Field == f && fe.Message != "" && !strings.HasPrefix(fe.Message, "rule.")
				}
				if !found {
					t.Errorf("field %s not named (with a message) in %+v", f, p.Errors)
				}
			}
		})
	}
	// Problems come in the reader's language (the fixture asks for zh-TW).
	var p struct{ Title string }
	api.do("POST", "/api/v1/campaigns", `{}`, "marketing", "marketing", 422, &p)
	if !strings.ContainsFunc(p.Title, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		t.Errorf("title %q is not in Chinese", p.Title)
	}
	if after := e.itemCount(t); after != before {
		t.Errorf("items: %d before, %d after bad input", before, after)
	}
}

// TestCampaignPreviewSegmentAndTestSend previews the fixture campaign for a
// sample diner, counts its segment over real diner profiles, and test-sends
// it through SES to an address, where the emulator shows it arrived.
func TestCampaignPreviewSegmentAndTestSend(t *testing.T) {
	e := newLambdaEnv(t)
	api := campaignAPI{t, e}
	var c greeting.Campaign
	api.do("POST", "/api/v1/campaigns", "-", "marketing", "marketing", 201, &c)
	path := "/api/v1/campaigns/" + c.ID

	var pv struct {
		Subject, Text, HTML string
		Headers             map[string]string
	}
	api.do("POST", path+"/preview", `{"name":"林小姐","storeId":"S001","lang":"zh-TW"}`, "marketing", "marketing", 200, &pv)
	if !strings.HasPrefix(pv.Subject, "林小姐，") || !strings.Contains(pv.Subject, "祝您中秋節快樂") ||
		!strings.Contains(pv.Text, "中秋節將至") || !strings.Contains(pv.Text, "MOON27-") || pv.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
		t.Errorf("preview: subject %q, text %q, headers %v", pv.Subject, pv.Text, pv.Headers)
	}
	api.do("POST", path+"/preview", `{"storeId":"S003"}`, "marketing", "marketing", 422, nil) // not in the segment
	api.do("POST", path+"/preview", `{"lang":"en"}`, "marketing", "marketing", 200, &pv)
	if !strings.HasPrefix(pv.Subject, "Happy Mid-Autumn Festival from") {
		t.Errorf("English preview: %q", pv.Subject)
	}

	db := allstores.New(dynamodb.NewFromConfig(e.env.Config), e.env.Table())
	ctx := context.Background()
	now := time.Now().UTC()
	recent := now.AddDate(0, -1, 0).Format(time.DateOnly)
	for i, d := range []struct {
		store, last string
		state       diner.MarketingState
	}{
		{"S001", recent, diner.MarketingConfirmed},
		{"S001", recent, diner.MarketingConfirmed},
		{"S001", now.AddDate(-2, 0, 0).Format(time.DateOnly), diner.MarketingConfirmed}, // not within 12 months
		{"S001", recent, diner.MarketingPending},                                        // not confirmed
		{"S002", recent, diner.MarketingConfirmed},
		{"S003", recent, diner.MarketingConfirmed}, // not a segment store
	} {
		p := diner.Profile{BrandID: "wang", Key: "email:seg" + strconv.Itoa(i) + "@example.net", Email: "seg" + strconv.Itoa(i) + "@example.net",
			LastStoreID: d.store, LastVisitDate: d.last, Visits: 1, Birthday: "03-04", UpdatedAt: now}
		if err := db.PutDiner(ctx, p); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SyncMarketing(ctx, p, d.state); err != nil {
			t.Fatal(err)
		}
	}
	var seg greeting.SegmentCount
	api.do("GET", path+"/segment", "", "marketing", "marketing", 200, &seg)
	if seg.Diners != 3 || seg.Stores["S001"] != 2 || seg.Stores["S002"] != 1 || len(seg.Stores) != 2 {
		t.Errorf("segment: got %+v, want 3 (S001 2, S002 1)", seg)
	}

	var sent struct{ MessageID string }
	api.do("POST", path+"/test-send", `{"to":"not an address"}`, "marketing", "marketing", 422, nil)
	api.do("POST", path+"/test-send", `{"to":"proof@example.com","lang":"zh-TW","name":"林小姐"}`, "marketing", "marketing", 202, &sent)
	if sent.MessageID == "" {
		t.Fatal("test send: no message id")
	}
	msgs := e.sentMail(t)
	found := false
	for _, m := range msgs {
		found = found || strings.Contains(m, "proof@example.com") && strings.Contains(m, "X-Cardloop-Test: 1")
	}
	if !found {
		t.Errorf("no test message to proof@example.com among %d sent", len(msgs))
	}
	// A test send counts in no result.
	api.do("GET", path, "", "marketing", "marketing", 200, &c)
	if c.Results != (greeting.Results{}) {
		t.Errorf("results after a test send: %+v", c.Results)
	}
}

// sentMail returns the raw messages the emulator's SES has accepted.
func (e *lambdaEnv) sentMail(t *testing.T) []string {
	t.Helper()
	msgs, err := emulator.SentRaw(emulator.EnsureEndpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
