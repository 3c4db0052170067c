package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cardloop/cardloop/shared/aws/dynamo"
	"github.com/cardloop/cardloop/shared/aws/dynamo/cardstore"
	"github.com/cardloop/cardloop/shared/aws/dynamo/insightstore"
	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/insight"
)

// HistoryDays is how many days of cards History gives each demo store.
const HistoryDays = 90

// storeMood sets how a demo store is doing, so the dashboards differ: the
// chance of a top score, and one item diners like less.
var storeMood = map[string]struct {
	top  float64
	weak string
}{
	"S001": {0.62, "dessert"},
	"S002": {0.48, "soup"},
	"S003": {0.40, "service"},
}

var historyComments = map[i18n.Lang][]string{
	i18n.ZhTW: {"牛排熟度剛好，服務很貼心。", "甜點有點太甜。", "湯稍微冷了。", "服務生很熱情，慶生很感動。", "等候時間有點久。", "麵包很好吃，想外帶。"},
	i18n.ZhCN: {"牛排火候刚好，服务很贴心。", "甜点有点太甜。", "汤稍微凉了。", "服务员很热情，生日惊喜很感动。", "等位时间有点久。", "面包很好吃，想打包。"},
	i18n.En:   {"Steak cooked just right, lovely service.", "Dessert a little too sweet.", "The soup was lukewarm.", "The staff made the birthday special.", "Waited a while for the table.", "Great bread, would take some home."},
}

// History returns HistoryDays of anonymous cards for each store, ending the
// day before now in the store's time zone: a steakhouse's week (more cards at
// weekends and dinner), online and paper, scores that lean high with each
// store's weak item lower, and none low enough to open a case (the demo's
// cases come from cards entered while it runs). The same now gives the same
// cards, so seeding twice adds nothing.
func History(stores []brand.Store, now time.Time) ([]card.Card, error) {
	var out []card.Card
	for _, st := range stores {
		today, err := st.Today(now)
		if err != nil {
			return nil, err
		}
		mood := storeMood[st.ID]
		if mood.top == 0 {
			mood.top, mood.weak = 0.5, "service"
		}
		rng := rand.New(rand.NewPCG(uint64(len(st.ID)), uint64(st.ID[len(st.ID)-1])))
		for back := HistoryDays; back >= 1; back-- {
			day := today.AddDate(0, 0, -back)
			n := 6 + rng.IntN(7)
			if wd := day.Weekday(); wd == time.Friday || wd == time.Saturday || wd == time.Sunday {
				n += 6 + rng.IntN(5)
			}
			for i := range n {
				c, err := historyCard(st, day, i, mood.top, mood.weak, rng, now)
				if err != nil {
					return nil, fmt.Errorf("history card %s %s #%d: %w", st.ID, day.Format(time.DateOnly), i, err)
				}
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func historyCard(st brand.Store, day time.Time, i int, top float64, weak string, rng *rand.Rand, now time.Time) (card.Card, error) {
	score := func(item string) int {
		p := top
		if item == weak {
			p -= 0.3
		}
		switch r := rng.Float64(); {
		case r < p:
			return 5
		case r < p+(1-p)*0.65:
			return 4
		default:
			return 3
		}
	}
	ratings := map[string]int{}
	sum := 0
	for _, item := range st.RatedItems() {
		if item == "overall" {
			continue
		}
		ratings[item] = score(item)
		sum += ratings[item]
	}
	// Overall follows the main course and the service most.
	overall := (2*ratings["main"] + 2*ratings["service"] + sum/max(1, len(ratings)-1) + 2) / 5
	ratings["overall"] = min(5, max(3, overall+rng.IntN(2)*(rng.IntN(3)-1)))
	nps := min(10, max(5, 2*ratings["overall"]-rng.IntN(2)))
	meal, hour := "dinner", 20
	if rng.Float64() < 0.4 {
		meal, hour = "lunch", 13
	}
	sub := card.Submission{
		StoreID: st.ID, VisitDate: day.Format(time.DateOnly), Meal: meal,
		Ratings: ratings, NPS: &nps,
		HeardFrom:  pick(rng, card.HeardFrom, 0.6),
		Reason:     pick(rng, card.Reasons, 0.15),
		MainCourse: pick(rng, st.MainCourses, 0.3),
	}
	if rng.Float64() < 0.35 {
		first := true
		sub.FirstVisit = &first
	} else {
		visits := 2 + rng.IntN(11)
		sub.VisitCount = &visits
	}
	if rng.Float64() < 0.3 {
		pool := historyComments[st.Language]
		sub.Comment = pool[rng.IntN(len(pool))]
	}
	source, arrived := card.SourceQR, 90*time.Minute
	if rng.Float64() < 0.3 {
		source, arrived = card.SourceScan, time.Duration(24+rng.IntN(72))*time.Hour // scanned a day or more later
	}
	loc, err := st.Location()
	if err != nil {
		return card.Card{}, err
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), hour, rng.IntN(60), 0, 0, loc).Add(arrived)
	if at.After(now) {
		at = now
	}
	key := fmt.Sprintf("history-%s-%s-%d", st.ID, day.Format("20060102"), i)
	return intake.Build(sub, st, card.Meta{Source: source, IdempotencyKey: key, Language: st.Language, Now: at})
}

// pick returns the first answer with probability first, else any other
// (or none, one time in eight, as a diner who skips the question).
func pick(rng *rand.Rand, answers []string, first float64) string {
	switch r := rng.Float64(); {
	case len(answers) == 0 || r > 1-1.0/8:
		return ""
	case r < first:
		return answers[0]
	default:
		return answers[1+rng.IntN(len(answers)-1)]
	}
}

// WriteHistory seeds the demo stores' card history into the table (the
// stream then adds it to the insight counters, as it does every card).
func WriteHistory(ctx context.Context, cfg aws.Config, tableName string, now time.Time) (int, error) {
	d, err := Load()
	if err != nil {
		return 0, err
	}
	_, stores, err := d.Parse()
	if err != nil {
		return 0, err
	}
	cards, err := History(stores, now)
	if err != nil {
		return 0, err
	}
	t := dynamo.New(dynamodb.NewFromConfig(cfg), tableName)
	// Seeded before (the emulator kept its data): leave it, with whatever
	// was added since.
	first, err := time.Parse(time.DateOnly, cards[0].VisitDate)
	if err != nil {
		return 0, err
	}
	p := insight.PeriodsOf(first)[0]
	if got, err := insightstore.New(t).Counters(ctx, cards[0].StoreID, []insight.Period{p}); err != nil {
		return 0, fmt.Errorf("seed history: %w", err)
	} else if _, seeded := got[p]; seeded {
		return 0, nil
	}
	// The counters first, so the dashboards are whole at once and the
	// stream, delivering these cards next, finds them counted.
	if err := insightstore.New(t).SeedCards(ctx, cards); err != nil {
		return 0, fmt.Errorf("seed history: %w", err)
	}
	if err := cardstore.New(t).ImportCards(ctx, cards, now); err != nil {
		return 0, fmt.Errorf("seed history: %w", err)
	}
	return len(cards), nil
}

// Backfill seeds the demo stores' card history as of now, for the runner
// to do in the background once the app serves (runner.Options.Backfill),
// and says what it wrote. The demo's low cards go first, so that triage,
// reading the table's stream in order, opens their cases within seconds
// rather than behind the history's thousands of cards.
func Backfill(ctx context.Context, cfg aws.Config, tableName string) (string, error) {
	now := time.Now()
	d, err := Load()
	if err != nil {
		return "", err
	}
	_, stores, err := d.Parse()
	if err != nil {
		return "", err
	}
	cases, err := DemoCases(ctx, dynamo.New(dynamodb.NewFromConfig(cfg), tableName), stores, now)
	if err != nil {
		return "", err
	}
	n, err := WriteHistory(ctx, cfg, tableName, now)
	if err != nil {
		return "", err
	}
	if n == 0 && cases == 0 {
		return "nothing: the demo history was there already", nil
	}
	return fmt.Sprintf("%d low cards of made-up diners for the Cases tab, and the demo history: %d cards over %d days", cases, n, HistoryDays), nil
}

// WithHistory seeds the demo data and the demo stores' card history before
// the app serves: what the browser tests start from, so every dashboard has
// its 90 days from the first page.
func WithHistory(ctx context.Context, cfg aws.Config, tableName string) error {
	if err := Write(ctx, cfg, tableName); err != nil {
		return err
	}
	_, err := WriteHistory(ctx, cfg, tableName, time.Now())
	return err
}
