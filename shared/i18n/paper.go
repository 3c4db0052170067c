package i18n

// paperTexts are the words printed on the paper card (shared/cardprint). Keys
// "paper.q.<field>" word a question, "paper.a.<field>.<value>" an answer and
// "paper.box.<box>" a handwriting box, by the field and box names of
// shared/cardlayout; the store's own items and main courses are printed
// with the online card's "card.item.*" and "card.course.*". Paper wording is
// shorter than the online card's: it must fit beside a 3.4 mm bubble.
var paperTexts = map[string]texts{
	"paper.title":                    {ZhTW: "{store}　顧客意見卡", ZhCN: "{store}　顾客意见卡", En: "{store} · Guest feedback card"},
	"paper.fill":                     {ZhTW: "請用深色筆把圓圈塗滿，不要打勾或打叉；也可以掃描右方 QR 碼在手機上填寫。", ZhCN: "请用深色笔把圆圈涂满，不要打勾或打叉；也可以扫描右方二维码在手机上填写。", En: "Fill the circles with a dark pen (no ticks or crosses), or scan the QR code to answer on your phone."},
	"paper.rate":                     {ZhTW: "請評分：1 很差 … 5 很好", ZhCN: "请评分：1 很差 … 5 很好", En: "Please rate: 1 very poor … 5 excellent"},
	"paper.serial":                   {ZhTW: "序號 {serial}　版面 {version}", ZhCN: "序号 {serial}　版面 {version}", En: "Serial {serial} · layout {version}"},
	"paper.birthday.month":           {ZhTW: "月", ZhCN: "月", En: "Month"},
	"paper.birthday.day":             {ZhTW: "日", ZhCN: "日", En: "Day"},
	"paper.q.nps":                    {ZhTW: "您會推薦我們嗎？（0–10）", ZhCN: "您会推荐我们吗？（0–10）", En: "Would you recommend us? 0–10"},
	"paper.q.meal":                   {ZhTW: "餐別", ZhCN: "餐别", En: "Meal"},
	"paper.q.firstVisit":             {ZhTW: "第一次光臨？", ZhCN: "第一次光临？", En: "First visit?"},
	"paper.q.visitCount":             {ZhTW: "含本次共來過幾次？", ZhCN: "含本次共来过几次？", En: "Visits, including today"},
	"paper.q.reason":                 {ZhTW: "用餐原因", ZhCN: "用餐原因", En: "Reason for dining"},
	"paper.q.heardFrom":              {ZhTW: "如何得知本店？", ZhCN: "如何得知本店？", En: "How did you hear of us?"},
	"paper.q.mainCourse":             {ZhTW: "您的主餐", ZhCN: "您的主菜", En: "Your main course"},
	"paper.q.diner.language":         {ZhTW: "偏好語言", ZhCN: "偏好语言", En: "Preferred language"},
	"paper.q.diner.phone":            {ZhTW: "手機號碼（每欄塗一個數字）", ZhCN: "手机号码（每列涂一个数字）", En: "Mobile number, one digit per column"},
	"paper.q.diner.birthday":         {ZhTW: "生日", ZhCN: "生日", En: "Birthday"},
	"paper.a.meal.lunch":             {ZhTW: "午餐", ZhCN: "午餐", En: "Lunch"},
	"paper.a.meal.dinner":            {ZhTW: "晚餐", ZhCN: "晚餐", En: "Dinner"},
	"paper.a.firstVisit.true":        {ZhTW: "是", ZhCN: "是", En: "Yes"},
	"paper.a.firstVisit.false":       {ZhTW: "否", ZhCN: "否", En: "No"},
	"paper.a.reason.birthday":        {ZhTW: "慶生", ZhCN: "庆生", En: "Birthday"},
	"paper.a.reason.anniversary":     {ZhTW: "紀念日", ZhCN: "纪念日", En: "Anniversary"},
	"paper.a.reason.family":          {ZhTW: "家庭聚餐", ZhCN: "家庭聚餐", En: "Family"},
	"paper.a.reason.friends":         {ZhTW: "朋友聚會", ZhCN: "朋友聚会", En: "Friends"},
	"paper.a.reason.business":        {ZhTW: "商務宴請", ZhCN: "商务宴请", En: "Business"},
	"paper.a.reason.date":            {ZhTW: "約會", ZhCN: "约会", En: "Date"},
	"paper.a.reason.other":           {ZhTW: "其他", ZhCN: "其他", En: "Other"},
	"paper.a.heardFrom.friend":       {ZhTW: "親友推薦", ZhCN: "亲友推荐", En: "Friends, family"},
	"paper.a.heardFrom.social":       {ZhTW: "社群媒體", ZhCN: "社交媒体", En: "Social media"},
	"paper.a.heardFrom.review":       {ZhTW: "網路評價", ZhCN: "网络评价", En: "Online reviews"},
	"paper.a.heardFrom.ad":           {ZhTW: "廣告", ZhCN: "广告", En: "Advertising"},
	"paper.a.heardFrom.passing":      {ZhTW: "路過", ZhCN: "路过", En: "Walking past"},
	"paper.a.heardFrom.event":        {ZhTW: "活動", ZhCN: "活动", En: "An event"},
	"paper.a.heardFrom.other":        {ZhTW: "其他", ZhCN: "其他", En: "Other"},
	"paper.a.diner.language.zh-TW":   {ZhTW: "繁體中文", ZhCN: "繁体中文", En: "Traditional Chinese"},
	"paper.a.diner.language.zh-CN":   {ZhTW: "簡體中文", ZhCN: "简体中文", En: "Simplified Chinese"},
	"paper.a.diner.language.en":      {ZhTW: "英文", ZhCN: "英文", En: "English"},
	"paper.a.consent.contact.true":   {ZhTW: "我同意餐廳就這次用餐與我聯絡。", ZhCN: "我同意餐厅就这次用餐与我联系。", En: "You may contact me about this visit."},
	"paper.a.consent.marketing.true": {ZhTW: "我願意收到生日與節日祝福及優惠訊息。", ZhCN: "我愿意收到生日与节日祝福及优惠信息。", En: "Send me birthday and holiday greetings and offers."},
	"paper.box.diner.name":           {ZhTW: "姓名", ZhCN: "姓名", En: "Name"},
	"paper.box.diner.email":          {ZhTW: "電子郵件", ZhCN: "电子邮件", En: "E-mail"},
	"paper.box.comment":              {ZhTW: "您的意見或建議", ZhCN: "您的意见或建议", En: "Your comments or suggestions"},
}
