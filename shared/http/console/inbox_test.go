package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/dynamo/allstores"
	"github.com/cardloop/cardloop/shared/aws/sesmail"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/casemail"
	"github.com/cardloop/cardloop/shared/casework"
	"github.com/cardloop/cardloop/shared/diner/phone"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/console"
	"github.com/cardloop/cardloop/shared/link"
)

// opLog is a DynamoDB client that records each call's operation (and index,
// for queries) and counts the items read. Scan is not among its methods:
// the table adapter's API (dynamo.API) has none, so no request path can
// issue one; the log shows what a search does issue instead.
type opLog struct {
	testenv.DynamoAPI
	mu    sync.Mutex
	ops   []string
	items int
}

func (o *opLog) add(op string, items int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.ops = append(o.ops, op)
	o.items += items
}

func (o *opLog) reset() ([]string, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ops, items := o.ops, o.items
	o.ops, o.items = nil, 0
	return ops, items
}

func (o *opLog) GetItem(ctx context.Context, in *dynamodb.GetItemInput, f ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := o.DynamoAPI.GetItem(ctx, in, f...)
	n := 0
	if err == nil && out.Item != nil {
		n = 1
	}
	o.add("GetItem", n)
	return out, err
}

func (o *opLog) Query(ctx context.Context, in *dynamodb.QueryInput, f ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := o.DynamoAPI.Query(ctx, in, f...)
	n, op := 0, "Query"
	if in.IndexName != nil {
		op += ":" + *in.IndexName
	}
	if in.Select == types.SelectCount {
		op += ":count"
	}
	if err == nil {
		n = int(out.Count)
	}
	o.add(op, n)
	return out, err
}

func (o *opLog) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, f ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := o.DynamoAPI.BatchGetItem(ctx, in, f...)
	n := 0
	if err == nil {
		for _, items := range out.Responses {
			n += len(items)
		}
	}
	o.add("BatchGetItem", n)
	return out, err
}

func (o *opLog) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, f ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	o.add("BatchWriteItem", 0)
	return o.DynamoAPI.BatchWriteItem(ctx, in, f...)
}

func (o *opLog) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, f ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	o.add("TransactWriteItems", 0)
	return o.DynamoAPI.TransactWriteItems(ctx, in, f...)
}

func (o *opLog) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, f ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	o.add("UpdateItem", 0)
	return o.DynamoAPI.UpdateItem(ctx, in, f...)
}

// casesEnv is the Cases inbox as ConsoleFunction wires it (the case service
// with its e-mail and search, the case store, phone.Normalize), cards
// through the card intake, triage as TriageFunction runs it.
type casesEnv struct {
	env     testenv.Env
	ops     *opLog
	db      *allstores.Stores
	cards   *intake.Service
	cases   *casework.Service
	console *httpadapter.HandlerAdapterV2
}

func newCasesEnv(t testing.TB) *casesEnv {
	env := testenv.New(t)
	ops := &opLog{DynamoAPI: dynamodb.NewFromConfig(env.Config)}
	db := allstores.New(ops, env.Table())
	signer := testSigner(t)
	mailer := sesmail.New(sesv2.NewFromConfig(env.Config), env.Resources["SenderIdentity"].Name, "")
	notices := casemail.New(mailer, db, db, db, signer, "http://127.0.0.1:8080", link.DefaultTTL)
	cases := casework.NewService(db, db, notices, time.Now).WithSearch(signer, db)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := console.NewHandler(db, db, nil, nil, nil, "/local/signin", "wang", log).WithCases(cases, db, phone.Normalize)
	return &casesEnv{env: env, ops: ops, db: db, cards: intake.NewService(db, db, time.Now), cases: cases, console: httpadapter.NewV2(h)}
}

// lowCard stores a card rating the main course 1 and triages it; it
// returns the card and its case id.
func (e *casesEnv) lowCard(t testing.TB, sub card.Submission) (card.Card, string) {
	t.Helper()
	ctx := context.Background()
	if sub.Ratings == nil {
		sub.Ratings = map[string]int{"main": 1, "overall": 2}
	}
	sub.Consent = card.ConsentInput{Contact: true}
	res, err := e.cards.Submit(ctx, sub, card.Meta{Source: card.SourceQR})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.cases.Triage(ctx, res.Card); err != nil {
		t.Fatal(err)
	}
	c := res.Card
	return c, casework.ID(c.StoreID, c.Diner.Key, c.ID, c.VisitDate)
}

// Who calls the API.
var (
	managerS001 = map[string]string{"sub": "m1", "email": "manager.s001@example.com", "cognito:groups": "[store_manager]", "custom:stores": "S001", "custom:brand": "wang"}
	managerS002 = map[string]string{"sub": "m2", "email": "manager.s002@example.com", "cognito:groups": "[store_manager]", "custom:stores": "S002", "custom:brand": "wang"}
	areaTaiwan  = map[string]string{"sub": "a1", "email": "area.taiwan@example.com", "cognito:groups": "[area_manager]", "custom:stores": "S001", "custom:brand": "wang"}
	operations  = map[string]string{"sub": "o1", "email": "ops@example.com", "cognito:groups": "[operations]", "custom:brand": "wang"}
	marketing   = map[string]string{"sub": "k1", "email": "marketing@example.com", "cognito:groups": "[marketing]", "custom:brand": "wang"}
)

type apiResp struct {
	status int
	ctype  string
	body   string
}

func (r apiResp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// call sends a request to the console as claims, in lang.
func (e *casesEnv) call(t testing.TB, claims map[string]string, lang, method, target, body string) apiResp {
	t.Helper()
	req := fixture(t, "console/get-store-cards.json")
	path, query, _ := strings.Cut(target, "?")
	req.RawPath, req.RawQueryString, req.QueryStringParameters = path, query, nil
	req.RequestContext.HTTP.Path, req.RequestContext.HTTP.Method = path, method
	req.RouteKey, req.RequestContext.RouteKey = method+" "+path, method+" "+path
	req.PathParameters = nil
	req.RequestContext.Authorizer.JWT.Claims = claims
	if lang != "" {
		req.Headers["accept-language"] = lang
	}
	if body != "" {
		req.Body = body
		req.Headers["content-type"] = "application/json"
	}
	resp, err := e.console.ProxyWithContext(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	ct := resp.Headers["Content-Type"]
	if ct == "" {
		ct = resp.MultiValueHeaders["Content-Type"][0]
	}
	return apiResp{resp.StatusCode, ct, resp.Body}
}

type summaryJSON struct {
	ID, DinerName, DinerPhone, Status, AssignedTo string
	Overdue                                       bool
	Cards                                         int
}

type listJSON struct {
	Cases      []summaryJSON
	Counts     map[string]int
	NextCursor string
}

func caseIDs(l listJSON) []string {
	out := []string{}
	for _, k := range l.Cases {
		out = append(out, k.ID)
	}
	return out
}

func (e *casesEnv) search(t testing.TB, claims map[string]string, store, q string) (listJSON, []string, int) {
	t.Helper()
	e.ops.reset()
	r := e.call(t, claims, "en", "GET", "/api/v1/stores/"+store+"/cases/search?q="+url.QueryEscape(q), "")
	ops, items := e.ops.reset()
	if r.status != http.StatusOK {
		t.Fatalf("search %q: got %d %s", q, r.status, r.body)
	}
	var l listJSON
	r.decode(t, &l)
	return l, ops, items
}

// TestCaseSearch: a store's cases are found by phone (as the diner wrote
// it, or its last four digits), name, card id or comment words, through
// the search index — index queries and one batch read, never a scan — and
// only the store's; a reader who may not see diners' contacts finds by card
// and comment only.
func TestCaseSearch(t *testing.T) {
	e := newCasesEnv(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	a, caseA := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "srch-a" + run, Comment: "牛排太老，等了很久",
		Diner: card.DinerInput{Name: "林小美", Phone: "0912 345 001"}})
	_, caseB := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "srch-b" + run, Comment: "The soup was cold",
		Diner: card.DinerInput{Name: "Chen Wei", Phone: "0912345002"}})
	_, caseC := e.lowCard(t, card.Submission{StoreID: "S002", SubmissionID: "srch-c" + run, Comment: "牛排太老",
		Diner: card.DinerInput{Name: "林小美", Phone: "13800138000"}})
	if caseA == caseB || caseA == caseC {
		t.Fatal("want three cases")
	}
	for _, tt := range []struct {
		q     string
		want  []string
		calls int // index queries and the batch read of the cases
	}{
		{"0912-345-001", []string{caseA}, 2},
		{"+886 912 345 001", []string{caseA}, 2},
		{"5001", []string{caseA}, 3},
		{"林小美", []string{caseA}, 4},
		{"太老", []string{caseA}, 3},
		{"cold soup", []string{caseB}, 4},
		{"hot soup", []string{}, 2},
		{strings.ToUpper(a.ID), []string{caseA}, 2},
		{"0987 000 000", []string{}, 1},
	} {
		l, ops, _ := e.search(t, managerS001, "S001", tt.q)
		if got := caseIDs(l); !slices.Equal(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.q, got, tt.want)
		}
		for _, op := range ops {
			if op != "Query:gsi1" && op != "BatchGetItem" && op != "GetItem" { // GetItem: the store, on a cold cache
				t.Errorf("%q: issued %s; a search reads the index and the cases only", tt.q, op)
			}
		}
		if n := len(slices.DeleteFunc(ops, func(op string) bool { return op == "GetItem" })); n != tt.calls {
			t.Errorf("%q: %d calls %v, want %d", tt.q, n, ops, tt.calls)
		}
	}
	// The manager sees the diner masked; the area manager (no contacts)
	// finds by comment, never by number or name, and sees no name.
	l, _, _ := e.search(t, managerS001, "S001", "太老")
	if k := l.Cases[0]; k.DinerName != "林小美" || !strings.HasPrefix(k.DinerPhone, "+886 9") || strings.Contains(k.DinerPhone, "345001") {
		t.Errorf("manager's view: got %+v, want the name and the number masked", k)
	}
	for q, want := range map[string][]string{"0912345001": {}, "林小美": {}, "太老": {caseA}} {
		l, _, _ := e.search(t, areaTaiwan, "S001", q)
		if got := caseIDs(l); !slices.Equal(got, want) {
			t.Errorf("area manager, %q: got %v, want %v", q, got, want)
		}
		for _, k := range l.Cases {
			if k.DinerName != "" || k.DinerPhone != "" {
				t.Errorf("area manager sees %+v", k)
			}
		}
	}
	// Another store's manager: the store is not theirs.
	r := e.call(t, managerS002, "en", "GET", "/api/v1/stores/S001/cases/search?q=%E5%A4%AA%E8%80%81", "")
	if r.status != http.StatusForbidden || r.ctype != "application/problem+json" {
		t.Errorf("S002 searching S001: got %d %s", r.status, r.body)
	}
	if r := e.call(t, managerS001, "en", "GET", "/api/v1/stores/S001/cases/search?q=%20", ""); r.status != http.StatusUnprocessableEntity {
		t.Errorf("an empty search: got %d %s, want 422", r.status, r.body)
	}
}

// TestErasureRemovesSearchTerms: after a diner's erasure, their case is no
// longer found by their number, name or words, still by its card.
func TestErasureRemovesSearchTerms(t *testing.T) {
	e := newCasesEnv(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	c, id := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "erase-" + run, Comment: "服務生態度很差",
		Diner: card.DinerInput{Name: "Erin Vale", Phone: "0912345003"}})
	for _, q := range []string{"0912345003", "vale", "態度", c.ID} {
		if l, _, _ := e.search(t, managerS001, "S001", q); !slices.Equal(caseIDs(l), []string{id}) {
			t.Fatalf("before the erasure, %q: got %v", q, caseIDs(l))
		}
	}
	if err := e.db.EraseCase(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"0912345003", "3003", "vale", "態度"} {
		if l, _, _ := e.search(t, managerS001, "S001", q); len(l.Cases) != 0 {
			t.Errorf("after the erasure, %q: got %v", q, caseIDs(l))
		}
	}
	if l, _, _ := e.search(t, managerS001, "S001", c.ID); !slices.Equal(caseIDs(l), []string{id}) {
		t.Errorf("after the erasure, by card: got %v", caseIDs(l))
	}
	// Nothing personal is left in the case's partition's search items.
	out, err := e.ops.DynamoAPI.Query(context.Background(), &dynamodb.QueryInput{
		TableName: aws.String(e.env.Table()), KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "CASE#" + id}, ":t": &types.AttributeValueMemberS{Value: "TERM#"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.Items {
		if f := it["field"].(*types.AttributeValueMemberS).Value; f != casework.FieldCard {
			t.Errorf("a %s term is left", f)
		}
	}
}

type recordJSON struct {
	Case struct {
		ID, Status, AssignedTo string
		Version                int
		CardIDs                []string
	}
	Cards []struct {
		ID      string
		Comment string
	}
	Trail []struct {
		Action, Text, By string
		Fields           []struct{ Key, Label, Value string }
	}
	Assignees []struct{ Email, Name, Role string }
	CanWork   bool
}

func (e *casesEnv) record(t testing.TB, claims map[string]string, lang, id string) recordJSON {
	t.Helper()
	r := e.call(t, claims, lang, "GET", "/api/v1/cases/"+id, "")
	if r.status != http.StatusOK {
		t.Fatalf("record: got %d %s", r.status, r.body)
	}
	var v recordJSON
	r.decode(t, &v)
	return v
}

// TestCaseRecord: two cards of a diner's day make one case, each card once;
// the record reads as sentences in the reader's language; a call recorded
// from the console keeps Listen, Remedy and Notes as typed; cards link to
// the case.
func TestCaseRecord(t *testing.T) {
	e := newCasesEnv(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	first, id := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "rec-1" + run, Table: "7", Comment: "湯是冷的",
		Diner: card.DinerInput{Name: "林先生", Phone: "0912345004"}})
	second, id2 := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "rec-2" + run, Comment: "牛排太老",
		Ratings: map[string]int{"main": 1, "service": 1, "overall": 1}, Diner: card.DinerInput{Name: "林先生", Phone: "0912345004"}})
	if id2 != id {
		t.Fatalf("two cases (%s, %s), want one", id, id2)
	}
	// The second card again (a replayed stream record): still once.
	if _, err := e.cases.Triage(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	v := e.record(t, managerS001, "en", id)
	if len(v.Cards) != 2 || v.Cards[0].ID != first.ID || v.Cards[1].ID != second.ID {
		t.Fatalf("cards: got %+v, want the two cards once each", v.Cards)
	}
	if !v.CanWork || len(v.Assignees) != 3 {
		t.Errorf("canWork %v, assignees %+v; want the manager, the deputy and the area manager", v.CanWork, v.Assignees)
	}
	for _, line := range v.Trail {
		if strings.Contains(line.Text, "severity:") || strings.Contains(line.Text, "apology_call") || strings.Contains(line.Text, "card:") {
			t.Errorf("a raw key: %q", line.Text)
		}
	}
	if len(v.Trail) != 2 || !strings.HasPrefix(v.Trail[0].Text, "Case opened from the card of ") || !strings.Contains(v.Trail[0].Text, ", table 7: Apology call.") ||
		!strings.HasPrefix(v.Trail[1].Text, "Another card of the guest that day") {
		t.Errorf("trail: got %+v", v.Trail)
	}

	// The call, as the console's form posts it.
	body := fmt.Sprintf(`{"action":"contact","version":%d,"outcome":"reached","listened":"湯是冷的，牛排也太老","apologyGiven":true,`+
		`"remedyCategory":"voucher","remedy":"下次來店招待甜點","satisfied":"yes","notes":"週五再回電確認"}`, v.Case.Version)
	r := e.call(t, managerS001, "zh-TW", "POST", "/api/v1/cases/"+id+"/actions", body)
	if r.status != http.StatusOK {
		t.Fatalf("record the call: got %d %s", r.status, r.body)
	}
	var after recordJSON
	r.decode(t, &after)
	last := after.Trail[len(after.Trail)-1]
	if last.Text != "manager.s001@example.com 致電並聯絡到顧客。" {
		t.Errorf("the call: got %q", last.Text)
	}
	got := map[string]string{}
	for _, f := range last.Fields {
		got[f.Label] = f.Value
	}
	for label, value := range map[string]string{"傾聽": "湯是冷的，牛排也太老", "致歉": "已致歉", "解決": "餐券 — 下次來店招待甜點", "顧客是否滿意": "滿意", "備註": "週五再回電確認"} {
		if got[label] != value {
			t.Errorf("%s: got %q, want %q", label, got[label], value)
		}
	}
	if after.Case.Status != "contacted" {
		t.Errorf("status: got %s", after.Case.Status)
	}
	// The same form posted again (the version it saw has moved on): 409.
	if r := e.call(t, managerS001, "en", "POST", "/api/v1/cases/"+id+"/actions", body); r.status != http.StatusConflict {
		t.Errorf("the same post again: got %d %s, want 409", r.status, r.body)
	}
	// Marketing may read it, not work it; nor may another store's manager.
	if r := e.call(t, marketing, "en", "POST", "/api/v1/cases/"+id+"/actions", `{"action":"acknowledge","version":0}`); r.status != http.StatusForbidden {
		t.Errorf("marketing acting: got %d %s", r.status, r.body)
	}
	mv := e.record(t, marketing, "en", id)
	if mv.CanWork {
		t.Error("marketing may work the case")
	}
	// Marketing reads the outcome, not what was typed about the diner.
	if got := mv.Trail[len(mv.Trail)-1]; got.Text != "manager.s001@example.com called and reached the guest." || len(got.Fields) != 2 ||
		strings.Contains(fmt.Sprint(mv), "週五再回電確認") || strings.Contains(fmt.Sprint(mv), "牛排也太老") {
		t.Errorf("marketing's record: got %+v", got)
	}
	// The area manager, who works the case, reads it all.
	if av := e.record(t, areaTaiwan, "en", id); len(av.Trail[len(av.Trail)-1].Fields) != 5 {
		t.Errorf("area manager's record: got %+v", av.Trail[len(av.Trail)-1])
	}

	// Cards link to their case, in the list and alone.
	r = e.call(t, managerS001, "en", "GET", "/api/v1/stores/S001/cards?from="+first.VisitDate+"&to="+first.VisitDate+"&limit=200", "")
	var cards struct {
		Cards []struct{ ID, CaseID, CaseStatus string }
	}
	r.decode(t, &cards)
	linked := 0
	for _, c := range cards.Cards {
		if c.ID == first.ID || c.ID == second.ID {
			linked++
			if c.CaseID != id || c.CaseStatus != "contacted" {
				t.Errorf("card %s: got case %q (%s), want %s", c.ID, c.CaseID, c.CaseStatus, id)
			}
		}
	}
	if linked != 2 {
		t.Errorf("the list has %d of the two cards", linked)
	}
	var one struct{ CaseID string }
	e.call(t, managerS001, "en", "GET", "/api/v1/cards/"+first.ID, "").decode(t, &one)
	if one.CaseID != id {
		t.Errorf("a card alone: got case %q, want %s", one.CaseID, id)
	}
}

// TestAssignmentMailedOnce: assigning a case to a staff member of its store
// e-mails them once, however often the request is sent; who assigned it,
// when, is in the record.
func TestAssignmentMailedOnce(t *testing.T) {
	e := newCasesEnv(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	// A number of this run: the emulator's SES keeps the mails of every
	// run, and the case id follows from the diner and the day.
	number := fmt.Sprintf("0913%06d", time.Now().UnixNano()%1000000)
	_, id := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "assign-" + run, Diner: card.DinerInput{Name: "Ann Lee", Phone: number}})
	for range 3 {
		r := e.call(t, managerS001, "en", "POST", "/api/v1/cases/"+id+"/assignment", `{"assignee":"deputy.s001@example.com"}`)
		if r.status != http.StatusOK {
			t.Fatalf("assign: got %d %s", r.status, r.body)
		}
	}
	if n := assignmentMails(t, id, "deputy.s001@example.com"); n != 1 {
		t.Errorf("the deputy got %d assignment e-mails, want 1", n)
	}
	v := e.record(t, managerS001, "en", id)
	var assigned []string
	for _, line := range v.Trail {
		if line.Action == "assigned" {
			assigned = append(assigned, line.Text)
		}
	}
	if want := []string{"manager.s001@example.com assigned the case to S001 Deputy Manager <deputy.s001@example.com>."}; !slices.Equal(assigned, want) {
		t.Errorf("trail: got %q, want %q", assigned, want)
	}
	if v.Case.AssignedTo != "deputy.s001@example.com" {
		t.Errorf("assigned to %q", v.Case.AssignedTo)
	}
	// Someone who is not the store's staff: 422, nothing sent.
	r := e.call(t, managerS001, "en", "POST", "/api/v1/cases/"+id+"/assignment", `{"assignee":"manager.s002@example.com"}`)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `"field":"assignee"`) {
		t.Errorf("a stranger: got %d %s", r.status, r.body)
	}
	// The area manager reassigns to themselves: a new assignment, one e-mail.
	if r := e.call(t, areaTaiwan, "en", "POST", "/api/v1/cases/"+id+"/assignment", `{"assignee":"area.taiwan@example.com"}`); r.status != http.StatusOK {
		t.Fatalf("reassign: got %d %s", r.status, r.body)
	}
	if n := assignmentMails(t, id, "area.taiwan@example.com"); n != 1 {
		t.Errorf("the area manager got %d assignment e-mails, want 1", n)
	}
}

// assignmentMails counts the assignment e-mails of a case to an address
// that the emulator's SES holds.
func assignmentMails(t *testing.T, caseID, to string) int {
	t.Helper()
	raw, err := emulator.SentRaw(emulator.EnsureEndpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range raw {
		if strings.Contains(m, "X-Cardloop-Case: "+caseID) && strings.Contains(m, "X-Cardloop-Notice: assigned") && strings.Contains(m, "To: "+to) {
			n++
		}
	}
	return n
}

type problemJSON struct {
	Type, Title, Detail, Kind, ID string
	Status                        int
	Stores                        []struct{ ID, Name string }
}

// TestNotYoursProblems: a case, card or store of another store, or one that
// does not exist, is a problem document in the reader's language that
// offers their own stores.
func TestNotYoursProblems(t *testing.T) {
	e := newCasesEnv(t)
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	c, id := e.lowCard(t, card.Submission{StoreID: "S001", SubmissionID: "nty-" + run, Diner: card.DinerInput{Phone: "0912345006"}})
	for _, tt := range []struct {
		name          string
		claims        map[string]string
		lang, method  string
		target, body  string
		status        int
		title, detail string
		stores        []string
	}{
		{"S001's case to S002's manager", managerS002, "zh-CN", "GET", "/api/v1/cases/" + id, "", 403, "不是您的门店", "这个案件属于您不负责的门店。", []string{"S002"}},
		{"a case that does not exist", managerS002, "zh-CN", "GET", "/api/v1/cases/k_nosuchcase", "", 404, "找不到", "找不到这个案件，链接可能不完整。", []string{"S002"}},
		{"S001's card to S002's manager", managerS002, "zh-TW", "GET", "/api/v1/cards/" + c.ID, "", 403, "不是您的分店", "這張意見卡屬於您沒有負責的分店。", []string{"S002"}},
		{"a card that does not exist", managerS001, "en", "GET", "/api/v1/cards/c_nosuchcard", "", 404, "Not found", "There is no such card; the link may be incomplete.", []string{"S001"}},
		{"S001's inbox to S002's manager", managerS002, "en", "GET", "/api/v1/stores/S001/inbox", "", 403, "Not one of your stores", "Store S001 is not one of your stores.", []string{"S002"}},
		{"S001's cards to S002's manager", managerS002, "en", "GET", "/api/v1/stores/S001/cards", "", 403, "Not one of your stores", "Store S001 is not one of your stores.", []string{"S002"}},
		{"a store that does not exist", operations, "en", "GET", "/api/v1/stores/S999/inbox", "", 404, "Not found", "There is no store S999.", []string{"S001", "S002", "S003"}},
		{"working S001's case as S002's manager", managerS002, "en", "POST", "/api/v1/cases/" + id + "/assignment", `{"assignee":"manager.s002@example.com"}`, 403, "Not one of your stores", "This case belongs to a store that is not yours.", []string{"S002"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call(t, tt.claims, tt.lang, tt.method, tt.target, tt.body)
			if r.status != tt.status || r.ctype != "application/problem+json" {
				t.Fatalf("got %d %s %s, want a %d problem document", r.status, r.ctype, r.body, tt.status)
			}
			var p problemJSON
			r.decode(t, &p)
			var stores []string
			for _, s := range p.Stores {
				stores = append(stores, s.ID)
				if s.Name == "" {
					t.Errorf("store %s has no name", s.ID)
				}
			}
			if p.Status != tt.status || p.Title != tt.title || p.Detail != tt.detail || !slices.Equal(stores, tt.stores) {
				t.Errorf("got %+v, want title %q, detail %q, stores %v", p, tt.title, tt.detail, tt.stores)
			}
		})
	}
	// Nothing was assigned by the refused request.
	if v := e.record(t, managerS001, "en", id); v.Case.AssignedTo != "" {
		t.Errorf("assigned to %q by another store's manager", v.Case.AssignedTo)
	}
}

// TestInbox: the open view lists the cases waiting for a call first, the
// oldest overdue first, then those waiting to be resolved; the overdue view
// only those past due; the resolved view the newest resolved first; each
// a query of the inbox index, the counts two counting queries.
func TestInbox(t *testing.T) {
	e := newCasesEnv(t)
	ctx := context.Background()
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	// Cards of other days, from intakes whose clock is days back: their
	// cases are due (24 hours after the card) in the past.
	at := func(back time.Duration, n int) string {
		intake := intake.NewService(e.db, e.db, func() time.Time { return time.Now().Add(-back) })
		res, err := intake.Submit(ctx, card.Submission{StoreID: "S003", SubmissionID: fmt.Sprintf("inbox-%s-%d", run, n), Ratings: map[string]int{"main": 1, "overall": 2},
			Diner: card.DinerInput{Phone: fmt.Sprintf("+65 8123 %04d", n)}, Consent: card.ConsentInput{Contact: true}}, card.Meta{Source: card.SourceQR})
		if fe, ok := fault.As(err); ok {
			t.Fatalf("%v: %+v", err, fe.Fields)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cases.Triage(ctx, res.Card); err != nil {
			t.Fatal(err)
		}
		return casework.ID(res.Card.StoreID, res.Card.Diner.Key, res.Card.ID, res.Card.VisitDate)
	}
	oldest, older, fresh, reached, resolved := at(96*time.Hour, 1), at(72*time.Hour, 2), at(0, 3), at(120*time.Hour, 4), at(48*time.Hour, 5)
	act := func(id string, a casework.Action) {
		rec, err := e.cases.Record(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		a.By, a.Version = "ops@example.com", rec.Case.Version
		if _, err := e.cases.Act(ctx, id, a); err != nil {
			t.Fatal(err)
		}
	}
	act(reached, casework.Action{Kind: "contact", Contact: casework.Contact{Outcome: casework.Reached}})
	act(resolved, casework.Action{Kind: "contact", Contact: casework.Contact{Outcome: casework.Reached}})
	act(resolved, casework.Action{Kind: "resolve"})

	view := func(v string, limit int, cursor string) listJSON {
		t.Helper()
		e.ops.reset()
		r := e.call(t, operations, "en", "GET", "/api/v1/stores/S003/inbox?view="+v+"&limit="+fmt.Sprint(limit)+"&cursor="+url.QueryEscape(cursor), "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: got %d %s", v, r.status, r.body)
		}
		ops, _ := e.ops.reset()
		ops = slices.DeleteFunc(ops, func(op string) bool { return op == "GetItem" })
		if want := []string{"Query:gsi3", "Query:gsi3:count", "Query:gsi3:count"}; !slices.Equal(ops, want) {
			t.Errorf("%s: calls %v, want %v", v, ops, want)
		}
		var l listJSON
		r.decode(t, &l)
		return l
	}
	open := view("open", 50, "")
	if got, want := caseIDs(open), []string{oldest, older, fresh, reached}; !slices.Equal(got, want) {
		t.Errorf("open: got %v, want %v (oldest overdue first, then due, then reached)", got, want)
	}
	if open.Counts["open"] != 4 || open.Counts["overdue"] != 2 {
		t.Errorf("counts: got %v, want 4 open, 2 overdue", open.Counts)
	}
	if !open.Cases[0].Overdue || open.Cases[2].Overdue || open.Cases[3].Overdue {
		t.Errorf("overdue marks: got %+v", open.Cases)
	}
	if got := caseIDs(view("overdue", 50, "")); !slices.Equal(got, []string{oldest, older}) {
		t.Errorf("overdue: got %v", got)
	}
	if got := caseIDs(view("resolved", 50, "")); !slices.Equal(got, []string{resolved}) {
		t.Errorf("resolved: got %v", got)
	}
	page1 := view("open", 2, "")
	page2 := view("open", 2, page1.NextCursor)
	if got := append(caseIDs(page1), caseIDs(page2)...); page1.NextCursor == "" || !slices.Equal(got, []string{oldest, older, fresh, reached}) {
		t.Errorf("paged: got %v (cursor %q)", got, page1.NextCursor)
	}
	if r := e.call(t, operations, "en", "GET", "/api/v1/stores/S003/inbox?view=everything", ""); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a bad view: got %d", r.status)
	}
}

// BenchmarkCaseSearch measures a search through the console (API Gateway
// event in, response out) over a store with 120 cases, by phone, by name
// and by a comment phrase, reporting AWS calls and items read per search.
func BenchmarkCaseSearch(b *testing.B) {
	e := newCasesEnv(b)
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	comments := []string{"牛排太老，等了很久", "湯是冷的", "服務很慢", "The soup was cold", "Dessert was great but the steak was tough"}
	for i := range 120 {
		e.lowCard(b, card.Submission{StoreID: "S001", SubmissionID: fmt.Sprintf("bench-%s-%d", run, i), Comment: comments[i%len(comments)],
			Diner: card.DinerInput{Name: fmt.Sprintf("林%c美", rune(0x5c0f+i)), Phone: fmt.Sprintf("0912%06d", 400000+i)}})
	}
	for _, q := range []struct{ name, q string }{{"phone", "0912-400-077"}, {"name", "林" + string(rune(0x5c0f+77)) + "美"}, {"comment", "牛排太老"}, {"words", "soup cold"}} {
		b.Run(q.name, func(b *testing.B) {
			e.search(b, managerS001, "S001", q.q) // warm the store cache
			calls, items, found := 0, 0, 0
			for b.Loop() {
				l, ops, n := e.search(b, managerS001, "S001", q.q)
				calls, items, found = calls+len(ops), items+n, found+len(l.Cases)
			}
			b.ReportMetric(float64(calls)/float64(b.N), "aws-calls/search")
			b.ReportMetric(float64(items)/float64(b.N), "items-read/search")
			b.ReportMetric(float64(found)/float64(b.N), "cases-found/search")
		})
	}
}

// TestBackfillBringsOldCasesIn: a case written before the inbox (no inbox
// keys, no search terms, as every case of a deployment older than
// 2026-11-28) is in neither the Cases tab nor the search; Backfill puts it
// in both, and a second run adds no inbox keys.
func TestBackfillBringsOldCasesIn(t *testing.T) {
	e := newCasesEnv(t)
	ctx := context.Background()
	run := fmt.Sprint(time.Now().UnixNano() % 1000)
	_, id := e.lowCard(t, card.Submission{StoreID: "S002", SubmissionID: "old-" + run, Comment: "汤是冷的",
		Diner: card.DinerInput{Name: "王先生", Phone: "13800138" + fmt.Sprintf("%03d", len(run))}})
	// Make it a case of before: its inbox keys and its term items go.
	tbl := e.env.Table()
	raw := dynamodb.NewFromConfig(e.env.Config)
	if _, err := raw.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &tbl,
		Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "CASE#" + id}, "sk": &types.AttributeValueMemberS{Value: "CASE"}},
		UpdateExpression: aws.String("REMOVE gsi3pk, gsi3sk")}); err != nil {
		t.Fatal(err)
	}
	terms, err := raw.Query(ctx, &dynamodb.QueryInput{TableName: &tbl, KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :t)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "CASE#" + id}, ":t": &types.AttributeValueMemberS{Value: "TERM#"}}})
	if err != nil || len(terms.Items) == 0 {
		t.Fatalf("the case's search terms: %d items, %v; want some", len(terms.Items), err)
	}
	for _, it := range terms.Items {
		if _, err := raw.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &tbl, Key: map[string]types.AttributeValue{"pk": it["pk"], "sk": it["sk"]}}); err != nil {
			t.Fatal(err)
		}
	}
	inInbox := func() bool {
		cases, _, err := e.db.Inbox(ctx, "S002", "open", time.Now(), 100, "")
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(cases, func(k casework.Case) bool { return k.ID == id })
	}
	found := func(q string) bool {
		l, _, _ := e.search(t, managerS002, "S002", q)
		return slices.Contains(caseIDs(l), id)
	}
	if inInbox() || found("汤是冷的") || found("王先生") {
		t.Fatal("a case of before is in the inbox or the search before the backfill")
	}

	r, err := e.cases.Backfill(ctx, e.db, "S002")
	if err != nil {
		t.Fatal(err)
	}
	if r.Cases < 1 || r.InboxAdded != 1 || r.CardsIndexed < 1 || r.CardsGone != 0 {
		t.Errorf("first run: got %+v, want the case given its inbox keys and its card indexed", r)
	}
	if !inInbox() {
		t.Error("after the backfill: the case is not in the open inbox")
	}
	for _, q := range []string{"汤是冷的", "王先生", "冷"} {
		if !found(q) {
			t.Errorf("after the backfill: %q does not find the case", q)
		}
	}
	again, err := e.cases.Backfill(ctx, e.db, "S002")
	if err != nil {
		t.Fatal(err)
	}
	if again.InboxAdded != 0 || again.Cases != r.Cases {
		t.Errorf("second run: got %+v, want no inbox keys written (first run %+v)", again, r)
	}
}
