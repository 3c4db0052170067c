package i18n

// privacyTexts are the words of data-protection requests (shared/privacy):
// the rules a request or correction can break, and the console's labels.
var privacyTexts = map[string]texts{
	"rule.identity": {ZhTW: "這是識別顧客的欄位，無法更正；請刪除此顧客的資料，再由顧客重新填寫。", ZhCN: "这是识别顾客的字段，无法更正；请删除该顾客的数据，再由顾客重新填写。",
		En: "This field identifies the diner and cannot be corrected; erase the diner and let them fill a new card."},
	"console.privacy.title":    {ZhTW: "個資請求", ZhCN: "个人信息请求", En: "Data requests"},
	"console.privacy.export":   {ZhTW: "匯出", ZhCN: "导出", En: "Export"},
	"console.privacy.correct":  {ZhTW: "更正", ZhCN: "更正", En: "Correct"},
	"console.privacy.erase":    {ZhTW: "刪除", ZhCN: "删除", En: "Erase"},
	"console.privacy.reason":   {ZhTW: "原因", ZhCN: "原因", En: "Reason"},
	"console.privacy.due":      {ZhTW: "期限", ZhCN: "期限", En: "Due"},
	"console.privacy.open":     {ZhTW: "處理中的請求", ZhCN: "处理中的请求", En: "Open requests"},
	"console.privacy.notFound": {ZhTW: "找不到此顧客。", ZhCN: "找不到该顾客。", En: "No diner with that phone number or address."},
	"console.privacy.done":     {ZhTW: "已完成", ZhCN: "已完成", En: "Done"},
	"console.privacy.overdue":  {ZhTW: "已逾期", ZhCN: "已逾期", En: "Overdue"},
}
