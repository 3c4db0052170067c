package console_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cardloop/cardloop/shared/i18n"
)

// TestScriptsAskForServedWords: every word the Cases inbox's script and
// the console's frame ask for by a literal key (t('…')) is in the catalogue
// in every language and served by /console/messages.json (its prefixes), so
// no raw key shows on screen. Keys made at run time ('case.status.' + s) are
// checked through their prefix's known values.
func TestScriptsAskForServedWords(t *testing.T) {
	served := func(k string) bool {
		for _, p := range []string{"console.", "problem.", "occasion.", "campaign.", "case."} {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
	literal := regexp.MustCompile(`\bt\('([a-zA-Z0-9_.]+)'`)
	for _, file := range []string{"static/cases.js", "static/app.js"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			k := m[1]
			if strings.HasSuffix(k, ".") {
				continue // a prefix completed at run time: below
			}
			if !i18n.Has(k) || !served(k) {
				t.Errorf("%s asks for %q: in the catalogue %v, served %v", file, k, i18n.Has(k), served(k))
			}
		}
	}
	for prefix, values := range map[string][]string{
		"case.status.":        {"open", "acknowledged", "contacted", "resolved"},
		"case.severity.":      {"apology_call", "in_person_visit"},
		"case.outcome.":       {"reached", "no_answer", "wrong_number", "visited"},
		"case.remedy.":        {"none", "apology_only", "discount", "voucher", "free_meal", "refund", "replacement", "other"},
		"case.satisfied.":     {"yes", "no", "unknown"},
		"case.level.":         {"1", "2"},
		"console.cases.view.": {"open", "overdue", "resolved"},
		"console.cases.none.": {"open", "overdue", "resolved", "search"},
		"console.cases.role.": {"manager", "staff", "area_manager"},
		"console.notYours.":   {"store", "case", "card"},
		"console.missing.":    {"store", "case", "card"},
		"console.source.":     {"qr", "scan", "import"},
	} {
		for _, v := range values {
			if !i18n.Has(prefix + v) {
				t.Errorf("%s%s is not in the catalogue in every language", prefix, v)
			}
		}
	}
}
