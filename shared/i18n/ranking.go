package i18n

// rankingTexts are the words of the Dashboard's store ranking (keys
// "console.rank.", served to its script by /console/messages.json).
var rankingTexts = map[string]texts{
	"console.rank.title":      {ZhTW: "分店排名", ZhCN: "门店排名", En: "Store ranking"},
	"console.rank.lead.brand": {ZhTW: "品牌全部 {n} 家分店，依整體滿意度排序；每項 KPI 旁是該分店在這項的名次。", ZhCN: "品牌全部 {n} 家门店，按整体满意度排序；每项 KPI 旁是该门店在这一项的名次。", En: "All {n} stores of the brand, best CSAT first; beside each KPI, the store's rank on it."},
	"console.rank.lead.area":  {ZhTW: "您負責的 {n} 家分店彼此排名，依整體滿意度排序；品牌平均含品牌所有分店。", ZhCN: "您负责的 {n} 家门店相互排名，按整体满意度排序；品牌平均包含品牌所有门店。", En: "Your {n} stores ranked against each other, best CSAT first; the brand average is every store of the brand."},
	"console.rank.caption":    {ZhTW: "各分店 KPI 與名次", ZhCN: "各门店 KPI 与名次", En: "Each store's KPIs and ranks"},
	"console.rank.store":      {ZhTW: "分店", ZhCN: "门店", En: "Store"},
	"console.rank.cards":      {ZhTW: "意見卡", ZhCN: "意见卡", En: "Cards"},
	"console.rank.average":    {ZhTW: "品牌平均", ZhCN: "品牌平均", En: "Brand average"},
	"console.rank.place":      {ZhTW: "第 {r} 名", ZhCN: "第 {r} 名", En: "rank {r}"},
	"console.rank.noRank":     {ZhTW: "無資料，不排名", ZhCN: "无数据，不排名", En: "no data, not ranked"},
	"console.rank.movers":     {ZhTW: "進步與退步最多的分店", ZhCN: "进步与退步最多的门店", En: "Best and worst movers"},
	"console.rank.best":       {ZhTW: "{kpi}進步最多：{store}，由 {from} 升到 {to}（+{d}）。", ZhCN: "{kpi}进步最多：{store}，由 {from} 升到 {to}（+{d}）。", En: "Biggest {kpi} rise: {store}, from {from} to {to} (+{d})."},
	"console.rank.worst":      {ZhTW: "{kpi}退步最多：{store}，由 {from} 降到 {to}（−{d}）。", ZhCN: "{kpi}退步最多：{store}，由 {from} 降到 {to}（−{d}）。", En: "Biggest {kpi} fall: {store}, from {from} to {to} (−{d})."},
	"console.rank.noBest":     {ZhTW: "{kpi}：沒有分店進步。", ZhCN: "{kpi}：没有门店进步。", En: "{kpi}: no store rose."},
	"console.rank.noWorst":    {ZhTW: "{kpi}：沒有分店退步。", ZhCN: "{kpi}：没有门店退步。", En: "{kpi}: no store fell."},
	"console.rank.moverRule":  {ZhTW: "只比較本期與前期各有至少 {n} 則回覆的分店。", ZhCN: "只比较本期与前期各有至少 {n} 条回复的门店。", En: "Only stores with at least {n} answers in both periods are compared."},
	"console.rank.empty":      {ZhTW: "這段期間品牌還沒有彙總資料（品牌數字每 15 分鐘彙總一次）。", ZhCN: "这段期间品牌还没有汇总数据（品牌数字每 15 分钟汇总一次）。", En: "No brand figures for this period yet (they are rolled up every 15 minutes)."},
	"console.rank.error":      {ZhTW: "無法載入分店排名：", ZhCN: "无法加载门店排名：", En: "The store ranking could not be loaded:"},
	"console.rank.note":       {ZhTW: "品牌數字每 15 分鐘彙總一次，可能比上方分店數字稍晚。", ZhCN: "品牌数字每 15 分钟汇总一次，可能比上方门店数字稍晚。", En: "Brand figures are rolled up every 15 minutes, so they may trail the store's figures above."},
}
