package diners

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/cardloop/cardloop/shared/brand"
	"github.com/cardloop/cardloop/shared/card"
	"github.com/cardloop/cardloop/shared/card/intake"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/http/page"
	"github.com/cardloop/cardloop/shared/http/respond"
	"github.com/cardloop/cardloop/shared/i18n"
	"github.com/cardloop/cardloop/shared/triage"
)

// formPage is the card form, blank or re-shown with the diner's answers and
// what is wrong with them.
type formPage struct {
	page.Page
	Action       string
	SubmissionID string
	TableFromQR  bool
	Items        []string
	Scale        []int
	NPS          []int
	Meals        []string
	Reasons      []string
	HeardFrom    []string
	Courses      []string
	Months       []string
	Days         []string
	values       url.Values
	Errors       map[string]string // field → message
	ErrorList    []errorLink
}

type errorLink struct{ ID, Label, Message string }

// Val returns the diner's answer for a field.
func (p formPage) Val(field string) string { return p.values.Get(field) }

// Checked reports whether field has value.
func (p formPage) Checked(field, value string) bool { return p.values.Get(field) == value }

// Err returns the message for a field, if it is wrong.
func (p formPage) Err(field string) string { return p.Errors[field] }

// optionalParts are the fields of the card's collapsed parts; prefilled
// lists those the page fills itself (today, the QR code's table, the
// page's language), which do not open a part.
var (
	optionalParts = map[string][]string{
		"visit": {"visitDate", "meal", "table", "server", "firstVisit", "visitCount", "reason", "heardFrom", "mainCourse"},
		"you": {"diner.name", "diner.phone", "diner.email", "diner.birthday", "birthday.month", "birthday.day", "birthday.year",
			"diner.language", "consent.contact", "consent.marketing"},
	}
	prefilled = map[string]bool{"visitDate": true, "table": true, "diner.language": true}
)

// Open reports whether an optional part of the card is shown unfolded: one
// of its fields is wrong, or the diner answered one (a form re-shown after
// an error or a language switch).
func (p formPage) Open(part string) bool {
	for _, f := range optionalParts[part] {
		if p.Errors[f] != "" || !prefilled[f] && p.values.Get(f) != "" {
			return true
		}
	}
	return false
}

type fieldView struct {
	Name, ID, Type, Label, Value, Error, Autocomplete string
}

// Field describes a text-like input.
func (p formPage) Field(name, typ, labelKey, autocomplete string) fieldView {
	return fieldView{Name: name, ID: page.ID(name), Type: typ, Label: i18n.T(p.Lang, labelKey, nil),
		Value: p.values.Get(name), Error: p.Errors[name], Autocomplete: autocomplete}
}

type option struct {
	Value, Label string
	Selected     bool
}

type selectView struct {
	Name, ID, Label, Choose, Error string
	Options                        []option
}

// Select describes a drop-down of values whose labels are i18n keys
// prefix+value.
func (p formPage) Select(name, labelKey, prefix string, values []string) selectView {
	s := selectView{Name: name, ID: name, Label: i18n.T(p.Lang, labelKey, nil), Choose: i18n.T(p.Lang, "card.choose", nil), Error: p.Errors[name]}
	for _, v := range values {
		label := i18n.T(p.Lang, prefix+v, nil)
		if label == prefix+v { // a course the catalogue does not name: show it as configured
			label = v
		}
		s.Options = append(s.Options, option{Value: v, Label: label, Selected: p.values.Get(name) == v})
	}
	return s
}

func (h *CardHandler) newFormPage(r *http.Request, st brand.Store, lang i18n.Lang, values url.Values) formPage {
	p := formPage{
		Page:         page.New(r, st, lang, "card.title"),
		Action:       "/c/" + url.PathEscape(st.ID),
		SubmissionID: uuid.NewString(),
		Items:        st.RatedItems(),
		Scale:        []int{1, 2, 3, 4, 5},
		Meals:        card.Meals,
		Reasons:      card.Reasons,
		HeardFrom:    card.HeardFrom,
		Courses:      st.MainCourses,
		values:       values,
		Errors:       map[string]string{},
	}
	for i := 0; i <= 10; i++ {
		p.NPS = append(p.NPS, i)
	}
	for m := 1; m <= 12; m++ {
		p.Months = append(p.Months, twoDigits(m))
	}
	for d := 1; d <= 31; d++ {
		p.Days = append(p.Days, twoDigits(d))
	}
	if id := values.Get("submissionId"); id != "" {
		p.SubmissionID = id // a re-shown form keeps its id: the eventual card is still one card
	}
	p.TableFromQR = values.Get("table") != "" && values.Get("tableFromQR") == "1"
	return p
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// lookup finds the store of the path and the reader's language; it answers
// a friendly 404 page itself when the store does not exist.
func (h *CardHandler) lookup(w http.ResponseWriter, r *http.Request) (brand.Store, i18n.Lang, bool) {
	st, err := h.stores.Store(r.Context(), r.PathValue("storeId"))
	return h.found(w, r, st, err)
}

// found is lookup's answer for the store st (or err) already read.
func (h *CardHandler) found(w http.ResponseWriter, r *http.Request, st brand.Store, err error) (brand.Store, i18n.Lang, bool) {
	if err != nil {
		lang := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
		status := respond.ProblemFor(err, lang, h.log).Status
		key := "card.notFound"
		if status != http.StatusNotFound {
			key = "card.error"
		}
		body := []string{i18n.T(lang, key+".body", nil)}
		if key == "card.error" {
			body = []string{i18n.T(lang, "card.error.retry", nil)}
		}
		h.render(w, status, page.MessagePage(page.Message{Page: page.Page{Lang: lang, Title: i18n.T(lang, key+".title", nil), StoreName: "cardloop"},
			Heading: i18n.T(lang, key+".title", nil), Paragraphs: body}))
		return brand.Store{}, "", false
	}
	return st, i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"), st.Language), true
}

// form is GET /c/{storeId}: the online card, with ?t=TABLE from the table's
// QR code and ?lang= to choose the language.
func (h *CardHandler) form(w http.ResponseWriter, r *http.Request) {
	st, lang, ok := h.lookup(w, r)
	if !ok {
		return
	}
	values := url.Values{"diner.language": {string(lang)}}
	if today, err := st.Today(time.Now()); err == nil {
		values.Set("visitDate", today.Format(time.DateOnly))
	}
	if t := strings.TrimSpace(r.URL.Query().Get("t")); t != "" && len(t) <= card.MaxTable {
		values.Set("table", t)
		values.Set("tableFromQR", "1")
	}
	q := r.URL.Query()
	if h.printedCard(st.ID, q.Get("s"), q.Get("v"), q.Get("k")) {
		values.Set("cardSerial", q.Get("s"))
		values.Set("cardVersion", q.Get("v"))
		values.Set("cardSig", q.Get("k"))
	}
	h.render(w, http.StatusOK, cardForm(h.newFormPage(r, st, lang, values)))
}

// printedCard reports whether serial, version and sig are a printed card's
// signed QR code for the store. A forged one is ignored: the answer is
// stored as an ordinary online card.
func (h *CardHandler) printedCard(storeID, serial, version, sig string) bool {
	if h.serials == nil || serial == "" || sig == "" {
		return false
	}
	v, err := strconv.Atoi(version)
	return err == nil && h.serials.CheckSerial(storeID, serial, v, sig) == nil
}

// formPost is POST /c/{storeId}: the form's fields, named like the JSON
// card's paths, become the same card.Submission the JSON API takes.
func (h *CardHandler) formPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, card.MaxRequestBody)
	mediaErr := respond.MediaType(r, formMediaType)
	if mediaErr == nil {
		mediaErr = r.ParseForm()
	}
	st, err := h.stores.Store(r.Context(), r.PathValue("storeId"))
	if fault.CodeOf(err) == fault.Unavailable && mediaErr == nil {
		// The answers are safe in the form: offer to send them again.
		lang := i18n.Negotiate(r.PostForm.Get("lang"), r.Header.Get("Accept-Language"), i18n.En)
		h.retry(w, r, page.Plain(r, lang, i18n.T(lang, "card.retry.title", nil), "cardloop"), err)
		return
	}
	st, lang, ok := h.found(w, r, st, err)
	if !ok {
		return
	}
	if err := mediaErr; err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			err = fault.New(fault.TooLarge, "The form is too large.")
		} else if fault.CodeOf(err) == fault.MediaType {
			h.render(w, http.StatusUnsupportedMediaType, page.MessagePage(page.Message{Page: page.New(r, st, lang, "card.error.title"),
				Heading: i18n.T(lang, "problem.unsupported_media_type", nil), Paragraphs: []string{i18n.T(lang, "card.unsupported.body", nil)},
				LinkURL: "/c/" + url.PathEscape(st.ID) + "?lang=" + string(lang), LinkText: i18n.T(lang, "card.thanks.another", nil)}))
			return
		} else {
			err = &fault.Error{Code: fault.Malformed, Message: "The form could not be read.", Err: err}
		}
		h.failure(w, r, st, lang, err)
		return
	}
	if l, ok := i18n.Parse(r.PostForm.Get("lang")); ok {
		lang = l
	}
	if to, ok := i18n.Parse(r.PostForm.Get("switchLang")); ok {
		h.switchLanguage(w, r, st, lang, to)
		return
	}
	sub, parseErrs := submissionFromForm(st.ID, r.PostForm)
	meta := card.Meta{Source: card.SourceQR, Language: lang, Now: time.Now()}
	if h.printedCard(st.ID, r.PostForm.Get("cardSerial"), r.PostForm.Get("cardVersion"), r.PostForm.Get("cardSig")) {
		meta.Serial = r.PostForm.Get("cardSerial") // the printed card's own: paper and phone make one card
	}
	if len(parseErrs) > 0 {
		// Report the unreadable fields and, without storing anything, every
		// other field's problem too.
		if _, berr := intake.Build(sub, st, card.Meta{Source: card.SourceQR, Language: lang, Now: time.Now()}); berr != nil {
			if fe, ok := fault.As(berr); ok {
				parseErrs = append(parseErrs, fe.Fields...)
			}
		}
		err = fault.Fields(parseErrs)
	} else {
		var res card.Result
		res, err = h.cards.Submit(r.Context(), sub, meta)
		if err == nil {
			q := url.Values{"lang": {string(lang)}}
			if h.callExpected(r.Context(), st, res.Card) {
				q.Set("sorry", "1")
			}
			if h.confirmationExpected(r.Context(), st, res.Card) {
				q.Set("confirm", "1")
			}
			http.Redirect(w, r, "/c/"+url.PathEscape(st.ID)+"/thanks?"+q.Encode(), http.StatusSeeOther)
			return
		}
	}
	fe, isFault := fault.As(err)
	if fault.CodeOf(err) == fault.Unavailable {
		h.retry(w, r, page.New(r, st, lang, "card.retry.title"), err)
		return
	}
	if !isFault || fe.Code != fault.Invalid {
		h.failure(w, r, st, lang, err)
		return
	}
	p := h.newFormPage(r, st, lang, r.PostForm)
	for _, f := range fe.Fields {
		field := f.Field
		if field == "submissionId" || field == "Idempotency-Key" {
			p.SubmissionID = uuid.NewString() // a stale or reused id: the next try is a new card
			continue
		}
		msg := i18n.T(lang, "rule."+f.Rule, f.Params)
		if field == "diner.birthday" {
			msg = i18n.T(lang, birthdayMessage(r.PostForm), nil) // in the words of the menus, not MM-DD
		}
		if _, seen := p.Errors[field]; seen {
			continue
		}
		p.Errors[field] = msg
		p.ErrorList = append(p.ErrorList, errorLink{ID: page.ID(field), Label: fieldLabel(lang, field), Message: msg})
	}
	h.render(w, http.StatusUnprocessableEntity, cardForm(p))
}

// switchLanguage is the language switch of the card (a submit button
// named switchLang): the same card, in the language to, with every answer
// kept and nothing stored or checked. A preferred language left at the
// page's language follows the switch.
func (h *CardHandler) switchLanguage(w http.ResponseWriter, r *http.Request, st brand.Store, from, to i18n.Lang) {
	values := url.Values{}
	for k, v := range r.PostForm {
		if k != "switchLang" {
			values[k] = v
		}
	}
	values.Set("lang", string(to))
	if values.Get("diner.language") == string(from) {
		values.Set("diner.language", string(to))
	}
	h.render(w, http.StatusOK, cardForm(h.newFormPage(r, st, to, values)))
}

// birthdayMessage is the form's birthday error: a month without a day (or
// the reverse), or a day the month does not have (02-30).
func birthdayMessage(f url.Values) string {
	if f.Get("birthday.month") == "" || f.Get("birthday.day") == "" {
		return "card.birthday.partial"
	}
	return "card.birthday.invalid"
}

// fieldLabel names a field in the reader's language for the error summary.
func fieldLabel(lang i18n.Lang, field string) string {
	if item, ok := strings.CutPrefix(field, "ratings."); ok {
		return i18n.T(lang, "card.item."+item, nil)
	}
	keys := map[string]string{
		"nps": "card.nps", "comment": "card.comment", "visitDate": "card.visitDate", "meal": "card.meal",
		"table": "card.table", "server": "card.server", "firstVisit": "card.firstVisit", "visitCount": "card.visitCount",
		"reason": "card.reason", "heardFrom": "card.heardFrom", "mainCourse": "card.mainCourse",
		"diner.name": "card.name", "diner.phone": "card.phone", "diner.email": "card.email",
		"diner.birthday": "card.birthday", "diner.language": "card.dinerLanguage", "ratings": "card.ratings",
	}
	if k, ok := keys[field]; ok {
		return i18n.T(lang, k, nil)
	}
	return field
}

// submissionFromForm reads the form's fields; numbers that are not numbers
// are reported as field errors, never guessed.
func submissionFromForm(storeID string, f url.Values) (card.Submission, []fault.FieldError) {
	var errs []fault.FieldError
	for _, key := range sortedKeys(f) {
		if len(f[key]) > 1 { // the form sends each field once; a repeat is not guessed at
			errs = append(errs, fault.FieldError{Field: key, Rule: "duplicate_key"})
		}
	}
	num := func(field string) *int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fault.FieldError{Field: field, Rule: "wrong_type", Params: map[string]string{"want": "integer"}})
			return nil
		}
		return &n
	}
	s := card.Submission{
		SubmissionID: f.Get("submissionId"),
		StoreID:      storeID,
		Table:        f.Get("table"),
		Server:       f.Get("server"),
		VisitDate:    f.Get("visitDate"),
		Meal:         f.Get("meal"),
		Reason:       f.Get("reason"),
		HeardFrom:    f.Get("heardFrom"),
		MainCourse:   f.Get("mainCourse"),
		Comment:      strings.ReplaceAll(f.Get("comment"), "\r\n", "\n"),
		Ratings:      map[string]int{},
		NPS:          num("nps"),
		VisitCount:   num("visitCount"),
		Diner: card.DinerInput{
			Name: f.Get("diner.name"), Phone: f.Get("diner.phone"), Email: f.Get("diner.email"), Language: f.Get("diner.language"),
		},
		Consent: card.ConsentInput{Contact: f.Get("consent.contact") != "", Marketing: f.Get("consent.marketing") != ""},
	}
	switch f.Get("firstVisit") {
	case "yes":
		s.FirstVisit = ptr(true)
	case "no":
		s.FirstVisit = ptr(false)
	}
	for key := range f {
		if item, ok := strings.CutPrefix(key, "ratings."); ok {
			if n := num(key); n != nil {
				s.Ratings[item] = *n
			}
		}
	}
	m, d, y := f.Get("birthday.month"), f.Get("birthday.day"), strings.TrimSpace(f.Get("birthday.year"))
	switch {
	case m == "" && d == "" && y == "":
	case m == "" || d == "":
		errs = append(errs, fault.FieldError{Field: "diner.birthday", Rule: "birthday"})
	case y != "":
		s.Diner.Birthday = y + "-" + m + "-" + d
	default:
		s.Diner.Birthday = m + "-" + d
	}
	return s, errs
}

func ptr[T any](v T) *T { return &v }

// callExpected reports whether the store's triage rules open a case for c,
// so the thanks page tells the diner a manager will be in touch. Rules that
// cannot be read fall back to the defaults: the card is stored either way.
func (h *CardHandler) callExpected(ctx context.Context, st brand.Store, c card.Card) bool {
	rules, err := h.stores.Rules(ctx, st.BrandID, st.ID)
	if err != nil {
		h.log.Warn("read triage rules for the thanks page", "store", st.ID, "err", err)
		rules = triage.Default()
	}
	return rules.Judge(c).Severity != triage.None
}

// confirmationExpected reports whether the diner asked for greetings with
// an e-mail address at a brand that asks them to confirm: the thanks page
// then says a confirmation e-mail is on its way (the ConsentFunction sends
// it, once per diner until it is answered).
func (h *CardHandler) confirmationExpected(ctx context.Context, st brand.Store, c card.Card) bool {
	if c.Consent.Marketing == nil || c.Diner.Email == "" {
		return false
	}
	b, err := h.stores.Brand(ctx, st.BrandID)
	if err != nil {
		h.log.Warn("read brand for the thanks page", "store", st.ID, "err", err)
		return true // the default is double opt-in
	}
	return b.DoubleOptIn()
}

// thanks is GET /c/{storeId}/thanks.
func (h *CardHandler) thanks(w http.ResponseWriter, r *http.Request) {
	st, lang, ok := h.lookup(w, r)
	if !ok {
		return
	}
	p := page.Message{Page: page.New(r, st, lang, "card.thanks.title"), Heading: i18n.T(lang, "card.thanks.title", nil),
		Paragraphs: []string{i18n.T(lang, "card.thanks.body", nil)},
		LinkURL:    "/c/" + url.PathEscape(st.ID) + "?lang=" + string(lang), LinkText: i18n.T(lang, "card.thanks.another", nil),
		MoreLinks: []page.Anchor{{URL: "/d?" + url.Values{"b": {st.BrandID}, "lang": {string(lang)}}.Encode(), Text: i18n.T(lang, "mydata.footer", nil)}}}
	if r.URL.Query().Get("sorry") == "1" {
		p.Paragraphs = append(p.Paragraphs, i18n.T(lang, "card.thanks.sorry", nil))
	}
	if r.URL.Query().Get("confirm") == "1" {
		p.Paragraphs = append(p.Paragraphs, i18n.T(lang, "card.thanks.confirm", nil))
	}
	h.render(w, http.StatusOK, page.MessagePage(p))
}

// formMediaType is the only body the card's form route takes.
const formMediaType = "application/x-www-form-urlencoded"

// maxAutoRetries is how many times the retry page sends the card again by
// itself; after that the diner's button does.
const maxAutoRetries = 3

// retryView is the "send it again" page (retryPage).
type retryView struct {
	page.Page
	Action     string
	Fields     []hiddenField
	RetryAfter int
	Auto       bool
}

type hiddenField struct{ Name, Value string }

// retry answers 503 with Retry-After and a page in the diner's language
// that sends the same submission again (same fields, same submissionId, so
// the card is stored once whether or not the first try was). The attempt
// count rides in "retry", which the card ignores.
func (h *CardHandler) retry(w http.ResponseWriter, r *http.Request, pg page.Page, cause error) {
	h.log.Warn("card form: storage unavailable, offering a retry", "err", cause)
	attempt, _ := strconv.Atoi(r.PostForm.Get("retry"))
	v := retryView{Page: pg, Action: r.URL.Path, RetryAfter: respond.RetryAfter, Auto: attempt < maxAutoRetries}
	for _, k := range sortedKeys(r.PostForm) {
		if k == "retry" {
			continue
		}
		for _, val := range r.PostForm[k] {
			v.Fields = append(v.Fields, hiddenField{k, val})
		}
	}
	v.Fields = append(v.Fields, hiddenField{"retry", strconv.Itoa(attempt + 1)})
	w.Header().Set("Retry-After", strconv.Itoa(respond.RetryAfter))
	h.render(w, http.StatusServiceUnavailable, retryPage(v))
}

func sortedKeys(v url.Values) []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// failure shows a friendly page for an error that is not the diner's input.
func (h *CardHandler) failure(w http.ResponseWriter, r *http.Request, st brand.Store, lang i18n.Lang, err error) {
	prob := respond.ProblemFor(err, lang, h.log)
	h.render(w, prob.Status, page.MessagePage(page.Message{Page: page.New(r, st, lang, "card.error.title"),
		Heading: i18n.T(lang, "card.error.title", nil), Paragraphs: []string{prob.Title, i18n.T(lang, "card.error.retry", nil)},
		LinkURL: "/c/" + url.PathEscape(st.ID) + "?lang=" + string(lang), LinkText: i18n.T(lang, "card.thanks.another", nil)}))
}

func (h *CardHandler) render(w http.ResponseWriter, status int, c templ.Component) {
	page.Render(w, h.log, status, c)
}
