package diners_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/diners"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/triage"
)

// memStores and memCards keep the benchmark free of I/O, so it measures
// decoding, validation, normalisation and the Lambda adapter alone.
type memStores struct{}

func (memStores) Store(_ context.Context, id string) (brand.Store, error) {
	if id != "S001" {
		return brand.Store{}, fault.New(fault.NotFound, "no store")
	}
	return brand.Store{ID: "S001", BrandID: "wang", Country: "TW", TimeZone: "Asia/Taipei", Language: i18n.ZhTW,
		Items: []string{"bread", "soup", "main"}, MainCourses: []string{"ribeye"}}, nil
}

func (memStores) Rules(context.Context, string, string) (triage.Rules, error) {
	return triage.Default(), nil
}

func (memStores) Brand(_ context.Context, id string) (brand.Brand, error) {
	return brand.Brand{ID: id}, nil
}

type memCards struct{}

func (memCards) SaveCard(_ context.Context, c card.Card) (card.Card, bool, error) {
	return c, true, nil
}

func BenchmarkPostCardNoIO(b *testing.B) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := httpadapter.NewV2(diners.NewCardHandler(intake.NewService(memStores{}, memCards{}, time.Now), memStores{}, log))
	for i := 0; b.Loop(); i++ {
		ev := events.APIGatewayV2HTTPRequest{
			RawPath: "/api/v1/cards", Headers: map[string]string{"content-type": "application/json"},
			RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "x", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: "/api/v1/cards"}},
			Body:           fmt.Sprintf(`{"storeId":"S001","submissionId":"b-%d","mainCourse":"ribeye","ratings":{"overall":4,"main":1,"bread":5},"nps":7,"comment":"%s","diner":{"name":"林小姐","phone":"0912 345 678","email":"lin@example.com","birthday":"11-25"},"consent":{"contact":true}}`, i, strings.Repeat("牛排太老了", 40)),
		}
		r, err := h.ProxyWithContext(context.Background(), ev)
		if err != nil || r.StatusCode != 201 {
			b.Fatalf("got %d %s, %v", r.StatusCode, r.Body, err)
		}
	}
}
