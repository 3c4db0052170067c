package i18n

// cardTexts are the words of the diner's feedback card (form, thanks page).
var cardTexts = map[string]texts{}
