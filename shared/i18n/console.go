package i18n

// consoleTexts are the words of the staff console.
var consoleTexts = map[string]texts{}
