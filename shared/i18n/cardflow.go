package i18n

// cardFlowTexts are the words of the shorter card: its steps, the compact
// rating matrix, the progress line, the language switch that keeps the
// answers, and the birthday menus' own error.
var cardFlowTexts = map[string]texts{
	"card.quick":            {ZhTW: "只有「整體滿意度」必填，其餘都可略過。", ZhCN: "只有“整体满意度”必填，其余都可略过。", En: "Only the overall rating is required; skip anything else."},
	"card.steps":            {ZhTW: "意見卡的段落", ZhCN: "意见卡的段落", En: "Parts of the card"},
	"card.step.rate":        {ZhTW: "評分", ZhCN: "评分", En: "Ratings"},
	"card.step.comment":     {ZhTW: "意見（選填）", ZhCN: "意见（选填）", En: "Comments (optional)"},
	"card.step.visit":       {ZhTW: "關於這次光臨（選填）", ZhCN: "关于这次光临（选填）", En: "About this visit (optional)"},
	"card.step.short.rate":  {ZhTW: "評分", ZhCN: "评分", En: "Ratings"},
	"card.step.short.note":  {ZhTW: "意見", ZhCN: "意见", En: "Comments"},
	"card.step.short.visit": {ZhTW: "用餐", ZhCN: "用餐", En: "Visit"},
	"card.step.short.you":   {ZhTW: "關於您", ZhCN: "关于您", En: "About you"},
	"card.items":            {ZhTW: "各項評分（選填）", ZhCN: "各项评分（选填）", En: "Each part of the meal (optional)"},
	"card.comment.label":    {ZhTW: "有什麼想告訴我們的嗎？", ZhCN: "有什么想告诉我们的吗？", En: "Anything you would like to tell us?"},
	"card.progress":         {ZhTW: "已回答 {n} 題，共 {total} 題", ZhCN: "已回答 {n} 题，共 {total} 题", En: "{n} of {total} questions answered"},
	"card.birthday.invalid": {ZhTW: "請選擇存在的月份與日期（例如 11 月、25 日；2 月最多 29 日）。", ZhCN: "请选择存在的月份与日期（例如 11 月、25 日；2 月最多 29 日）。", En: "Choose a month and a day that exist together (e.g. month 11, day 25; February has at most 29 days)."},
	"card.birthday.partial": {ZhTW: "請同時選擇月份與日期（例如 11 月、25 日），或兩者都不選。", ZhCN: "请同时选择月份与日期（例如 11 月、25 日），或两者都不选。", En: "Choose both a month and a day (e.g. month 11, day 25), or neither."},
}
