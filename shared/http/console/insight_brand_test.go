package console_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/insight"
)

// fakeRankings answers an empty brand report and remembers what it was
// asked.
type fakeRankings struct {
	calls  int
	brand  string
	stores []string
	rg     insight.Range
	filter insight.Filter
}

func (f *fakeRankings) Report(_ context.Context, brandID string, stores []brand.Store, rg insight.Range, fl insight.Filter, _ insight.Targets) (insight.BrandReport, error) {
	f.calls++
	f.brand, f.rg, f.filter, f.stores = brandID, rg, fl, nil
	rep := insight.BrandReport{BrandID: brandID, Summary: insight.Summary{Figures: insight.Figures{Cards: 7}}}
	for _, st := range stores {
		f.stores = append(f.stores, st.ID)
		rep.Stores = append(rep.Stores, insight.StoreRow{StoreID: st.ID})
	}
	return rep, nil
}

func brandInsightHandler(r *fakeRankings) *httpadapter.HandlerAdapterV2 {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := console.NewHandler(fakeStores{}, nil, nil, nil, nil, "/local/signin", "wang", log)
	if r != nil {
		h = h.WithBrandInsight(r)
	}
	return httpadapter.NewV2(h)
}

// noStores is the console's reader of a brand without stores.
type noStores struct{ fakeStores }

func (noStores) Stores(context.Context, string) ([]brand.Store, error) { return nil, nil }

func TestBrandInsightBadRequests(t *testing.T) {
	tests := []struct {
		name                 string
		path, query          string
		user, groups, stores string
		status               int
		problem              string
		field, rule          string
	}{
		{"a store manager", "/api/v1/brands/wang/insight", "", "manager.s001", "store_manager", "S001", 403, "forbidden", "", ""},
		{"a store manager, bad dates too", "/api/v1/brands/wang/insight", "from=garbage", "manager.s001", "store_manager", "S001", 403, "forbidden", "", ""},
		{"another brand", "/api/v1/brands/other/insight", "", "ops", "operations", "", 403, "forbidden", "", ""},
		{"an area manager of no store of the brand", "/api/v1/brands/wang/insight", "", "area.far", "area_manager", "S777", 403, "forbidden", "", ""},
		{"malformed from", "/api/v1/brands/wang/insight", "from=2026-02-30&to=2026-03-01", "ops", "operations", "", 400, "malformed", "from", "date"},
		{"from after to", "/api/v1/brands/wang/insight", "from=2026-11-30&to=2026-11-01", "area.asia", "area_manager", "S002", 400, "malformed", "to", "date_order"},
		{"401 days", "/api/v1/brands/wang/insight", "from=2025-10-26&to=2026-11-30", "admin", "admin", "", 400, "malformed", "from", "range_days"},
		{"unknown source", "/api/v1/brands/wang/insight", "source=fax", "marketing", "marketing", "", 400, "malformed", "source", "one_of"},
		{"signed out", "/api/v1/brands/wang/insight", "", "", "", "", 401, "unauthorized", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeRankings{}
			resp := get(t, brandInsightHandler(r), tt.path, tt.query, tt.user, tt.groups, tt.stores)
			checkProblem(t, resp.StatusCode, resp.Headers["Content-Type"], resp.Body, tt.status, tt.problem, tt.field, tt.rule)
			if r.calls != 0 {
				t.Errorf("report computed %d times on a bad request, want 0", r.calls)
			}
		})
	}
	t.Run("unknown brand", func(t *testing.T) {
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		h := console.NewHandler(noStores{}, nil, nil, nil, nil, "/local/signin", "wang", log).WithBrandInsight(&fakeRankings{})
		resp := get(t, httpadapter.NewV2(h), "/api/v1/brands/wang/insight", "", "ops", "operations", "")
		checkProblem(t, resp.StatusCode, resp.Headers["Content-Type"], resp.Body, 404, "not_found", "", "")
	})
	t.Run("without rankings", func(t *testing.T) {
		resp := get(t, brandInsightHandler(nil), "/api/v1/brands/wang/insight", "", "ops", "operations", "")
		checkProblem(t, resp.StatusCode, resp.Headers["Content-Type"], resp.Body, 503, "unavailable", "", "")
	})
}

func checkProblem(t *testing.T, status int, contentType, body string, wantStatus int, problem, field, rule string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("got %d %s, want %d", status, body, wantStatus)
	}
	if contentType != "application/problem+json" {
		t.Errorf("content type: got %q, want application/problem+json", contentType)
	}
	var p respond.Problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.Type, "/"+problem) || p.Status != wantStatus {
		t.Errorf("problem: got type %q status %d, want …/%s %d", p.Type, p.Status, problem, wantStatus)
	}
	if field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != field || p.Errors[0].Rule != rule || p.Errors[0].Message == "") {
		t.Errorf("errors: got %+v, want one on %s by rule %s, in words", p.Errors, field, rule)
	}
}

// TestBrandInsightScope: operations rank every store of the brand, an area
// manager only theirs, and the answer names them in the reader's language.
func TestBrandInsightScope(t *testing.T) {
	tests := []struct {
		name, user, groups, stores string
		scope                      string
		ranked                     []string
	}{
		{"operations", "ops", "operations", "", "brand", []string{"S001", "S002"}},
		{"marketing", "marketing", "marketing", "", "brand", []string{"S001", "S002"}},
		{"an area manager", "area.taiwan", "area_manager", "S001", "area", []string{"S001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeRankings{}
			resp := get(t, brandInsightHandler(r), "/api/v1/brands/wang/insight", "from=2026-11-01&to=2026-11-30&meal=lunch&lang=zh-TW", tt.user, tt.groups, tt.stores)
			if resp.StatusCode != 200 {
				t.Fatalf("got %d %s, want 200", resp.StatusCode, resp.Body)
			}
			if !slices.Equal(r.stores, tt.ranked) || r.brand != "wang" || r.rg.String() != "2026-11-01..2026-11-30" || !slices.Equal(r.filter.Meals, []string{"lunch"}) {
				t.Errorf("asked: brand %s stores %v %s %+v; want wang %v 2026-11-01..2026-11-30 lunch", r.brand, r.stores, r.rg, r.filter, tt.ranked)
			}
			var got struct {
				Scope      string             `json:"scope"`
				StoreNames map[string]string  `json:"storeNames"`
				Stores     []insight.StoreRow `json:"stores"`
				Empty      bool               `json:"empty"`
				Lang       string             `json:"lang"`
			}
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Scope != tt.scope || len(got.Stores) != len(tt.ranked) || got.Empty || got.Lang != "zh-TW" {
				t.Errorf("answer: got %+v, want scope %s, %d stores, not empty, zh-TW", got, tt.scope, len(tt.ranked))
			}
			if got.StoreNames["S001"] != "信義店" {
				t.Errorf("S001's name: got %q, want 信義店", got.StoreNames["S001"])
			}
			if _, ok := got.StoreNames["S002"]; ok != (tt.scope == "brand") {
				t.Errorf("S002 named: %v, want only when every store is ranked", ok)
			}
		})
	}
}
