package sam

import (
	"reflect"
	"testing"
)

func TestParseTags(t *testing.T) {
	src := `
Parameters:
  Stage: { Type: String, Default: dev }
  Names: { Type: CommaDelimitedList, Default: "a, b,c" }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  T:
    Type: AWS::DynamoDB::Table
  X:
    Type: Custom::Thing
    Properties:
      Ref1: !Ref T
      Ref2: { Ref: Stage }
      Att1: !GetAtt T.StreamArn
      Att2: { "Fn::GetAtt": [T, Arn] }
      Att3: !GetAtt [T, Arn]
      Sub1: !Sub "${Stage}-${T}-${T.Arn}-${!Literal}-${AWS::Region}"
      Sub2: !Sub ["${A}/${Stage}", { A: !Ref T }]
      Sub3: { "Fn::Sub": "x-${AWS::AccountId}" }
      Join: !Join [":", [a, !Ref Stage, 3]]
      Select: !Select [1, !Ref Names]
      Split: !Select [2, !Split [",", "x,y,z"]]
      If: !If [IsProd, big, small]
      NoValue: !If [IsProd, x, !Ref "AWS::NoValue"]
      List: [1, !Ref "AWS::NoValue", true]
      Nested: { Deep: [ { K: !Ref "AWS::StackName" } ] }
      B64: !Base64 hi
`
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver(tpl, nil, "stack")
	if err != nil {
		t.Fatal(err)
	}
	r.Resources["T"] = Values{Ref: "tbl", Attrs: map[string]string{"Arn": "arn:t", "StreamArn": "arn:t/stream"}}
	got, err := r.Resolve(tpl.Resources["X"].Properties)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Ref1":   "tbl",
		"Ref2":   "dev",
		"Att1":   "arn:t/stream",
		"Att2":   "arn:t",
		"Att3":   "arn:t",
		"Sub1":   "dev-tbl-arn:t-${Literal}-us-east-1",
		"Sub2":   "tbl/dev",
		"Sub3":   "x-123456789012",
		"Join":   "a:dev:3",
		"Select": "b",
		"Split":  "z",
		"If":     "small",
		"List":   []any{1, true},
		"Nested": map[string]any{"Deep": []any{map[string]any{"K": "stack"}}},
		"B64":    "aGk=",
	}
	m := got.(map[string]any)
	for k, w := range want {
		if !reflect.DeepEqual(m[k], w) {
			t.Errorf("%s: got %#v, want %#v", k, m[k], w)
		}
	}
	if _, ok := m["NoValue"]; ok {
		t.Errorf("NoValue: got %v, want the key dropped", m["NoValue"])
	}
}

func TestResolveErrors(t *testing.T) {
	tpl, err := Parse([]byte("Parameters: { P: { Type: String } }\nResources: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewResolver(tpl, nil, "s"); err == nil {
		t.Errorf("parameter without default or value: got no error")
	}
	r, err := NewResolver(tpl, map[string]string{"P": "v"}, "s")
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{
		"unknown ref":    map[string]any{"Ref": "Nope"},
		"unknown getatt": map[string]any{"Fn::GetAtt": []any{"Nope", "Arn"}},
		"unknown sub":    map[string]any{"Fn::Sub": "${Nope}"},
		"unsupported":    map[string]any{"Fn::ImportValue": "x"},
	} {
		t.Run(name, func(t *testing.T) {
			if got, err := r.Resolve(v); err == nil {
				t.Errorf("got %v, want an error", got)
			}
		})
	}
	if _, err := NewResolver(tpl, map[string]string{"Q": "v"}, "s"); err == nil {
		t.Errorf("override of unknown parameter: got no error")
	}
}

func TestGlobalsMerge(t *testing.T) {
	src := `
Globals:
  Function:
    Timeout: 10
    MemorySize: 256
    Layers: [g]
    Environment: { Variables: { A: global, B: global } }
Resources:
  F:
    Type: AWS::Serverless::Function
    Metadata: { BuildMethod: makefile }
    Properties:
      Timeout: 20
      Layers: [f]
      Environment: { Variables: { B: own, C: !Ref X } }
      Events:
        Z: { Type: HttpApi, Properties: { Path: /z, Method: GET } }
        A: { Type: Schedule, Properties: { Schedule: rate(1 minute) } }
`
	tpl, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	f, err := tpl.Function("F")
	if err != nil {
		t.Fatal(err)
	}
	if f.Timeout != 20 || f.MemorySize != 256 || f.BuildMethod != "makefile" {
		t.Errorf("got timeout %d memory %d build %q, want 20 256 makefile", f.Timeout, f.MemorySize, f.BuildMethod)
	}
	wantEnv := map[string]any{"A": "global", "B": "own", "C": map[string]any{"Ref": "X"}}
	if !reflect.DeepEqual(f.Environment, wantEnv) {
		t.Errorf("environment: got %v, want %v", f.Environment, wantEnv)
	}
	if got, want := f.Properties["Layers"], []any{"g", "f"}; !reflect.DeepEqual(got, want) {
		t.Errorf("layers: got %v, want %v", got, want)
	}
	if len(f.Events) != 2 || f.Events[0].Name != "A" || f.Events[1].Type != "HttpApi" {
		t.Errorf("events: got %+v, want A (Schedule) then Z (HttpApi)", f.Events)
	}
}

// TestProjectTemplate checks the real template.yaml parses and resolves.
func TestProjectTemplate(t *testing.T) {
	tpl, err := Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := tpl.Resources["Table"].Type; got != "AWS::DynamoDB::Table" {
		t.Errorf("Table type: got %q, want AWS::DynamoDB::Table", got)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	routes := map[string][]string{}
	// Their own timeouts and memory; the rest take the globals' 10 s and 256 MB.
	timeouts := map[string]int{"TriageFunction": 60, "EscalateFunction": 120, "ConsentFunction": 60, "FeedbackFunction": 30, "PlannerFunction": 900, "SenderFunction": 150, "ConsoleFunction": 29, "MyDataFunction": 29, "ScanFunction": 900, "DigestFunction": 300, "InsightFunction": 60, "RollupFunction": 300, "ReconcileFunction": 120, "RetentionFunction": 900}
	memory := map[string]int{"PlannerFunction": 512, "ScanFunction": 2048}
	for _, f := range fns {
		want, mem := timeouts[f.LogicalID], memory[f.LogicalID]
		if want == 0 {
			want = 10
		}
		if mem == 0 {
			mem = 256
		}
		if f.Timeout != want || f.MemorySize != mem || f.Handler != "bootstrap" {
			t.Errorf("%s: got timeout %d memory %d handler %q, want %d %d bootstrap", f.LogicalID, f.Timeout, f.MemorySize, f.Handler, want, mem)
		}
		for _, e := range f.Events {
			if e.Type == "HttpApi" {
				routes[f.LogicalID] = append(routes[f.LogicalID], str(e.Properties["Method"])+" "+str(e.Properties["Path"]))
			}
		}
	}
	for _, want := range []struct{ fn, route string }{
		{"CardFunction", "GET /c/{storeId}"},
		{"CardFunction", "POST /api/v1/cards"},
		{"ConsoleFunction", "GET /console/{proxy+}"},
		{"ConsoleFunction", "GET /api/v1/me"},
	} {
		found := false
		for _, r := range routes[want.fn] {
			found = found || r == want.route
		}
		if !found {
			t.Errorf("%s routes: got %v, want %q among them", want.fn, routes[want.fn], want.route)
		}
	}
	r, err := NewResolver(tpl, map[string]string{"Stage": "local"}, "cardloop-local")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range tpl.LogicalIDs("") {
		r.Resources[id] = Values{Ref: "local-" + id, Attrs: map[string]string{"Arn": "arn:" + id}}
	}
	console, err := tpl.Function("ConsoleFunction")
	if err != nil {
		t.Fatal(err)
	}
	env, err := r.Resolve(console.Environment)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"TABLE_NAME": "local-Table",
		"STAGE":      "local",
		"SIGNIN_URL": "https://cardloop-dev.auth.us-east-1.amazoncognito.com/oauth2/authorize?response_type=token&scope=openid+email+profile&client_id=local-ConsoleClient",
	}
	got := env.(map[string]any)
	for k, w := range want {
		if got[k] != w {
			t.Errorf("ConsoleFunction environment %s: got %v, want %v", k, got[k], w)
		}
	}
	if _, err := r.Resolve(tpl.Outputs); err != nil {
		t.Errorf("resolve outputs: %v", err)
	}
}
