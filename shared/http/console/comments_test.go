package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/exportstore"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/comments"
	"github.com/cardloop/cardloop/shared/export"
	"github.com/cardloop/cardloop/shared/greeting"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/link"
	"github.com/cardloop/cardloop/shared/scan"
)

// insightEnv is the console wired as ConsoleFunction wires it for the
// Comments view and the export: real stores, bucket and mail in the
// emulator, the case service that triages a transcribed comment.
type insightEnv struct {
	*lambdaEnv
	api      *httpadapter.HandlerAdapterV2
	log      *exportstore.Exports
	cases    *casework.Service
	uploads  *s3bucket.Uploads
	s3       *s3.Client
	intake   *intake.Service
	lastDay  string // yesterday, UTC: a recent visit date in every time zone
	fromDay  string
	todayUTC string
}

func newInsightEnv(t *testing.T, limits export.Limits) *insightEnv {
	t.Helper()
	return insightOn(t, newLambdaEnv(t), limits)
}

// insightOn wires the console over e's table and bucket.
func insightOn(t *testing.T, e *lambdaEnv, limits export.Limits) *insightEnv {
	t.Helper()
	table := dynamo.New(e.calls, e.env.Table())
	mail := sesmail.New(sesv2.NewFromConfig(e.env.Config), e.env.Resources["SenderIdentity"].Name, "")
	cases := casework.NewService(e.db, e.db, casemail.New(mail, e.db, e.db, e.db, testSigner(t), "http://127.0.0.1:8080", link.DefaultTTL), time.Now)
	s3api := s3.NewFromConfig(e.env.Config, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := e.env.Resources["ScanBucket"].Name
	uploads := s3bucket.NewUploads(s3api, s3.NewPresignClient(s3api), bucket)
	log := exportstore.New(table)
	n := 0
	exports := export.NewService(e.db, e.db, log, uploads, time.Now, func() string { n++; return "x" + string(rune('a'+n)) }).WithLimits(limits)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := console.NewHandler(e.db, e.db, greeting.NewDesk(e.db, mail, "http://127.0.0.1:8080", time.Now),
		scan.NewReviews(e.db, e.db, intake.NewService(e.db, e.db, time.Now), time.Now), e.crops, "/local/signin", "wang", quiet).
		WithExports(exports).
		WithComments(comments.NewService(e.db, cases, time.Now))
	now := time.Now().UTC()
	return &insightEnv{lambdaEnv: e, api: httpadapter.NewV2(h), log: log, cases: cases, uploads: uploads, s3: s3api,
		intake:  intake.NewService(e.db, e.db, time.Now),
		lastDay: now.Add(-24 * time.Hour).Format(time.DateOnly), fromDay: now.Add(-10 * 24 * time.Hour).Format(time.DateOnly),
		todayUTC: now.Format(time.DateOnly)}
}

// call sends a console request (path with its query) as user in groups,
// responsible for stores.
func (e *insightEnv) call(t *testing.T, method, target, body, user, groups, stores string) events.APIGatewayV2HTTPResponse {
	t.Helper()
	p, q, _ := strings.Cut(target, "?")
	req := campaignRequest(t, method, p, body, user, groups)
	req.RawQueryString = q
	vals, _ := url.ParseQuery(q)
	req.QueryStringParameters = map[string]string{}
	for k := range vals {
		req.QueryStringParameters[k] = vals.Get(k)
	}
	req.RequestContext.Authorizer.JWT.Claims["custom:stores"] = stores
	resp, err := e.api.ProxyWithContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func (e *insightEnv) manager(t *testing.T, method, target, body string, want int) events.APIGatewayV2HTTPResponse {
	t.Helper()
	resp := e.call(t, method, target, body, "manager.s001", "store_manager", "S001")
	if resp.StatusCode != want {
		t.Fatalf("%s %s: got %d %s, want %d", method, target, resp.StatusCode, resp.Body, want)
	}
	if want >= 300 && resp.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("%s %s: error answered as %q, want application/problem+json", method, target, resp.Headers["Content-Type"])
	}
	return resp
}

// submit stores a card of S001 visited yesterday.
func (e *insightEnv) submit(t *testing.T, sub card.Submission, m card.Meta) card.Card {
	t.Helper()
	sub.StoreID, sub.VisitDate = "S001", e.lastDay
	if sub.Ratings == nil {
		sub.Ratings = map[string]int{"overall": 4, "main": 4}
	}
	res, err := e.intake.Submit(context.Background(), sub, m)
	if err != nil || !res.Created {
		t.Fatalf("submit: got %+v, %v", res, err)
	}
	return res.Card
}

// counter reads one insight counter of S001 (0 when absent).
func (e *insightEnv) counter(t *testing.T, sk, name string) string {
	t.Helper()
	out, err := e.ddb.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(e.env.Table()), Key: dynamo.Key("STORE#S001", sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if v, ok := out.Item[name]; ok {
		b, _ := json.Marshal(v)
		_ = json.Unmarshal(b, &m)
		return m["Value"].(string)
	}
	return "0"
}

type commentList struct {
	Comments []struct {
		CardID, Comment, Source, Crop, TranscribedBy string
		Handwritten                                  bool
	}
	NextCursor string
}

// TestTranscribeHandwrittenComment: a scanned card without comment shows
// in the Comments view with its crop; typing in "食物中毒" saves the
// comment, makes it searchable, adds one to the store-day's comments
// counters and opens one in-person-visit case; a second transcription is a
// 409 that changes nothing.
func TestTranscribeHandwrittenComment(t *testing.T) {
	e := newInsightEnv(t, export.DefaultLimits)
	ctx := context.Background()
	paper := e.submit(t, card.Submission{Diner: card.DinerInput{Phone: "0912 000 111"}, Consent: card.ConsentInput{Contact: true}}, scan.Meta("TRANSCRIBE0001", time.Now()))
	online := e.submit(t, card.Submission{Comment: "牛排很嫩"}, card.Meta{Source: card.SourceQR})
	img := image.NewGray(image.Rect(0, 0, 60, 20))
	var crop bytes.Buffer
	if err := png.Encode(&crop, img); err != nil {
		t.Fatal(err)
	}
	if err := e.crops.Put(ctx, scan.CropPrefix("S001", "TRANSCRIBE0001")+"comment.png", "image/png", crop.Bytes()); err != nil {
		t.Fatal(err)
	}
	q := "?from=" + e.fromDay + "&to=" + e.todayUTC

	var list commentList
	resp := e.manager(t, "GET", "/api/v1/stores/S001/comments"+q, "", 200)
	if err := json.Unmarshal([]byte(resp.Body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Comments) != 2 {
		t.Fatalf("comments: got %+v, want the paper card and the online one", list.Comments)
	}
	for _, c := range list.Comments {
		if c.CardID == paper.ID && (!c.Handwritten || c.Crop != "/api/v1/cards/"+paper.ID+"/crops/comment") {
			t.Errorf("paper card: got %+v, want handwritten with its crop", c)
		}
	}
	got := e.manager(t, "GET", "/api/v1/cards/"+paper.ID+"/crops/comment", "", 200)
	if got.Headers["Content-Type"] != "image/png" {
		t.Errorf("crop: got %s", got.Headers["Content-Type"])
	}
	e.manager(t, "GET", "/api/v1/cards/"+online.ID+"/crops/comment", "", 404)

	day, week, month := "INSIGHT#D#"+e.lastDay, "", "INSIGHT#M#"+e.lastDay[:7]
	d, _ := time.Parse(time.DateOnly, e.lastDay)
	week = "INSIGHT#W#" + e.lastDay[:7] + "-W" + string(rune('0'+(d.Day()-1)/7+1))

	path := "/api/v1/cards/" + paper.ID + "/transcription"
	e.manager(t, "POST", path, `{"comment":"   "}`, 422)
	e.manager(t, "POST", path, `{"text":"x"}`, 400)
	e.manager(t, "POST", "/api/v1/cards/"+online.ID+"/transcription", `{"comment":"x"}`, 409)
	if resp := e.call(t, "POST", path, `{"comment":"x"}`, "manager.s002", "store_manager", "S002"); resp.StatusCode != 404 {
		t.Errorf("another store's manager: got %d, want 404", resp.StatusCode)
	}
	if n := e.counter(t, day, "-/scan/comments"); n != "0" {
		t.Fatalf("comments counter before: got %s, want 0", n)
	}

	resp = e.manager(t, "POST", path, `{"comment":"昨晚吃完食物中毒"}`, 200)
	var out struct{ Comment, Severity, TranscribedBy string }
	if err := json.Unmarshal([]byte(resp.Body), &out); err != nil || out.Comment != "昨晚吃完食物中毒" || out.Severity != "in_person_visit" || out.TranscribedBy != "manager.s001@example.com" {
		t.Fatalf("transcription: got %s, %v", resp.Body, err)
	}
	second := e.manager(t, "POST", path, `{"comment":"昨晚吃完食物中毒"}`, 409)
	if !strings.Contains(second.Body, `"transcribed"`) {
		t.Errorf("second transcription: got %s, want the rule transcribed", second.Body)
	}
	e.manager(t, "POST", path, `{"comment":"別的"}`, 409)

	for _, sk := range []string{day, week, month} {
		if n := e.counter(t, sk, "-/scan/comments"); n != "1" {
			t.Errorf("%s comments counter: got %s, want 1 (added once)", sk, n)
		}
	}
	stored, err := e.db.Card(ctx, paper.ID)
	if err != nil || stored.Comment != "昨晚吃完食物中毒" || stored.TranscribedAt == nil {
		t.Errorf("stored card: got %+v, %v", stored, err)
	}
	cs, err := e.db.CasesByStore(ctx, "S001", "2000-01-01", "2999-12-31", 50)
	if err != nil || len(cs) != 1 || cs[0].Severity != "in_person_visit" || cs[0].CardIDs[0] != paper.ID {
		t.Fatalf("cases: got %+v, %v; want one visit case of the paper card", cs, err)
	}
	rec, err := e.cases.Record(ctx, cs[0].ID)
	if err != nil || len(rec.Events) != 1 || len(rec.Notices) != 2 {
		t.Errorf("case record: got %d events, %d notices, %v; want opened once, the manager and area manager told", len(rec.Events), len(rec.Notices), err)
	}

	resp = e.manager(t, "GET", "/api/v1/stores/S001/comments"+q+"&q="+url.QueryEscape("食物中毒"), "", 200)
	list = commentList{}
	if err := json.Unmarshal([]byte(resp.Body), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Comments) != 1 || list.Comments[0].CardID != paper.ID || list.Comments[0].Handwritten || list.Comments[0].TranscribedBy == "" {
		t.Errorf("search 食物中毒: got %+v, want the transcribed card", list.Comments)
	}
	resp = e.manager(t, "GET", "/api/v1/stores/S001/comments"+q+"&source=qr&score=4", "", 200)
	list = commentList{}
	_ = json.Unmarshal([]byte(resp.Body), &list)
	if len(list.Comments) != 1 || list.Comments[0].CardID != online.ID {
		t.Errorf("online, score 4: got %+v, want the online card", list.Comments)
	}
	e.manager(t, "GET", "/api/v1/stores/S001/comments"+q+"&score=9", "", 400)
	e.manager(t, "GET", "/api/v1/stores/S002/comments", "", 403)
}
