package i18n

// campaignSafetyTexts are what marketing reads when a campaign is refused,
// warned about, waits for approval or is about to be scheduled, and the
// e-mail that tells approvers a campaign waits for them.
var campaignSafetyTexts = map[string]texts{
	"rule.past": {ZhTW: "寄送日（{date}）在分店 {store} 已經過了，請選擇未來的日期或年份。", ZhCN: "发送日（{date}）在门店 {store} 已经过了，请选择未来的日期或年份。", En: "The send day ({date}) has already passed at store {store}; choose a date or year still ahead."},

	"campaign.lang.zh-TW": {ZhTW: "繁體中文", ZhCN: "繁体中文", En: "Traditional Chinese"},
	"campaign.lang.zh-CN": {ZhTW: "簡體中文", ZhCN: "简体中文", En: "Simplified Chinese"},
	"campaign.lang.en":    {ZhTW: "英文", ZhCN: "英文", En: "English"},

	"campaign.warning.store_language_missing": {ZhTW: "分店 {store} 使用{language}，但這個活動沒有{language}內容；該店沒有指定語言的顧客會收到{fallback}版本。", ZhCN: "门店 {store} 使用{language}，但这个活动没有{language}内容；该店没有指定语言的顾客会收到{fallback}版本。", En: "Store {store} uses {language}, but the campaign has no {language} content; its diners who set no language of their own get the {fallback} version."},
	"campaign.warning.segment_empty":          {ZhTW: "目前沒有任何顧客符合這個對象條件，活動不會寄出任何問候。", ZhCN: "目前没有任何顾客符合这个对象条件，活动不会发出任何问候。", En: "No diner matches this segment today, so the campaign would send no greeting."},
	"campaign.warning.approvers_not_notified": {ZhTW: "已送交核准，但核准人尚未收到電子郵件通知；請稍後再按一次「送交核准」。", ZhCN: "已提交批准，但批准人尚未收到电子邮件通知；请稍后再点一次“提交批准”。", En: "Submitted, but the approvers have not been e-mailed yet; press Submit for approval again in a moment."},
	"campaign.warning.review_unavailable":     {ZhTW: "目前無法檢查這個活動的提醒事項，請稍後重新整理。", ZhCN: "目前无法检查这个活动的提醒事项，请稍后刷新。", En: "The campaign's warnings could not be checked just now; reload in a moment."},
	"campaign.warning.occasion_not_kept":      {ZhTW: "分店 {store} 所在地區沒有這個節日，該店不會寄出問候。", ZhCN: "门店 {store} 所在地区没有这个节日，该店不会发出问候。", En: "Store {store}'s region does not keep this holiday, so it sends no greeting."},

	"campaign.approval.subject": {ZhTW: "活動「{name}」等待您核准", ZhCN: "活动“{name}”等待您批准", En: "Campaign “{name}” waits for your approval"},
	"campaign.approval.body":    {ZhTW: "{author} 送出了{brand}的問候活動「{name}」，請您審閱並核准。核准後才能排程寄送。", ZhCN: "{author} 提交了{brand}的问候活动“{name}”，请您审阅并批准。批准后才能排期发送。", En: "{author} submitted {brand}'s greeting campaign “{name}” for your approval. It can be scheduled once approved."},
	"campaign.approval.open":    {ZhTW: "在管理台開啟活動", ZhCN: "在管理台打开活动", En: "Open the campaign in the console"},

	"console.campaign.warnings":        {ZhTW: "請注意", ZhCN: "请注意", En: "Please check"},
	"console.campaign.submit":          {ZhTW: "送交核准", ZhCN: "提交批准", En: "Submit for approval"},
	"console.campaign.waitingFor":      {ZhTW: "等待 {who} 核准", ZhCN: "等待 {who} 批准", En: "Waiting for approval by {who}"},
	"console.campaign.waitingNobody":   {ZhTW: "等待核准（尚未設定核准人，請聯絡管理員）", ZhCN: "等待批准（尚未设置批准人，请联系管理员）", En: "Waiting for approval (no approver is set up; ask an admin)"},
	"console.campaign.notSubmitted":    {ZhTW: "草稿：送交核准後，核准人會收到電子郵件通知。", ZhCN: "草稿：提交批准后，批准人会收到电子邮件通知。", En: "Draft: once submitted, the approvers are told by e-mail."},
	"console.campaign.confirmTitle":    {ZhTW: "確定要排程這個活動嗎？", ZhCN: "确定要排期这个活动吗？", En: "Schedule this campaign?"},
	"console.campaign.confirmWhat":     {ZhTW: "活動", ZhCN: "活动", En: "What"},
	"console.campaign.confirmWhen":     {ZhTW: "寄送時間", ZhCN: "发送时间", En: "When"},
	"console.campaign.confirmWho":      {ZhTW: "收件人數", ZhCN: "收件人数", En: "How many"},
	"console.campaign.confirmWhenDay":  {ZhTW: "{date} {hour}（各分店當地時間）", ZhCN: "{date} {hour}（各门店当地时间）", En: "{date} at {hour} (each store's own time)"},
	"console.campaign.confirmBirthday": {ZhTW: "每位顧客生日前 {days} 天的 {hour}（各分店當地時間）", ZhCN: "每位顾客生日前 {days} 天的 {hour}（各门店当地时间）", En: "{days} days before each diner's birthday at {hour} (each store's own time)"},
	"console.campaign.confirmYes":      {ZhTW: "確定排程", ZhCN: "确定排期", En: "Yes, schedule it"},
	"console.campaign.confirmNo":       {ZhTW: "返回", ZhCN: "返回", En: "Go back"},
	"console.campaign.byLanguage":      {ZhTW: "依語言", ZhCN: "按语言", En: "By language"},
	"console.campaign.byStore":         {ZhTW: "依分店", ZhCN: "按门店", En: "By store"},
	"console.campaign.sampleNames":     {ZhTW: "部分收件人（已遮蔽）", ZhCN: "部分收件人（已遮蔽）", En: "Some of them (masked)"},
}
