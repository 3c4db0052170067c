package i18n

// caseTexts are the words of case e-mails and the case page.
var caseTexts = map[string]texts{}
