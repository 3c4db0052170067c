package i18n

// recoveryTexts are the words of the recovery rate: the callback funnel's
// last step ("insight.chart.") and the Dashboard tab's tile ("console.dash.
// recovery.", served to its script by /console/messages.json).
var recoveryTexts = map[string]texts{
	"insight.chart.callbacks.recovered": {ZhTW: "90 天內再度光臨", ZhCN: "90 天内再度光临", En: "Came back within 90 days"},

	"console.dash.recovery":      {ZhTW: "客訴顧客回流率", ZhCN: "客诉顾客回流率", En: "Recovery rate"},
	"console.dash.recovery.n":    {ZhTW: "{recoverable} 件案件（不含匿名）中 {recovered} 位顧客回來", ZhCN: "{recoverable} 件案件（不含匿名）中 {recovered} 位顾客回来", En: "Diners back: {recovered} of {recoverable} cases (anonymous cards not counted)"},
	"console.dash.recovery.none": {ZhTW: "此期間沒有可辨識顧客的案件", ZhCN: "此期间没有可识别顾客的案件", En: "No case of a diner we can recognise in this period"},
	"console.dash.recovery.up":   {ZhTW: "回來時整體評分由 {from} 升到 {to}（{n} 位）", ZhCN: "回来时整体评分由 {from} 升到 {to}（{n} 位）", En: "Overall score rose from {from} to {to} when they came back ({n} diners)"},
	"console.dash.recovery.down": {ZhTW: "回來時整體評分由 {from} 降到 {to}（{n} 位）", ZhCN: "回来时整体评分由 {from} 降到 {to}（{n} 位）", En: "Overall score fell from {from} to {to} when they came back ({n} diners)"},
	"console.dash.recovery.same": {ZhTW: "回來時整體評分仍是 {from}（{n} 位）", ZhCN: "回来时整体评分仍是 {from}（{n} 位）", En: "Overall score stayed at {from} when they came back ({n} diners)"},
	"console.dash.recovery.open": {ZhTW: "尚在計算：{until}（含）前回來的顧客都會計入", ZhCN: "尚在计算：{until}（含）前回来的顾客都会计入", En: "Still counting: a diner who comes back by {until} is counted"},
}
