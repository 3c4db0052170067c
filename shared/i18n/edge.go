package i18n

// edgeTexts are the words of honest failures and strict input: the 503 and
// 415 problems, the strict-JSON rules, and the diner's "send it again" page.
var edgeTexts = map[string]texts{
	"problem.unsupported_media_type": {ZhTW: "不支援這種內容類型。", ZhCN: "不支持这种内容类型。", En: "This content type is not accepted."},
	"problem.unavailable.detail": {
		ZhTW: "儲存服務暫時忙碌或無法連線。請在 Retry-After 秒後重試；以相同的 Idempotency-Key（或 submissionId）重試是安全的，不會重複建立。",
		ZhCN: "存储服务暂时繁忙或无法连接。请在 Retry-After 秒后重试；使用相同的 Idempotency-Key（或 submissionId）重试是安全的，不会重复创建。",
		En:   "Storage is briefly busy or unreachable. Retry after Retry-After seconds; retrying with the same Idempotency-Key (or submissionId) is safe and never stores twice.",
	},
	"rule.duplicate_key": {ZhTW: "同一個欄位出現了兩次。", ZhCN: "同一个字段出现了两次。", En: "This field appears more than once."},
	"rule.media_type":    {ZhTW: "請以 {want} 格式送出。", ZhCN: "请以 {want} 格式提交。", En: "Send this as {want}."},
	"card.retry.title":   {ZhTW: "稍等一下，我們再試一次", ZhCN: "稍等一下，我们再试一次", En: "One moment, let's try again"},
	"card.retry.body": {
		ZhTW: "我們暫時無法儲存您的意見，您填寫的內容都還在。再送一次是安全的：同一份意見只會收到一次。",
		ZhCN: "我们暂时无法保存您的意见，您填写的内容都还在。再提交一次是安全的：同一份意见只会收到一次。",
		En:   "We could not save your card just now, but your answers are kept. Sending it again is safe: we receive the same card only once.",
	},
	"card.retry.auto":   {ZhTW: "幾秒後會自動重新送出。", ZhCN: "几秒后会自动重新提交。", En: "It will be sent again automatically in a few seconds."},
	"card.retry.button": {ZhTW: "再送一次", ZhCN: "再提交一次", En: "Send again"},
	"card.unsupported.body": {
		ZhTW: "這張意見卡只接受從表單送出的內容。請回到意見卡重新填寫。",
		ZhCN: "这张意见卡只接受从表单提交的内容。请回到意见卡重新填写。",
		En:   "This card only takes answers sent from its form. Please go back to the card and send it from there.",
	},
}
