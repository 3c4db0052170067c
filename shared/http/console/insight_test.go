package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/chart"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

// fakeStores is the console's reader with two stores and no cards.
type fakeStores struct{}

func (fakeStores) Store(_ context.Context, id string) (brand.Store, error) {
	for _, s := range insightStores {
		if s.ID == id {
			return s, nil
		}
	}
	return brand.Store{}, fault.New(fault.NotFound, "No store %s.", id)
}

func (fakeStores) Stores(context.Context, string) ([]brand.Store, error) { return insightStores, nil }

func (fakeStores) CardsByStore(context.Context, card.StoreQuery) (card.Page, error) {
	return card.Page{}, nil
}

func (fakeStores) Card(context.Context, string) (card.Card, error) {
	return card.Card{}, fault.New(fault.NotFound, "No card.")
}

var insightStores = []brand.Store{
	{ID: "S001", BrandID: "wang", TimeZone: "Asia/Taipei", Language: i18n.ZhTW, Name: map[i18n.Lang]string{i18n.ZhTW: "信義店", i18n.En: "Xinyi"},
		Items: []string{"bread", "main"}},
	{ID: "S002", BrandID: "wang", TimeZone: "Asia/Shanghai", Language: i18n.ZhCN, Items: []string{"bread"}},
}

// fakeReports answers a fixed report and remembers what it was asked.
type fakeReports struct {
	calls  int
	store  string
	rg     insight.Range
	filter insight.Filter
	report insight.Report
}

func (f *fakeReports) Report(_ context.Context, st brand.Store, rg insight.Range, fl insight.Filter, _ insight.Targets) (insight.Report, error) {
	f.calls++
	f.store, f.rg, f.filter = st.ID, rg, fl
	r := f.report
	r.StoreID, r.From, r.To = st.ID, rg.From.Format(time.DateOnly), rg.To.Format(time.DateOnly)
	return r, nil
}

func insightHandler(r *fakeReports) *httpadapter.HandlerAdapterV2 {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := console.NewHandler(fakeStores{}, nil, nil, nil, nil, "/local/signin", "wang", log)
	if r != nil {
		h = h.WithInsight(r)
	}
	return httpadapter.NewV2(h)
}

// get sends GET path?query as user (a local part of @example.com, in
// groups, seeing stores; "" for no sign-in).
func get(t *testing.T, a *httpadapter.HandlerAdapterV2, path, query, user, groups, stores string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: path, RawQueryString: query,
		Headers: map[string]string{"accept-language": "en"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path, Protocol: "HTTP/1.1", SourceIP: "127.0.0.1"},
		},
	}
	if user != "" {
		req.Headers["authorization"] = "Bearer " + user + ".token"
		req.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{
				"sub": "local-" + user, "email": user + "@example.com", "cognito:groups": "[" + groups + "]", "custom:stores": "[" + stores + "]",
			}},
		}
	}
	resp, err := a.ProxyWithContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestInsightBadRequests(t *testing.T) {
	tests := []struct {
		name                 string
		path, query          string
		user, groups, stores string
		status               int
		problem              string // the type's last part
		field, rule          string
	}{
		{"malformed from", "/api/v1/stores/S001/insight", "from=2026-13-01&to=2026-11-30", "manager.s001", "store_manager", "S001", 400, "malformed", "from", "date"},
		{"malformed to", "/api/v1/stores/S001/insight", "to=yesterday", "manager.s001", "store_manager", "S001", 400, "malformed", "to", "date"},
		{"from after to", "/api/v1/stores/S001/insight", "from=2026-11-30&to=2026-11-01", "manager.s001", "store_manager", "S001", 400, "malformed", "to", "date_order"},
		{"401 days", "/api/v1/stores/S001/insight", "from=2025-10-26&to=2026-11-30", "ops", "operations", "", 400, "malformed", "from", "range_days"},
		{"unknown meal", "/api/v1/stores/S001/insight", "meal=brunch", "manager.s001", "store_manager", "S001", 400, "malformed", "meal", "one_of"},
		{"unknown source", "/api/v1/stores/S001/insight", "source=fax", "manager.s001", "store_manager", "S001", 400, "malformed", "source", "one_of"},
		{"another manager's store", "/api/v1/stores/S002/insight", "", "manager.s001", "store_manager", "S001", 403, "forbidden", "", ""},
		{"an area manager's other store", "/api/v1/stores/S001/insight", "", "area.asia", "area_manager", "S002,S003", 403, "forbidden", "", ""},
		{"not visible and unknown", "/api/v1/stores/S999/insight", "from=garbage", "manager.s001", "store_manager", "S001", 403, "forbidden", "", ""},
		{"unknown store", "/api/v1/stores/S999/insight", "", "ops", "operations", "", 404, "not_found", "", ""},
		{"signed out", "/api/v1/stores/S001/insight", "", "", "", "", 401, "unauthorized", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reports := &fakeReports{}
			resp := get(t, insightHandler(reports), tt.path, tt.query, tt.user, tt.groups, tt.stores)
			if resp.StatusCode != tt.status {
				t.Fatalf("got %d %s, want %d", resp.StatusCode, resp.Body, tt.status)
			}
			if ct := resp.Headers["Content-Type"]; ct != "application/problem+json" {
				t.Errorf("content type: got %q, want application/problem+json", ct)
			}
			var p respond.Problem
			if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(p.Type, "/"+tt.problem) || p.Status != tt.status {
				t.Errorf("problem: got type %q status %d, want …/%s %d", p.Type, p.Status, tt.problem, tt.status)
			}
			if tt.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != tt.field || p.Errors[0].Rule != tt.rule || p.Errors[0].Message == "" || strings.HasPrefix(p.Errors[0].Message, "rule.")) {
				t.Errorf("errors: got %+v, want one on %s by rule %s, in words", p.Errors, tt.field, tt.rule)
			}
			if reports.calls != 0 {
				t.Errorf("report computed %d times on a bad request, want 0", reports.calls)
			}
		})
	}
}

func TestInsightWithoutReportsIsUnavailable(t *testing.T) {
	resp := get(t, insightHandler(nil), "/api/v1/stores/S001/insight", "", "ops", "operations", "")
	if resp.StatusCode != 503 || resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("got %d %q, want 503 problem", resp.StatusCode, resp.Headers["Content-Type"])
	}
}

func TestInsightReport(t *testing.T) {
	reports := &fakeReports{report: insight.Report{
		TrendBy: "week", Trend: []insight.Point{{Period: "2026-11-01", Cards: 3, CSAT: 4, CSATN: 3}},
		Summary: insight.Summary{Figures: insight.Figures{Cards: 3, Online: 2, Paper: 1, Items: []insight.Item{
			{Item: "bread", N: 3, Avg: 4.333, TopBox: 0.333}, {Item: "main", N: 3, Avg: 3}, {Item: "overall", N: 3, Avg: 4},
		}}},
	}}
	a := insightHandler(reports)

	t.Run("defaults: the last 30 days in the store's time zone", func(t *testing.T) {
		resp := get(t, a, "/api/v1/stores/S001/insight", "", "manager.s001", "store_manager", "S001")
		if resp.StatusCode != 200 {
			t.Fatalf("got %d %s", resp.StatusCode, resp.Body)
		}
		today, _ := insightStores[0].Today(time.Now())
		if !reports.rg.To.Equal(today) || reports.rg.Len() != 30 {
			t.Errorf("range: got %s (%d days), want 30 days to %s", reports.rg, reports.rg.Len(), today.Format(time.DateOnly))
		}
		if len(reports.filter.Meals)+len(reports.filter.Sources) != 0 {
			t.Errorf("filter: got %+v, want none", reports.filter)
		}
	})

	t.Run("a range, a meal, a source, in zh-TW", func(t *testing.T) {
		resp := get(t, a, "/api/v1/stores/S001/insight", "from=2026-09-01&to=2026-11-30&meal=dinner&source=scan&lang=zh-TW", "area.taiwan", "area_manager", "S001")
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "application/json") {
			t.Fatalf("got %d %q %s", resp.StatusCode, resp.Headers["Content-Type"], resp.Body)
		}
		if reports.rg.String() != "2026-09-01..2026-11-30" || strings.Join(reports.filter.Meals, ",") != "dinner" || strings.Join(reports.filter.Sources, ",") != "scan" {
			t.Errorf("asked: got %s %+v, want 2026-09-01..2026-11-30, dinner, scan", reports.rg, reports.filter)
		}
		if cc := resp.Headers["Cache-Control"]; cc != "no-store" {
			t.Errorf("cache-control: got %q, want no-store", cc)
		}
		var got struct {
			StoreID   string            `json:"storeId"`
			StoreName string            `json:"storeName"`
			Meal      string            `json:"meal"`
			Source    string            `json:"source"`
			Empty     bool              `json:"empty"`
			Figures   insight.Figures   `json:"figures"`
			ItemNames map[string]string `json:"itemNames"`
			Targets   insight.Targets   `json:"targets"`
			Charts    map[string]chart.Drawn
			Order     []string `json:"chartOrder"`
		}
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
			t.Fatal(err)
		}
		if got.StoreID != "S001" || got.StoreName != "信義店" || got.Meal != "dinner" || got.Source != "scan" || got.Empty {
			t.Errorf("answer: got store %s %q meal %q source %q empty %v", got.StoreID, got.StoreName, got.Meal, got.Source, got.Empty)
		}
		if got.Figures.Cards != 3 || got.Figures.Paper != 1 || got.ItemNames["bread"] != "麵包" || got.Targets != insight.DefaultTargets {
			t.Errorf("figures: got %d cards, %d paper, bread %q, targets %+v", got.Figures.Cards, got.Figures.Paper, got.ItemNames["bread"], got.Targets)
		}
		if len(got.Order) != len(chart.Order) {
			t.Fatalf("chart order: got %v", got.Order)
		}
		for _, id := range got.Order {
			c := got.Charts[id]
			if !strings.HasPrefix(c.SVG, "<svg") || c.Title == "" {
				t.Errorf("chart %s: got title %q, svg %.40q", id, c.Title, c.SVG)
			}
		}
		items := got.Charts[chart.Items]
		if items.Title != "各項評分" || !strings.Contains(items.SVG, ">4.3<") || items.Table.Rows[0][1] != "4.3" || items.Table.Rows[0][2] != "33%" {
			t.Errorf("items chart in zh-TW: got title %q, rows %v", items.Title, items.Table.Rows)
		}
	})

	t.Run("a store with no cards is empty", func(t *testing.T) {
		empty := insightHandler(&fakeReports{})
		resp := get(t, empty, "/api/v1/stores/S002/insight", "", "ops", "operations", "")
		var got struct{ Empty bool }
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil || resp.StatusCode != 200 || !got.Empty {
			t.Errorf("got %d empty=%v (%v), want 200 empty", resp.StatusCode, got.Empty, err)
		}
	})
}
