// Package i18n holds every word a diner or a staff member reads, in the three
// languages cardloop speaks (zh-TW, zh-CN, en), and picks the reader's
// language from what they asked for.
package i18n

import (
	"sort"
	"strings"

	"golang.org/x/text/language"
)

// Lang is one of the languages cardloop speaks, as a BCP 47 tag.
type Lang string

// The supported languages.
const (
	ZhTW Lang = "zh-TW"
	ZhCN Lang = "zh-CN"
	En   Lang = "en"
)

// All lists the supported languages in the order a language picker shows them.
var All = []Lang{ZhTW, ZhCN, En}

var matcher = language.NewMatcher([]language.Tag{
	language.MustParse("zh-TW"), // first: the fallback when nothing matches
	language.MustParse("zh-CN"),
	language.English,
})

// List joins items as a run-on list in lang's punctuation: "a; b" in
// English, "a；b" (the full-width semicolon) in Chinese.
func List(lang Lang, items []string) string {
	if lang == En {
		return strings.Join(items, "; ")
	}
	return strings.Join(items, "；")
}

// Parse returns the supported language named by s (case-insensitive; "zh-Hant",
// "zh-HK" map to zh-TW, "zh-Hans", "zh-SG" to zh-CN, "en-*" to en) and whether
// s named one.
func Parse(s string) (Lang, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zh-tw":
		return ZhTW, true
	case "zh-cn":
		return ZhCN, true
	case "en":
		return En, true
	case "":
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil {
		return "", false
	}
	l, conf := match(tag)
	return l, conf >= language.High
}

func match(tags ...language.Tag) (Lang, language.Confidence) {
	_, idx, conf := matcher.Match(tags...)
	return All[idx], conf
}

// Negotiate picks the reader's language: an explicit choice (a ?lang= value)
// wins, then the best match of an Accept-Language header, then fallback (the
// store's language).
func Negotiate(explicit, acceptLanguage string, fallback Lang) Lang {
	if l, ok := Parse(explicit); ok {
		return l
	}
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil && len(tags) > 0 {
		if l, conf := match(tags...); conf > language.No {
			return l
		}
	}
	if fallback == "" {
		return En
	}
	return fallback
}

// T returns the message key in lang with {name} placeholders filled from
// params. A key missing from the catalogue comes back as the key itself, so a
// gap shows up on screen and in tests rather than as an empty string.
func T(lang Lang, key string, params map[string]string) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	s := m[lang]
	if s == "" {
		s = m[En]
	}
	if len(params) == 0 {
		return s
	}
	pairs := make([]string, 0, 2*len(params))
	for k, v := range params {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Has reports whether key is in the catalogue in every language.
func Has(key string) bool {
	m, ok := catalog[key]
	return ok && m[ZhTW] != "" && m[ZhCN] != "" && m[En] != ""
}

// Keys returns every key of the catalogue, sorted.
func Keys() []string {
	keys := make([]string, 0, len(catalog))
	for k := range catalog {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

type texts map[Lang]string

// catalog merges the message tables kept in this package's other files, one
// per area (errors.go, card.go, console.go…).
var catalog = merge(errorTexts, cardTexts, cardFlowTexts, consoleTexts, caseTexts, occasionTexts, greetingTexts, paperTexts, commentTexts, digestTexts, insightTexts, recoveryTexts, rankingTexts, limitTexts, edgeTexts, privacyTexts, mydataTexts, needToKnowTexts, campaignSafetyTexts, scanMailTexts, reviewKeyTexts, inboxTexts)

func merge(tables ...map[string]texts) map[string]texts {
	out := map[string]texts{}
	for _, t := range tables {
		for k, v := range t {
			out[k] = v
		}
	}
	return out
}
