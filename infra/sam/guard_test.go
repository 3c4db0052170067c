package sam

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The checks in this file hold template.yaml to what docs/reliability.md
// promises. Each is derived from the template itself, so a function, queue
// or client added without what it needs fails here, with a message saying
// what to add.

const projectTemplate = "../../template.yaml"

// accessProblems lists the app clients through which a signed-in user could
// change their own access (Cognito's UpdateUserAttributes with their access
// token): a client that does not state its WriteAttributes lets users write
// every attribute, and no client may write a custom attribute (custom:stores,
// custom:brand are what the console's authorisation reads).
func accessProblems(tpl *Template) []string {
	var out []string
	for _, id := range tpl.LogicalIDs("AWS::Cognito::UserPoolClient") {
		w, ok := tpl.Resources[id].Properties["WriteAttributes"]
		if !ok {
			out = append(out, id+": no WriteAttributes (absent means users may write every attribute, custom:stores and custom:brand included)")
			continue
		}
		list, ok := w.([]any)
		if !ok || len(list) == 0 {
			out = append(out, fmt.Sprintf("%s: WriteAttributes is %v, want a non-empty list (empty means every attribute)", id, w))
			continue
		}
		for _, a := range list {
			s, ok := a.(string)
			switch {
			case !ok:
				out = append(out, fmt.Sprintf("%s: WriteAttributes holds %v, want attribute names written out", id, a))
			case strings.HasPrefix(s, "custom:"):
				out = append(out, fmt.Sprintf("%s: WriteAttributes holds %s; access attributes are written by admins only", id, s))
			}
		}
	}
	return out
}

// TestAccessAttributes: the template gives no non-admin client write access
// to the access attributes.
func TestAccessAttributes(t *testing.T) {
	tpl, err := Load(projectTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.LogicalIDs("AWS::Cognito::UserPoolClient")) == 0 {
		t.Fatal("template.yaml has no user pool client, want the console's")
	}
	for _, p := range accessProblems(tpl) {
		t.Error(p)
	}
}

// TestAccessAttributesCatches: the check fails the clients it is there to
// catch.
func TestAccessAttributesCatches(t *testing.T) {
	for _, tc := range []struct {
		name, write, want string
	}{
		{"absent", "", "no WriteAttributes"},
		{"empty", "WriteAttributes: []", "want a non-empty list"},
		{"stores", `WriteAttributes: [name, "custom:stores"]`, "custom:stores"},
		{"brand", `WriteAttributes: ["custom:brand"]`, "custom:brand"},
		{"computed", `WriteAttributes: [!Ref Attr]`, "written out"},
		{"fine", "WriteAttributes: [name]", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := Parse([]byte("Resources:\n  C:\n    Type: AWS::Cognito::UserPoolClient\n    Properties:\n      ClientName: c\n      " + tc.write + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(accessProblems(tpl), "; ")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// ref returns the logical id v refers to through Ref or Fn::GetAtt.
func ref(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if s, ok := m["Ref"].(string); ok {
		return s
	}
	switch a := m["Fn::GetAtt"].(type) {
	case []any:
		if len(a) > 0 {
			s, _ := a[0].(string)
			return s
		}
	case string:
		s, _, _ := strings.Cut(a, ".")
		return s
	}
	return ""
}

// dig follows keys through nested maps.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		v = asMap(v)[k]
	}
	return v
}

// alarmsOn returns, for each logical id an alarm's dimension refers to, the
// metrics (namespace/name) alarmed on, counting only alarms that notify.
func alarmsOn(tpl *Template) map[string]map[string]bool {
	on := map[string]map[string]bool{}
	for _, id := range tpl.LogicalIDs("AWS::CloudWatch::Alarm") {
		p := tpl.Resources[id].Properties
		if l, _ := p["AlarmActions"].([]any); len(l) == 0 {
			continue
		}
		metric := str(p["Namespace"]) + "/" + str(p["MetricName"])
		dims, _ := p["Dimensions"].([]any)
		for _, d := range dims {
			if target := ref(asMap(d)["Value"]); target != "" {
				if on[target] == nil {
					on[target] = map[string]bool{}
				}
				on[target][metric] = true
			}
		}
	}
	return on
}

// deadLetterQueues returns the queues the template sends failed work to:
// queues' redrive targets, event sources' and asynchronous invocations'
// on-failure destinations, schedules' dead-letter queues.
func deadLetterQueues(tpl *Template, fns []Function) map[string]string {
	dlq := map[string]string{} // queue → who sends it failures
	add := func(v any, from string) {
		if q := ref(v); q != "" && tpl.Resources[q].Type == "AWS::SQS::Queue" {
			dlq[q] = from
		}
	}
	for _, id := range tpl.LogicalIDs("AWS::SQS::Queue") {
		add(dig(tpl.Resources[id].Properties, "RedrivePolicy", "deadLetterTargetArn"), id)
	}
	for _, f := range fns {
		add(dig(f.Properties, "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination"), f.LogicalID)
		for _, e := range f.Events {
			add(dig(e.Properties, "DestinationConfig", "OnFailure", "Destination"), f.LogicalID+"/"+e.Name)
			add(dig(e.Properties, "DeadLetterConfig", "Arn"), f.LogicalID+"/"+e.Name)
		}
	}
	return dlq
}

// opsProblems lists what the template lacks for operations to see trouble
// (docs/reliability.md, "Alarms and logs").
func opsProblems(tpl *Template) []string {
	fns, err := tpl.Functions()
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	on := alarmsOn(tpl)
	for _, f := range fns {
		id := f.LogicalID
		lg := ref(dig(f.Properties, "LoggingConfig", "LogGroup"))
		switch r, ok := tpl.Resources[lg]; {
		case lg == "" || !ok || r.Type != "AWS::Logs::LogGroup":
			out = append(out, fmt.Sprintf("%s: no log group of its own (LoggingConfig: {LogGroup: !Ref %sLogGroup}, an AWS::Logs::LogGroup)", id, id))
		case r.Properties["RetentionInDays"] == nil:
			out = append(out, fmt.Sprintf("%s: log group %s keeps logs forever (no RetentionInDays)", id, lg))
		}
		for _, m := range []string{"Errors", "Throttles"} {
			if !on[id]["AWS/Lambda/"+m] {
				out = append(out, fmt.Sprintf("%s: no %s alarm (%s%sAlarm on AWS/Lambda %s, FunctionName !Ref %s, AlarmActions)", id, m, id, m, m, id))
			}
		}
		scheduled := false
		for _, e := range f.Events {
			switch e.Type {
			case "DynamoDB", "Kinesis":
				if !on[id]["AWS/Lambda/IteratorAge"] {
					out = append(out, fmt.Sprintf("%s: reads a stream (%s) but has no IteratorAge alarm", id, e.Name))
				}
			case "Schedule", "ScheduleV2":
				scheduled = true
				if ref(dig(e.Properties, "DeadLetterConfig", "Arn")) == "" {
					out = append(out, fmt.Sprintf("%s: schedule %s has no DeadLetterConfig (Arn: !GetAtt ScheduleDeadLetterQueue.Arn)", id, e.Name))
				}
			case "HttpApi":
				if str(e.Properties["Method"]) == "POST" && f.Properties["ReservedConcurrentExecutions"] != nil {
					out = append(out, fmt.Sprintf("%s: takes diners' and staff's POSTs (%s) but reserves concurrency, which caps it", id, e.Name))
				}
			}
		}
		if scheduled && ref(dig(f.Properties, "EventInvokeConfig", "DestinationConfig", "OnFailure", "Destination")) == "" {
			out = append(out, fmt.Sprintf("%s: runs on a schedule but a run that fails is dropped (EventInvokeConfig OnFailure: !GetAtt ScheduleDeadLetterQueue.Arn)", id))
		}
	}
	dlq := deadLetterQueues(tpl, fns)
	queues := make([]string, 0, len(dlq))
	for q := range dlq {
		queues = append(queues, q)
	}
	sort.Strings(queues)
	for _, q := range queues {
		if !on[q]["AWS/SQS/ApproximateNumberOfMessagesVisible"] {
			out = append(out, fmt.Sprintf("%s: dead-letter queue of %s without a depth alarm (%sDepthAlarm on AWS/SQS ApproximateNumberOfMessagesVisible, QueueName !GetAtt %s.QueueName)", q, dlq[q], q, q))
		}
	}
	return out
}

// TestOperations: every function has a log group with a retention, an
// errors and a throttles alarm; every stream reader an iterator-age alarm;
// every schedule a dead-letter queue; every dead-letter queue a depth alarm.
func TestOperations(t *testing.T) {
	tpl, err := Load(projectTemplate)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range opsProblems(tpl) {
		t.Error(p)
	}
	for _, id := range []string{"AlarmTopic", "UntriagedCardsAlarm", "SesBounceRateAlarm", "SesComplaintRateAlarm", "Api5xxRateAlarm"} {
		if _, ok := tpl.Resources[id]; !ok {
			t.Errorf("%s: got none, want it in the template", id)
		}
	}
	if got := tpl.Resources["AlarmEmailSubscription"].Condition; got != "HasAlarmEmail" {
		t.Errorf("AlarmEmailSubscription condition: got %q, want HasAlarmEmail (no subscription without an address)", got)
	}
}

// TestOperationsCatches: the check fails a template that drops any piece,
// and a new function added bare.
func TestOperationsCatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Template)
		want   string
	}{
		{"log group gone", func(t *Template) {
			delete(t.Resources, "CardFunctionLogGroup")
		}, "CardFunction: no log group"},
		{"no retention", func(t *Template) {
			delete(t.Resources["RollupFunctionLogGroup"].Properties, "RetentionInDays")
		}, "keeps logs forever"},
		{"errors alarm gone", func(t *Template) {
			delete(t.Resources, "ScanFunctionErrorsAlarm")
		}, "ScanFunction: no Errors alarm"},
		{"throttles alarm silent", func(t *Template) {
			delete(t.Resources["SenderFunctionThrottlesAlarm"].Properties, "AlarmActions")
		}, "SenderFunction: no Throttles alarm"},
		{"iterator age alarm gone", func(t *Template) {
			delete(t.Resources, "TriageFunctionIteratorAgeAlarm")
		}, "TriageFunction: reads a stream"},
		{"dlq alarm gone", func(t *Template) {
			delete(t.Resources, "GreetingDeadLetterQueueDepthAlarm")
		}, "GreetingDeadLetterQueue: dead-letter queue of GreetingQueue"},
		{"schedule without dlq", func(t *Template) {
			ev := asMap(asMap(t.Resources["EscalateFunction"].Properties["Events"])["Every15Minutes"])
			delete(asMap(ev["Properties"]), "DeadLetterConfig")
		}, "EscalateFunction: schedule Every15Minutes has no DeadLetterConfig"},
		{"card path reserved", func(t *Template) {
			t.Resources["CardFunction"].Properties["ReservedConcurrentExecutions"] = 5
		}, "CardFunction: takes diners'"},
		{"new function bare", func(t *Template) {
			t.Resources["SweepFunction"] = Resource{Type: FunctionType, Properties: map[string]any{
				"CodeUri": ".",
				"Events": map[string]any{"Every5Minutes": map[string]any{"Type": "ScheduleV2", "Properties": map[string]any{
					"ScheduleExpression": "rate(5 minutes)"}}},
			}}
		}, "SweepFunction: no log group; SweepFunction: no Errors alarm; SweepFunction: no Throttles alarm; SweepFunction: schedule Every5Minutes has no DeadLetterConfig; SweepFunction: runs on a schedule but a run that fails is dropped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := Load(projectTemplate)
			if err != nil {
				t.Fatal(err)
			}
			if p := opsProblems(tpl); len(p) > 0 {
				t.Fatalf("before the change: got %v, want none", p)
			}
			tc.change(tpl)
			got := opsProblems(tpl)
			for _, w := range strings.Split(tc.want, "; ") {
				found := false
				for _, p := range got {
					found = found || strings.HasPrefix(p, w) || strings.Contains(p, w)
				}
				if !found {
					t.Errorf("got %q, want a problem %q", got, w)
				}
			}
		})
	}
}

// TestCardClientLimitEnvironment: the per-client limit reaches CardFunction
// from the template's parameters, as the strings the function parses.
func TestCardClientLimitEnvironment(t *testing.T) {
	tpl, err := Load(projectTemplate)
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewResolver(tpl, map[string]string{"ClientCardLimit": "7"}, "cardloop-local")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range tpl.LogicalIDs("") {
		r.Resources[id] = Values{Ref: "local-" + id, Attrs: map[string]string{"Arn": "arn:" + id}}
	}
	f, err := tpl.Function("CardFunction")
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"CARD_CLIENT_LIMIT": "7", "CARD_CLIENT_WINDOW_SECONDS": "60"} {
		if got, err := r.String(f.Environment[k]); err != nil || got != want {
			t.Errorf("CardFunction %s: got %q, %v; want %q", k, got, err, want)
		}
	}
}
