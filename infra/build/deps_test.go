package build_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// What each Lambda function may link.
//
// A function binary carries every package it imports, and Lambda runs every
// one of their initialisers at each cold start, so each function links only
// what it uses (STYLE.md, "Shape"). The table below is the rule, package by
// package: the functions named in "only in" may link the package (or any
// package under it); every other function of template.yaml must not — a
// function added to the template is held to all of it until it is named
// here. `go test -run Deps ./infra/build/` checks it with `go list -deps`
// for the Lambda platform (linux/arm64, -tags lambda.norpc), without
// compiling, and names the import chain that breaks a rule.
//
//	package                                   only in                  why
//	shared/omr                                Scan                     the mark reader of scanned paper cards
//	github.com/makiuchi-d/gozxing             Scan                     QR decoding of scans
//	golang.org/x/image/tiff                   Scan                     scanners' TIFF files
//	github.com/pdfcpu/pdfcpu                  Scan                     pages of scanned PDFs
//	shared/omr/synth                          (none)                   synthetic scans are for tests and benchmarks
//	shared/cardprint                          Console                  printing paper cards (and the CLI, not a function)
//	github.com/go-pdf/fpdf                    Console                  PDF writing, for printing cards
//	github.com/mattn/go-runewidth             Console                  PDF text layout; 28 ms of initialisers (*)
//	github.com/aws/aws-sdk-go-v2/service/s3   Scan, Console,           scans and crops in the scan bucket; erasing
//	                                          Retention                 a diner's crops and scans (privacy)
//	github.com/aws/aws-sdk-go-v2/service/sqs  Planner, Sender          the greeting queue (SQS triggers need no SDK)
//	github.com/aws/aws-sdk-go-v2/service/ses  Sender                   SES v1, only for GetSendQuota pacing
//	github.com/aws/aws-sdk-go-v2/service/sesv2 Triage, Escalate,       sending mail: case alerts and reminders,
//	                                          Consent, Sender, Console, opt-in confirmations, greetings, campaign tests,
//	                                          Digest, Reconcile, Scan   nightly summaries and weekly digests, the
//	                                                                   alerts of cards the stream left untriaged,
//	                                                                   the reply to a scan sent by e-mail
//	shared/digestmail                         Digest                   the digest e-mails and their PNG chart
//	golang.org/x/image/vector, font/opentype  Digest                   drawing the chart (Go font, digits only)
//	github.com/aws/aws-sdk-go-v2/service/ssm  (none)                   the signing key is read by one signed call
//	                                                                   (shared/aws/ssmparam): the SSM client is 4 MiB
//	                                                                   and 11 ms of initialisers
//	github.com/nyaruka/phonenumbers           Card, Scan, Console      normalising diners' phone numbers when a card
//	                                                                   comes in: 6 MiB, 17 ms of initialisers
//	github.com/golang-module/carbon           Case, Consent, Feedback, the lunar calendar of greeting occasions
//	                                          Planner, Sender, Console, (Retention: through greetstore, which
//	                                          Retention                 erases send records; a daily job)
//	shared/aws/dynamo/allstores               (none)                   every store at once, for tools and tests
//	shared/worker/insights                    Insight, Rollup          the counters from the stream; the brand
//	                                                                   roll-ups on their schedule
//
// (*) pdfcpu's pkg/api links go-runewidth through its form package; its
// pkg/pdfcpu (Read, ExtractPageImages) does not, and is what reading scans
// needs.
//
// Who sends mail follows template.yaml's policies: the functions granted
// ses:SendEmail are Triage, Escalate, Consent, Sender, Console, Digest and
// Reconcile. Card, Case (its pages record calls and consent answers; the
// mail they cause is sent by Triage and Consent from the stream), Feedback
// (it only withdraws consent), Planner and Scan send none.
var linkRules = []struct {
	pkg    string   // import path; the packages under it are covered too
	onlyIn []string // logical ids of the functions that may link it
}{
	{"github.com/cardloop/cardloop/shared/omr", []string{"ScanFunction"}},
	{"github.com/makiuchi-d/gozxing", []string{"ScanFunction"}},
	{"golang.org/x/image/tiff", []string{"ScanFunction"}},
	{"github.com/pdfcpu/pdfcpu", []string{"ScanFunction"}},
	{"github.com/cardloop/cardloop/shared/omr/synth", nil},
	{"github.com/cardloop/cardloop/shared/cardprint", []string{"ConsoleFunction"}},
	{"github.com/go-pdf/fpdf", []string{"ConsoleFunction"}},
	{"github.com/mattn/go-runewidth", []string{"ConsoleFunction"}},
	{"github.com/aws/aws-sdk-go-v2/service/s3", []string{"ScanFunction", "ConsoleFunction", "RetentionFunction", "MyDataFunction"}},
	{"github.com/aws/aws-sdk-go-v2/service/sqs", []string{"PlannerFunction", "SenderFunction"}},
	{"github.com/aws/aws-sdk-go-v2/service/ses", []string{"SenderFunction"}},
	{"github.com/aws/aws-sdk-go-v2/service/sesv2", []string{"TriageFunction", "EscalateFunction", "ConsentFunction", "SenderFunction", "ConsoleFunction", "DigestFunction", "ReconcileFunction", "MyDataFunction", "ScanFunction"}},
	{"github.com/cardloop/cardloop/shared/digestmail", []string{"DigestFunction"}},
	{"golang.org/x/image/vector", []string{"DigestFunction"}},
	{"golang.org/x/image/font/opentype", []string{"DigestFunction"}},
	{"github.com/aws/aws-sdk-go-v2/service/ssm", nil},
	{"github.com/nyaruka/phonenumbers", []string{"CardFunction", "ScanFunction", "ConsoleFunction", "MyDataFunction"}},
	{"github.com/golang-module/carbon", []string{"CaseFunction", "ConsentFunction", "FeedbackFunction", "PlannerFunction", "SenderFunction", "ConsoleFunction", "RetentionFunction", "MyDataFunction"}},
	{"github.com/cardloop/cardloop/shared/aws/dynamo/allstores", nil},
	{"github.com/cardloop/cardloop/shared/worker/insights", []string{"InsightFunction", "RollupFunction"}},
}

// domainPackages are the domain packages (STYLE.md 1): every package
// directly under shared/ but the tiers (aws, http, worker) and setup, and
// their sub-packages. They link no AWS SDK and no net/http — none needs
// HTTP. A package missing from the tree is skipped with a note, so the
// list survives packages being moved; a package moved elsewhere must be
// added here.
var domainPackages = []string{
	"shared/brand", "shared/card", "shared/card/intake", "shared/cardlayout",
	"shared/cardprint", "shared/casemail", "shared/casework", "shared/chart", "shared/comments", "shared/diner",
	"shared/diner/phone", "shared/export", "shared/fault", "shared/greeting", "shared/i18n",
	"shared/link", "shared/mail", "shared/occasion", "shared/omr",
	"shared/scan", "shared/scan/ingest", "shared/scan/paper", "shared/staff", "shared/strictjson",
	"shared/triage", "shared/digest", "shared/digestmail", "shared/insight",
}

// domainForbidden are what a domain package must not link (prefixes), at
// any depth.
var domainForbidden = []string{"github.com/aws/"}

// domainNoImport are what no cardloop package a domain package links may
// import itself: domain code speaks no HTTP. (A library it uses may link
// net/http for its own helpers — templ's runtime for its HTTP handler,
// pdfcpu's validator to check link URIs — without any request being made.)
var domainNoImport = []string{"net/http"}

// TestDepsFunctions checks linkRules for every function of template.yaml.
func TestDepsFunctions(t *testing.T) {
	fns := templateFunctions(t)
	for _, r := range linkRules {
		for _, id := range r.onlyIn {
			if !slices.Contains(fns, id) {
				t.Errorf("linkRules: %s names %s, which template.yaml does not have", r.pkg, id)
			}
		}
	}
	module := modulePath(t)
	roots := make([]string, len(fns))
	for i, id := range fns {
		roots[i] = functionPackage(t, id)
	}
	g := listDeps(t, roots...)
	for i, id := range fns {
		t.Run(id, func(t *testing.T) {
			root := roots[i]
			g.mustHave(t, root)
			for _, r := range linkRules {
				if slices.Contains(r.onlyIn, id) {
					continue
				}
				hit := g.links(root, r.pkg)
				if len(hit) == 0 {
					continue
				}
				chain := g.chain(root, hit)
				more := ""
				if len(hit) > 1 {
					more = " (" + plural(len(hit), "package") + " of it)"
				}
				t.Errorf("%s links %s%s via %s; allowed only in %s",
					id, strings.TrimPrefix(r.pkg, module+"/"), more, showChain(module, chain), allowed(r.onlyIn))
			}
		})
	}
}

// TestDepsDomainPurity checks that the domain packages link no AWS SDK and
// no net/http.
func TestDepsDomainPurity(t *testing.T) {
	module := modulePath(t)
	paths := make([]string, len(domainPackages))
	for i, p := range domainPackages {
		paths[i] = module + "/" + p
	}
	g := listDeps(t, paths...)
	checked := 0
	for i, path := range paths {
		t.Run(domainPackages[i], func(t *testing.T) {
			p := g[path]
			if p == nil || p.Error != nil {
				msg := "not listed"
				if p != nil {
					msg = p.Error.Err
				}
				t.Skipf("%s: %s (moved or removed?)", path, msg)
			}
			checked++
			for _, bad := range domainForbidden {
				var hit []string
				for _, d := range p.Deps {
					if d == bad || strings.HasPrefix(d, strings.TrimSuffix(bad, "/")+"/") {
						hit = append(hit, d)
					}
				}
				if len(hit) > 0 {
					t.Errorf("%s links %s (%s) via %s; domain code talks to no AWS service and no HTTP",
						domainPackages[i], bad, plural(len(hit), "package"), showChain(module, g.chain(path, hit)))
				}
			}
			for _, own := range append([]string{path}, p.Deps...) {
				if own != module && !strings.HasPrefix(own, module+"/") || g[own] == nil {
					continue
				}
				for _, imp := range g[own].Imports {
					if slices.Contains(domainNoImport, imp) {
						t.Errorf("%s imports %s (linked by %s); domain code talks to no AWS service and no HTTP", own, imp, domainPackages[i])
					}
				}
			}
		})
	}
	if checked == 0 {
		t.Error("none of domainPackages exists: update the list")
	}
}

func allowed(ids []string) string {
	if len(ids) == 0 {
		return "no function"
	}
	return strings.Join(ids, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
